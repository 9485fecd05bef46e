-- Stores a job's change that JobRules (Coupons.Core) decided on the state read: sealing, cancelling,
-- a lease taken, a step committed with its refused inputs. Stored only if the job is still at the
-- version it was read at, so of two nodes deciding on the same state (two leases, one step twice)
-- one stores and the other reads again and decides again. Nothing is re-decided here. A job that
-- is finished (succeeded 3, failed 4, cancelled 5) has its inputs deleted: nothing reads them again.
-- KEYS: 1 the job (hash), 2 its refused inputs (sorted set: score the input's index), 3 its inputs
-- ARGV: 1 the version read, 2 n, the number of fields, 3 .. 2 + 2n the fields as field, value
--       pairs, then the refused inputs as score, member pairs
-- Returns 1 when stored, 0 when the job changed since it was read (or is gone)
local job, failures = KEYS[1], KEYS[2]
local version = redis.call('HGET', job, 'version')
if version ~= ARGV[1] then
  return 0
end

local fields = tonumber(ARGV[2])
redis.call('HINCRBY', job, 'version', 1)
if fields > 0 then
  redis.call('HSET', job, unpack(ARGV, 3, 2 + 2 * fields))
end
-- A thousand arguments (500 pairs) at a time, within Lua's stack.
for first = 3 + 2 * fields, #ARGV, 1000 do
  redis.call('ZADD', failures, unpack(ARGV, first, math.min(first + 999, #ARGV)))
end
if tonumber(redis.call('HGET', job, 'status')) >= 3 then
  redis.call('DEL', KEYS[3])
end
return 1
