-- Adds stock to a campaign's bucket, with the event.
-- KEYS: 1 campaign (hash), 2 bucket 0 (hash), 3 the slot's event stream
-- ARGV: 1 campaign id, 2 stock to add, 3 the most stock a campaign may have
-- Returns {outcome, status, total, issued}: ok, campaign_ended, or too_much (nothing changed).
local campaign, bucket, stream = KEYS[1], KEYS[2], KEYS[3]
local status = redis.call('HGET', campaign, 'status')
if not status then
  return {'campaign_not_found'}
end

local outcome = 'ok'
if status == 'ended' then
  outcome = 'campaign_ended'
elseif tonumber(redis.call('HGET', bucket, 'total')) + tonumber(ARGV[2]) > tonumber(ARGV[3]) then
  outcome = 'too_much'
else
  local total = redis.call('HINCRBY', bucket, 'total', ARGV[2])
  redis.call('HINCRBY', campaign, 'version', 1)
  -- The whole campaign, so that a persister can store any of its events, in any order, by version.
  redis.call('XADD', stream, '*', 'event', 'stock', 'campaign', ARGV[1], 'total', total,
    unpack(redis.call('HGETALL', campaign)))
end

local total, issued = unpack(redis.call('HMGET', bucket, 'total', 'issued'))
return {outcome, status, total, issued}
