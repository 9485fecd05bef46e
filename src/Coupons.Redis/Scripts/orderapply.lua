-- An order operation's changes all at once, on a Redis that is not a cluster (where one script may
-- touch every slot): each coupon's change as transition.lua makes it, and the order's new record as
-- orderstore.lua stores it at an operation's end, if neither the record nor any coupon changed
-- since they were read (their versions). The caller decided with the rules of Coupons.Core
-- (OrderRules) and, on a conflict, reads and decides again. changecoupon.lua and orderrecord.lua come
-- before this text.
-- KEYS: 1 the order (hash), 2 its slot's event stream, then five a coupon, as transition.lua's KEYS
-- ARGV: 1 the order's version read ('0' for an order with no record), 2 the order id,
--       3 n: how many field, value elements follow, 4 .. 3 + n the record's field, value pairs,
--       then 22 a coupon, as transition.lua's ARGV, in the order of the coupons' keys
-- Returns {'ok', the record's new version} or {'conflict'}.
local order, stream = KEYS[1], KEYS[2]
local version = redis.call('HGET', order, 'version') or '0'
if version ~= ARGV[1] then
  return {'conflict'}
end

local n = tonumber(ARGV[3])
local coupons = (#KEYS - 2) / 5
for i = 0, coupons - 1 do
  if redis.call('HGET', KEYS[3 + i * 5], 'version') ~= ARGV[4 + n + i * 22] then
    return {'conflict'}
  end
end

for i = 0, coupons - 1 do
  local k = 3 + i * 5
  change_coupon(KEYS[k], KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4], ARGV, 3 + n + i * 22)
end

return {'ok', write_order(order, stream, ARGV[2], version, ARGV, 4, 3 + n, n > 0)}
