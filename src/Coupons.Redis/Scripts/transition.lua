-- Stores a coupon's new state if nobody changed it since it was read (its version), with the
-- campaign's counters and the event, in one atomic step; the caller decided the change with the
-- rules of Coupons.Core and decides again on a conflict. Every key is in the coupon's hash slot.
-- changecoupon.lua comes before this text (change_coupon).
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
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then
  return {'conflict'}
end

return {'ok', change_coupon(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV, 0)}
