-- Claims a coupon from one bucket of a campaign, and appends the claim to the slot's stream, in one
-- atomic step. Every key is in the bucket's hash slot.
-- KEYS: 1 bucket (hash), 2 claims per user (hash), 3 idempotency keys (hash), 4 the new coupon
--       (hash), 5 the slot's event stream, 6 the bucket's validity ends (sorted set, for the sweeper),
--       7 the bucket's coupons (sorted set of ids, read by lex)
-- ARGV: 1 user id, 2 idempotency field ("" for none), 3 coupon id, 4 now (ms),
--       5 "1" if the campaign's terms allow a claim now (claim window, absolute validity),
--       6 valid from (ms), 7 valid to (ms), 8 campaign id, 9 bucket index, 10 the idempotency key
--       itself (the field also names the user), 11 "1" to count a sold_out refusal ("0" when the
--       node will first try to borrow stock from another bucket, and counts it itself if that fails)
-- Returns {outcome} or {outcome, coupon id}; refusals are counted in the bucket, in the order of
-- precedence the contract gives: replay, campaign_not_active, limit_reached, sold_out.
local bucket, users, idem, coupon, stream, validity, coupons = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local user, idemField, id, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

if idemField ~= '' then
  local earlier = redis.call('HGET', idem, idemField)
  if earlier then
    return {'replayed', earlier}
  end
end

local status, limit, total, issued = unpack(redis.call('HMGET', bucket, 'status', 'limit', 'total', 'issued'))
if not status then
  return {'campaign_not_found'}
end

local function refuse(code)
  redis.call('HINCRBY', bucket, 'rejected:' .. code, 1)
  return {code}
end

if status ~= 'active' or ARGV[5] ~= '1' then
  return refuse('campaign_not_active')
end

if tonumber(redis.call('HGET', users, user) or '0') >= tonumber(limit) then
  return refuse('limit_reached')
end

if tonumber(issued) >= tonumber(total) then
  if ARGV[11] == '1' then
    return refuse('sold_out')
  end
  return {'sold_out'}
end

redis.call('HINCRBY', bucket, 'issued', 1)
redis.call('HINCRBY', users, user, 1)
if idemField ~= '' then
  redis.call('HSET', idem, idemField, id)
end

redis.call('HSET', coupon,
  'campaign', ARGV[8], 'bucket', ARGV[9], 'user', user, 'claimedAt', now, 'status', 'unused',
  'validFrom', ARGV[6], 'validTo', ARGV[7], 'version', '1', 'idempotencyKey', ARGV[10])
redis.call('ZADD', validity, ARGV[7], id)
redis.call('ZADD', coupons, 0, id)

redis.call('XADD', stream, '*', 'event', 'claimed', 'coupon', id, 'campaign', ARGV[8], 'user', user,
  'claimedAt', now, 'idempotencyKey', ARGV[10], 'validFrom', ARGV[6], 'validTo', ARGV[7], 'version', '1',
  'status', 'unused', 'orderId', '', 'orderAmount', 0, 'lockExpiresAt', 0, 'usedAt', 0, 'refundedOrderId', '')
return {'ok', id}
