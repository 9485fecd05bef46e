-- Restores coupons of one bucket from PostgreSQL's rows into an empty Redis, in one step in the
-- bucket's slot: each coupon's hash (the fields claim.lua and transition.lua write), the bucket's
-- list of coupons, the sweeper's queues, the slot's own codes, and the claimants' counts and
-- idempotency keys. No event: PostgreSQL has every row already. The bucket's own counters are
-- written once all of its coupons are in (RestoredCampaign.Buckets).
-- KEYS: 1 the bucket's coupons (sorted set), 2 its validity ends and 3 its lock expiries (sorted
--       sets), 4 the slot's own codes (hash), 5 the bucket's claimants (hash), then each coupon's hash
-- ARGV: 22 a coupon, in the order of KEYS 6..: 1 id, 2 campaign id, 3 bucket, 4 user, 5 claimed at,
--       6 idempotency key, 7 status, 8 valid from, 9 valid to, 10 order id, 11 order amount,
--       12 lock expires at, 13 used at, 14 refunded order id, 15 version, 16 order shipping,
--       17 order discount, 18 own code's hash, 19 watch the lock until and 20 the validity until
--       (SweepWatch), 21 the user's count field and 22 idempotency field ('' for none of each: the
--       user claims from another bucket, whose claimants the node writes itself)
-- Returns the number of coupons written.
local n = 22
local coupons, validity, expiries, ownCodes, claimants = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local members, validityEnds, lockEnds, codes = {}, {}, {}, {}
for c = 0, #KEYS - 6 do
  local a = c * n
  local id = ARGV[a + 1]
  if ARGV[a + 15] == '1' then
    -- Never changed since its claim: the fields claim.lua writes, no order, lock, use or refund.
    redis.call('HSET', KEYS[6 + c], 'campaign', ARGV[a + 2], 'bucket', ARGV[a + 3], 'user', ARGV[a + 4],
      'claimedAt', ARGV[a + 5], 'status', ARGV[a + 7], 'validFrom', ARGV[a + 8], 'validTo', ARGV[a + 9],
      'version', '1', 'idempotencyKey', ARGV[a + 6])
  else
    redis.call('HSET', KEYS[6 + c], 'campaign', ARGV[a + 2], 'bucket', ARGV[a + 3], 'user', ARGV[a + 4],
      'claimedAt', ARGV[a + 5], 'idempotencyKey', ARGV[a + 6], 'status', ARGV[a + 7], 'validFrom', ARGV[a + 8],
      'validTo', ARGV[a + 9], 'orderId', ARGV[a + 10], 'orderAmount', ARGV[a + 11], 'lockExpiresAt', ARGV[a + 12],
      'usedAt', ARGV[a + 13], 'refundedOrderId', ARGV[a + 14], 'version', ARGV[a + 15],
      'orderShipping', ARGV[a + 16], 'orderDiscount', ARGV[a + 17])
  end
  members[#members + 1] = 0
  members[#members + 1] = id
  if ARGV[a + 18] ~= '' then
    codes[#codes + 1] = ARGV[a + 18]
    codes[#codes + 1] = id
  end
  if ARGV[a + 19] ~= '' then
    lockEnds[#lockEnds + 1] = ARGV[a + 19]
    lockEnds[#lockEnds + 1] = id
  end
  if ARGV[a + 20] ~= '' then
    validityEnds[#validityEnds + 1] = ARGV[a + 20]
    validityEnds[#validityEnds + 1] = id
  end
  if ARGV[a + 21] ~= '' then
    redis.call('HINCRBY', claimants, ARGV[a + 21], 1)
  end
  if ARGV[a + 22] ~= '' then
    redis.call('HSET', claimants, ARGV[a + 22], id)
  end
end

if #members > 0 then
  redis.call('ZADD', coupons, unpack(members))
end
if #codes > 0 then
  redis.call('HSET', ownCodes, unpack(codes))
end
if #lockEnds > 0 then
  redis.call('ZADD', expiries, unpack(lockEnds))
end
if #validityEnds > 0 then
  redis.call('ZADD', validity, unpack(validityEnds))
end
return #KEYS - 5
