-- Sets a campaign's status on one of its other buckets (after status.lua changed the campaign).
-- KEYS: 1 the bucket (hash)
-- ARGV: 1 the status
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'status', ARGV[1])
end
return 1
