-- Stores a coupon's new state if nobody changed it since it was read (its version), with the
-- campaign's counters and the event, in one atomic step; the caller decided the change with the
-- rules of Coupons.Core and decides again on a conflict. Every key is in the coupon's hash slot.
-- KEYS: 1 coupon (hash), 2 its campaign's bucket (hash), 3 the slot's event stream,
--       4 the bucket's lock expiries and 5 validity ends (sorted sets, for the sweeper)
-- ARGV: 1 the version read, 2 coupon id, 3 campaign id, 4 events (names, comma-separated),
--       5 status, 6 order id, 7 order amount, 8 lock expires at, 9 used at, 10 refunded order id,
--       11-16 changes of the locked, used, expired, revoked, released and refunded counters
--       (StatsDelta.Of in Coupons.Core works them out),
--       17 the refusal to count ('' for none), 18 watch the lock until (ms) and 19 watch the
--       validity until (ms), each '' when the coupon is not to be watched for it (the node decides
--       which coupons time alone can still change; SweepWatch.Of asks CouponRules.Normalize),
--       20 the audit field (who, when, before, a revoke's reason), 21 the order's shipping and
--       22 what the coupon takes off its order ('' for none), as priced at its lock or use
-- Returns {'ok', new version} or {'conflict'}.
local coupon, bucket, stream, expiries, validity = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local version = redis.call('HGET', coupon, 'version')
if version ~= ARGV[1] then
  return {'conflict'}
end

local nextVersion = tonumber(version) + 1
redis.call('HSET', coupon, 'status', ARGV[5], 'orderId', ARGV[6], 'orderAmount', ARGV[7],
  'lockExpiresAt', ARGV[8], 'usedAt', ARGV[9], 'refundedOrderId', ARGV[10], 'version', nextVersion,
  'orderShipping', ARGV[21], 'orderDiscount', ARGV[22])

local counters = {'locked', 'used', 'expired', 'revoked', 'released', 'refunded'}
for i, name in ipairs(counters) do
  local change = tonumber(ARGV[10 + i])
  if change ~= 0 then
    redis.call('HINCRBY', bucket, name, change)
  end
end

if ARGV[17] ~= '' then
  redis.call('HINCRBY', bucket, 'rejected:' .. ARGV[17], 1)
end

local function watch(queue, untilMs)
  if untilMs ~= '' then
    redis.call('ZADD', queue, untilMs, ARGV[2])
  else
    redis.call('ZREM', queue, ARGV[2])
  end
end

watch(expiries, ARGV[18])
watch(validity, ARGV[19])

-- The whole row, so that a persister can store any event of a coupon, in any order, by version.
local user, claimedAt, idempotencyKey, validFrom, validTo =
  unpack(redis.call('HMGET', coupon, 'user', 'claimedAt', 'idempotencyKey', 'validFrom', 'validTo'))
redis.call('XADD', stream, '*', 'event', ARGV[4], 'coupon', ARGV[2], 'campaign', ARGV[3], 'user', user,
  'claimedAt', claimedAt, 'idempotencyKey', idempotencyKey, 'validFrom', validFrom, 'validTo', validTo,
  'version', nextVersion, 'status', ARGV[5], 'orderId', ARGV[6], 'orderAmount', ARGV[7],
  'lockExpiresAt', ARGV[8], 'usedAt', ARGV[9], 'refundedOrderId', ARGV[10], 'audit', ARGV[20],
  'orderShipping', ARGV[21], 'orderDiscount', ARGV[22])
return {'ok', nextVersion}
