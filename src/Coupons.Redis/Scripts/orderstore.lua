-- Stores a checkout order's record if nobody changed it since it was read (its version), and keeps
-- its partition's list of orders with an operation under way. The caller decided with the rules of
-- Coupons.Core (OrderRules) and, on a conflict, reads and decides again. Both keys are in the
-- order's partition's slot.
-- KEYS: 1 the order (hash), 2 the partition's pending orders (sorted set: order id by deadline)
-- ARGV: 1 the version read ('0' for an order with no record), 2 the order id, 3 the deadline of the
--       operation under way (ms; '' when none is: the order is taken out of the pending set),
--       4 '1' to delete the plan of the operation (the 'pending' field), '' to keep it,
--       5.. field, value pairs to set
-- Returns {'ok', new version} or {'conflict'}.
local order, pending = KEYS[1], KEYS[2]
local version = redis.call('HGET', order, 'version') or '0'
if version ~= ARGV[1] then
  return {'conflict'}
end

local nextVersion = tonumber(version) + 1
local set = {'version', nextVersion}
for i = 5, #ARGV, 2 do
  set[#set + 1] = ARGV[i]
  set[#set + 1] = ARGV[i + 1]
end

redis.call('HSET', order, unpack(set))
if ARGV[4] == '1' then
  redis.call('HDEL', order, 'pending')
end

if ARGV[3] ~= '' then
  redis.call('ZADD', pending, ARGV[3], ARGV[2])
else
  redis.call('ZREM', pending, ARGV[2])
end

return {'ok', nextVersion}
