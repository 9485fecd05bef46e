-- The last step of a claim by a generated code that gave a coupon: the code becomes claimed by the
-- user with that coupon, and the claim is appended to the partition slot's stream with the code's
-- whole row. Reserved by the user, or available (a reservation released meanwhile, taken by nobody):
-- claimed. Claimed already by the same user for the same coupon: nothing to do.
-- KEYS: 1 the partition's index, 2 its claims, 3 its reservations, 4 the slot's event stream
-- ARGV: 1 the code's hash, 2 user id, 3 coupon id, 4 now (ms) (no audit field: the coupon's claim has
--       its own entry, which names the code's idempotency key)
-- Returns {'ok'} or {'code_already_claimed'} (someone else has it: the coupon stands without it).
local hash, user, coupon, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local state = redis.call('HGET', KEYS[2], hash)
if state then
  local claimed, claimant = string.match(state, '^c|%d+|(%x+)|(.*)$')
  if claimed then
    if claimed == coupon and claimant == user then
      return {'ok'}
    end
    return {'code_already_claimed'}
  end
  local _, reserver = string.match(state, '^r|(%d+)|(.*)$')
  if reserver ~= user then
    return {'code_already_claimed'}
  end
end

redis.call('HSET', KEYS[2], hash, 'c|' .. now .. '|' .. coupon .. '|' .. user)
redis.call('ZREM', KEYS[3], hash)
local campaign, job, index, sealed = string.match(redis.call('HGET', KEYS[1], hash), '^u|(%x+)|(%x+)|(%d+)|(.*)$')
redis.call('XADD', KEYS[4], '*', 'event', 'code-claimed', 'code', hash, 'campaign', campaign, 'job', job, 'index', index,
  'sealed', sealed, 'user', user, 'coupon', coupon, 'claimedAt', now)
return {'ok'}
