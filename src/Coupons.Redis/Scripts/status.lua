-- Pauses, resumes or ends a campaign: the campaign and its bucket 0 change together, with the
-- event; the node then sets the same status on the other buckets, if any, before it answers.
-- KEYS: 1 campaign (hash), 2 bucket 0 (hash), 3 the slot's event stream
-- ARGV: 1 campaign id, 2 the target status (active, paused, ended), 3 the audit field (who, when)
-- Returns {outcome, status}: ok, replayed (already so) or campaign_ended, as
-- CampaignRules.ChangeStatus (Coupons.Core) decides them.
local campaign, bucket, stream = KEYS[1], KEYS[2], KEYS[3]
local status = redis.call('HGET', campaign, 'status')
if not status then
  return {'campaign_not_found'}
end

local outcome = 'ok'
local before = status
if status == ARGV[2] then
  outcome = 'replayed'
elseif status == 'ended' then
  outcome = 'campaign_ended'
else
  status = ARGV[2]
  redis.call('HSET', campaign, 'status', status)
  redis.call('HSET', bucket, 'status', status)
  redis.call('HINCRBY', campaign, 'version', 1)
  -- The whole campaign, so that a persister can store any of its events, in any order, by version.
  local fields = redis.call('HGETALL', campaign)
  for _, value in ipairs({'audit', ARGV[3], 'beforeStatus', before}) do
    fields[#fields + 1] = value
  end
  redis.call('XADD', stream, '*', 'event', 'status', 'campaign', ARGV[1], unpack(fields))
end

return {outcome, status}
