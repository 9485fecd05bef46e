-- Appends inputs to a job, in order, unless its inputs are sealed (IJobStore.AppendInputsAsync;
-- sealing reads their number, so an append that lands moves the job's version on).
-- KEYS: 1 the job (hash), 2 its inputs (list, one element per input: any text, kept exactly)
-- ARGV: the inputs
-- Returns ok, job_not_found or inputs_sealed
local job, inputs = KEYS[1], KEYS[2]
local sealed = redis.call('HGET', job, 'sealed')
if not sealed then
  return 'job_not_found'
end
if sealed == '1' then
  return 'inputs_sealed'
end

-- unpack is bounded by Lua's stack: pushed a thousand at a time.
for first = 1, #ARGV, 1000 do
  redis.call('RPUSH', inputs, unpack(ARGV, first, math.min(first + 999, #ARGV)))
end
redis.call('HINCRBY', job, 'version', 1)
return 'ok'
