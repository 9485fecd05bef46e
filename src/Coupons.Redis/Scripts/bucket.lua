-- Creates one more bucket of a campaign split across slots (bucket 0 is made with the campaign).
-- KEYS: 1 the bucket (hash)
-- ARGV: 1 its share of the stock, 2 per-user limit
-- Made before the campaign itself, so a campaign is never seen without all its buckets.
redis.call('HSET', KEYS[1], 'status', 'active', 'total', ARGV[1], 'issued', 0, 'limit', ARGV[2])
return 1
