-- Stores the codes of one generation step that fall in one code partition, and appends them to the
-- partition slot's stream, in one atomic step (ICodeStore.AddCodesAsync's rule for one code): a hash
-- no code has yet is stored; a hash already stored for the same campaign, job and index is kept as
-- it is (a step redone after a crash writes the same codes, sealed afresh); a hash anything else has
-- (another code, a campaign's shared code) is a clash, and its position comes back.
-- KEYS: 1 the partition's index (hash: code hash to record), 2 the slot's event stream
-- ARGV: 1 campaign id, 2 job id, then for each code: its hash, its index, its sealed form (base64)
-- Returns the positions (0-based, among this call's codes) of the clashes.
local codes, stream = KEYS[1], KEYS[2]
local campaign, job = ARGV[1], ARGV[2]
local prefix = 'u|' .. campaign .. '|' .. job .. '|'
local clashes, hashes, indexes, sealed = {}, {}, {}, {}
local position = 0
for i = 3, #ARGV, 3 do
  local hash, index, seal = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local mine = prefix .. index .. '|'
  local held = redis.call('HGET', codes, hash)
  if not held then
    redis.call('HSET', codes, hash, mine .. seal)
    hashes[#hashes + 1], indexes[#indexes + 1], sealed[#sealed + 1] = hash, index, seal
  elseif string.sub(held, 1, #mine) ~= mine then
    clashes[#clashes + 1] = position
  end
  position = position + 1
end

if #hashes > 0 then
  redis.call('XADD', stream, '*', 'event', 'codes', 'campaign', campaign, 'job', job,
    'hashes', table.concat(hashes), 'indexes', table.concat(indexes, ','), 'sealed', table.concat(sealed, ','))
end
return clashes
