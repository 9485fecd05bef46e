-- A fragment put before transition.lua and orderapply.lua (Script.cs): stores a coupon's new state,
-- the campaign's counters, the sweeper's watches and the event. The caller has checked that the
-- coupon is at the version its change was decided on (ARGV a[o + 1]).
-- Keys as transition.lua's KEYS 1-5, arguments as its ARGV 1-22 at a[o + 1] .. a[o + 22].
-- Returns the coupon's new version.
local function change_coupon(coupon, bucket, stream, expiries, validity, a, o)
  local id = a[o + 2]
  local nextVersion = tonumber(a[o + 1]) + 1
  redis.call('HSET', coupon, 'status', a[o + 5], 'orderId', a[o + 6], 'orderAmount', a[o + 7],
    'lockExpiresAt', a[o + 8], 'usedAt', a[o + 9], 'refundedOrderId', a[o + 10], 'version', nextVersion,
    'orderShipping', a[o + 21], 'orderDiscount', a[o + 22])

  local counters = {'locked', 'used', 'expired', 'revoked', 'released', 'refunded'}
  for i, name in ipairs(counters) do
    local change = tonumber(a[o + 10 + i])
    if change ~= 0 then
      redis.call('HINCRBY', bucket, name, change)
    end
  end

  if a[o + 17] ~= '' then
    redis.call('HINCRBY', bucket, 'rejected:' .. a[o + 17], 1)
  end

  local function watch(queue, untilMs)
    if untilMs ~= '' then
      redis.call('ZADD', queue, untilMs, id)
    else
      redis.call('ZREM', queue, id)
    end
  end

  watch(expiries, a[o + 18])
  watch(validity, a[o + 19])

  -- The whole row, so that a persister can store any event of a coupon, in any order, by version.
  local user, claimedAt, idempotencyKey, validFrom, validTo =
    unpack(redis.call('HMGET', coupon, 'user', 'claimedAt', 'idempotencyKey', 'validFrom', 'validTo'))
  redis.call('XADD', stream, '*', 'event', a[o + 4], 'coupon', id, 'campaign', a[o + 3], 'user', user,
    'claimedAt', claimedAt, 'idempotencyKey', idempotencyKey, 'validFrom', validFrom, 'validTo', validTo,
    'version', nextVersion, 'status', a[o + 5], 'orderId', a[o + 6], 'orderAmount', a[o + 7],
    'lockExpiresAt', a[o + 8], 'usedAt', a[o + 9], 'refundedOrderId', a[o + 10], 'audit', a[o + 20],
    'orderShipping', a[o + 21], 'orderDiscount', a[o + 22])
  return nextVersion
end
