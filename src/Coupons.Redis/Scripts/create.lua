-- Creates a campaign: its record, its first bucket, and the event, in the campaign's hash slot.
-- A campaign split across slots has its other buckets made first (one HSET each, BucketHashes.CreateAsync).
-- KEYS: 1 campaign (hash), 2 bucket 0 (hash), 3 the slot's event stream
-- ARGV: 1 campaign id, 2 total stock, 3 per-user limit, 4 created at (ms), 5 number of buckets,
--       6 bucket 0's share of the stock, 7 the audit field (who, when), then the definition as field, value pairs
local campaign, bucket, stream = KEYS[1], KEYS[2], KEYS[3]
if redis.call('EXISTS', campaign) == 1 then
  return 0
end

local fields = {}
for i = 8, #ARGV do
  fields[#fields + 1] = ARGV[i]
end

redis.call('HSET', bucket, 'status', 'active', 'total', ARGV[6], 'issued', 0, 'limit', ARGV[3])
redis.call('HSET', campaign, 'status', 'active', 'total', ARGV[2], 'createdAt', ARGV[4], 'buckets', ARGV[5],
  'version', 1, unpack(fields))
local event = redis.call('HGETALL', campaign)
event[#event + 1] = 'audit'
event[#event + 1] = ARGV[7]
redis.call('XADD', stream, '*', 'event', 'campaign', 'campaign', ARGV[1], unpack(event))
return 1
