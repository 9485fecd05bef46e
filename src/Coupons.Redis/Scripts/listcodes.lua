-- Lists a generation step's stored codes in their campaign's list and hands them to the persisters,
-- in one atomic step in the campaign's slot: each run of consecutive indexes written in place in its
-- chunk (CodeList), the chunk named in the campaign's set, and the codes appended to the slot's
-- stream in parts. Written again by a redone step: the same slots, the same rows (stored once).
-- KEYS: 1 the campaign's set of chunks, 2 the slot's event stream, then each run's chunk
-- ARGV: 1 campaign id, 2 job id, 3 the number of runs, then for each run: offset, slots, chunk
--       member; then for each part of the event: hashes (concatenated), indexes, sealed forms
local chunks, stream = KEYS[1], KEYS[2]
local campaign, job, runs = ARGV[1], ARGV[2], tonumber(ARGV[3])
for r = 1, runs do
  local a = 4 + (r - 1) * 3
  redis.call('SETRANGE', KEYS[2 + r], ARGV[a], ARGV[a + 1])
  redis.call('ZADD', chunks, 0, ARGV[a + 2])
end

for p = 4 + runs * 3, #ARGV, 3 do
  redis.call('XADD', stream, '*', 'event', 'codes', 'campaign', campaign, 'job', job,
    'hashes', ARGV[p], 'indexes', ARGV[p + 1], 'sealed', ARGV[p + 2])
end
return runs
