-- Gives a generated code back after the claim it was reserved for was refused: the reservation is
-- taken out only if it is still the one given (the same user, reserved at the same moment), so a
-- sweeper never takes back a reservation its user has just renewed.
-- KEYS: 1 the partition's claims, 2 its reservations
-- ARGV: 1 the code's hash, 2 the reservation (r|at|user)
-- Returns 1 when released, 0 when the reservation was no longer that one.
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
  return 0
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
