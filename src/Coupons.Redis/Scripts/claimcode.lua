-- Finds a code and, for a generated one, reserves it for the user: the first step of a claim by
-- code (the claim itself is made in the user's bucket, then completecode.lua or releasecode.lua).
-- Re-states CodeRules.Decide (Coupons.Core): code_not_found -> a unique code claimed or reserved by
-- someone else: code_already_claimed; claimed by the same user: replayed, with its coupon -> ok.
-- KEYS: 1 the partition's index, 2 its claims (hash: code hash to r|at|user or c|at|coupon|user),
--       3 its reservations (sorted set of code hashes by when reserved)
-- ARGV: 1 the code's hash, 2 user id, 3 now (ms)
-- Returns {'code_not_found'}, {'shared', record}, {'code_already_claimed', record},
-- {'replayed', coupon id, record} or {'ok', record, reserved at}.
local hash, user, now = ARGV[1], ARGV[2], ARGV[3]
local record = redis.call('HGET', KEYS[1], hash)
if not record then
  return {'code_not_found'}
end
if string.sub(record, 1, 2) == 's|' then
  return {'shared', record}
end

local state = redis.call('HGET', KEYS[2], hash)
if state then
  local coupon, claimant = string.match(state, '^c|%d+|(%x+)|(.*)$')
  if coupon then
    if claimant == user then
      return {'replayed', coupon, record}
    end
    return {'code_already_claimed', record}
  end
  local _, reserver = string.match(state, '^r|(%d+)|(.*)$')
  if reserver ~= user then
    return {'code_already_claimed', record}
  end
end

-- Reserved afresh (or again, by the same user retrying): the sweeper leaves a fresh one alone.
redis.call('HSET', KEYS[2], hash, 'r|' .. now .. '|' .. user)
redis.call('ZADD', KEYS[3], now, hash)
return {'ok', record, now}
