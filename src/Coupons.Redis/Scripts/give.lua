-- Completes a transfer of stock into this bucket, once: a transfer given again changes nothing.
-- KEYS: 1 the borrowing bucket (hash), 2 the transfers it has received (set of ids)
-- ARGV: 1 transfer id, 2 units
-- Returns 1 when given now, 0 when it had been given before.
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then
  return 0
end

redis.call('HINCRBY', KEYS[1], 'total', ARGV[2])
return 1
