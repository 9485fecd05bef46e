-- Lends stock from this bucket to another that sold out: takes up to ARGV[1] units of what is left
-- and records the transfer, so that it is completed (given) even if the lending node dies.
-- KEYS: 1 the lending bucket (hash), 2 its transfers in flight (hash: id -> "bucket:units")
-- ARGV: 1 units wanted, 2 transfer id, 3 the borrowing bucket's index
-- Returns the units taken (0 when nothing is left).
local total, issued = unpack(redis.call('HMGET', KEYS[1], 'total', 'issued'))
local left = tonumber(total) - tonumber(issued)
local units = math.min(tonumber(ARGV[1]), left)
if units <= 0 then
  return 0
end

redis.call('HINCRBY', KEYS[1], 'total', -units)
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3] .. ':' .. units)
return units
