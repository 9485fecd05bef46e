-- Stores a checkout order's record if nobody changed it since it was read (its version), and keeps
-- its partition's list of orders with an operation under way. The caller decided with the rules of
-- Coupons.Core (OrderRules) and, on a conflict, reads and decides again. Every key is in the order's
-- partition's slot. orderrecord.lua comes before this text (write_order).
-- KEYS: 1 the order (hash), 2 the partition's pending orders (sorted set: order id by deadline),
--       3 the slot's event stream
-- ARGV: 1 the version read ('0' for an order with no record), 2 the order id, 3 the deadline of the
--       operation under way (ms; '' when none is: the order is taken out of the pending set),
--       4 '1' to delete the plan of the operation (the 'pending' field), '' to keep it,
--       5 '1' to append the record to the stream (an operation's end that changed it), '' not to,
--       6.. field, value pairs to set
-- Returns {'ok', new version} or {'conflict'}.
local order, pending, stream = KEYS[1], KEYS[2], KEYS[3]
local version = redis.call('HGET', order, 'version') or '0'
if version ~= ARGV[1] then
  return {'conflict'}
end

local nextVersion = write_order(order, stream, ARGV[2], version, ARGV, 6, #ARGV, ARGV[5] == '1')
if ARGV[4] == '1' then
  redis.call('HDEL', order, 'pending')
end

if ARGV[3] ~= '' then
  redis.call('ZADD', pending, ARGV[3], ARGV[2])
else
  redis.call('ZREM', pending, ARGV[2])
end

return {'ok', nextVersion}
