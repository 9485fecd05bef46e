-- Takes a code's hash for a campaign's shared code, before the campaign is created: only if the
-- index holds what the node expects there (nothing, or a stale record it may take over).
-- KEYS: 1 the code partition's index (hash: code hash to record)
-- ARGV: 1 the code's hash, 2 the record to write (s|campaign|at), 3 the record expected ('' for none)
-- Returns {'ok'} or {'code_taken', the record found}.
local held = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if held ~= ARGV[3] then
  return {'code_taken', held}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {'ok'}
