-- Adds stock to a campaign (to its bucket 0; other buckets borrow from it), with the event.
-- KEYS: 1 campaign (hash), 2 bucket 0 (hash), 3 the slot's event stream
-- ARGV: 1 campaign id, 2 stock to add, 3 the most stock a campaign may have, 4 the audit field (who, when)
-- Returns {outcome, status}: ok, campaign_ended or stock_cap_exceeded (nothing changed), in the
-- order CampaignRules.AddStock (Coupons.Core) decides them.
local campaign, bucket, stream = KEYS[1], KEYS[2], KEYS[3]
local status, total = unpack(redis.call('HMGET', campaign, 'status', 'total'))
if not status then
  return {'campaign_not_found'}
end

local outcome = 'ok'
if status == 'ended' then
  outcome = 'campaign_ended'
elseif tonumber(total) + tonumber(ARGV[2]) > tonumber(ARGV[3]) then
  outcome = 'stock_cap_exceeded'
else
  redis.call('HINCRBY', campaign, 'total', ARGV[2])
  redis.call('HINCRBY', bucket, 'total', ARGV[2])
  redis.call('HINCRBY', campaign, 'version', 1)
  -- The whole campaign, so that a persister can store any of its events, in any order, by version.
  local fields = redis.call('HGETALL', campaign)
  for _, value in ipairs({'audit', ARGV[4], 'beforeTotal', total}) do
    fields[#fields + 1] = value
  end
  redis.call('XADD', stream, '*', 'event', 'stock', 'campaign', ARGV[1], unpack(fields))
end

return {outcome, status}
