-- Creates a job and, when it has an idempotency key, the key's mapping to it, in one atomic step:
-- the job's id carries the slot of the mapping (JobIds), so both are in one hash slot and a crash
-- leaves both or neither. A key already mapped gives its job back and creates nothing.
-- KEYS: 1 the job (hash), 2 the mapping (string, the job's id; only when there is a key)
-- ARGV: 1 the job's id, then the job's fields as field, value pairs
-- Returns {'created'} or {'existing', the id of the job the key names}
local job, mapping = KEYS[1], KEYS[2]
if mapping then
  local existing = redis.call('GET', mapping)
  if existing then
    return {'existing', existing}
  end
  redis.call('SET', mapping, ARGV[1])
end

redis.call('HSET', job, unpack(ARGV, 2))
return {'created'}
