-- Claims a coupon from one bucket of a campaign, and appends the claim to the slot's stream, in one
-- atomic step. Every key is in the bucket's hash slot. Kept lean: it runs once per claim, at the
-- peak of a flash sale, on one Redis thread.
-- KEYS: 1 bucket (hash), 2 the bucket's claimants (hash: claims per user and idempotency keys),
--       3 the new coupon (hash), 4 the slot's event stream, 5 the bucket's validity ends (sorted set,
--       for the sweeper), 6 the bucket's coupons (sorted set of ids, read by lex), 7 the slot's own
--       codes (hash: a coupon's own code's lookup hash to the coupon id; the slot is the code's route)
-- ARGV: 1 user id, 2 the user's count field, 3 idempotency field ('' for none), 4 coupon id,
--       5 now (ms), 6 '1' if the campaign's terms allow a claim now (claim window, absolute
--       validity), 7 valid from (ms), 8 valid to (ms), 9 campaign id, 10 bucket index, 11 the
--       idempotency key itself, 12 '1' to count a sold_out refusal ('0' when the node will first try
--       to borrow stock from another bucket, and counts it itself if that fails), 13 the audit field
--       (who, when; copied into the event), 14 the new coupon's own code's lookup hash (computed by the
--       node from the id: CouponOwnCodes.KeyOf)
-- Returns {outcome} or {outcome, coupon id}; refusals are counted in the bucket, in the order of
-- precedence the contract gives: replay, campaign_not_active, limit_reached, sold_out (the order
-- CouponRules.DecideClaim in Coupons.Core decides them; the claim window is decided there and
-- passed as ARGV[6]).
local bucket, claimants = KEYS[1], KEYS[2]
local user, countField, idemField, id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

local mine, earlier
if idemField ~= '' then
  mine, earlier = unpack(redis.call('HMGET', claimants, countField, idemField))
  if earlier then
    return {'replayed', earlier}
  end
else
  mine = redis.call('HGET', claimants, countField)
end

local status, limit, total, issued = unpack(redis.call('HMGET', bucket, 'status', 'limit', 'total', 'issued'))
if not status then
  return {'campaign_not_found'}
end

local function refuse(code)
  redis.call('HINCRBY', bucket, 'rejected:' .. code, 1)
  return {code}
end

if status ~= 'active' or ARGV[6] ~= '1' then
  return refuse('campaign_not_active')
end

mine = tonumber(mine or '0')
if mine >= tonumber(limit) then
  return refuse('limit_reached')
end

if tonumber(issued) >= tonumber(total) then
  if ARGV[12] == '1' then
    return refuse('sold_out')
  end
  return {'sold_out'}
end

redis.call('HINCRBY', bucket, 'issued', 1)
if idemField ~= '' then
  redis.call('HSET', claimants, countField, mine + 1, idemField, id)
else
  redis.call('HSET', claimants, countField, mine + 1)
end

local now, validTo = ARGV[5], ARGV[8]
redis.call('HSET', KEYS[3], 'campaign', ARGV[9], 'bucket', ARGV[10], 'user', user, 'claimedAt', now,
  'status', 'unused', 'validFrom', ARGV[7], 'validTo', validTo, 'version', '1', 'idempotencyKey', ARGV[11])
redis.call('ZADD', KEYS[5], validTo, id)
redis.call('ZADD', KEYS[6], 0, id)
redis.call('HSET', KEYS[7], ARGV[14], id)

-- The whole row; fields a new coupon does not have yet (order, lock, use, refund) are left out.
redis.call('XADD', KEYS[4], '*', 'event', 'claimed', 'coupon', id, 'campaign', ARGV[9], 'user', user,
  'claimedAt', now, 'idempotencyKey', ARGV[11], 'validFrom', ARGV[7], 'validTo', validTo, 'version', '1',
  'status', 'unused', 'audit', ARGV[13], 'ownCode', ARGV[14])
return {'ok', id}
