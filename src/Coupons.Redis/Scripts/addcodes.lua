-- Stores the codes of one generation step that fall in one code partition, in one atomic step
-- (ICodeStore.AddCodesAsync's rule for one code): a hash no code has yet is stored; a hash already
-- stored for the same campaign, job and index is kept as it is (a step redone after a crash writes
-- the same codes, sealed afresh); a hash anything else has (another code, a campaign's shared code,
-- an earlier code of this very call) is a clash, and its position comes back. One HMGET reads what
-- every hash holds and one HSET writes the new ones: two commands a call, not one a code. The codes
-- reach the persisters with the campaign's list (listcodes.lua), written once every partition has them.
-- KEYS: 1 the partition's index (hash: code hash to record)
-- ARGV: 1 campaign id, 2 job id, then for each code: its hash, its index, its sealed form (base64)
-- Returns the positions (0-based, among this call's codes) of the clashes.
local codes = KEYS[1]
local prefix = 'u|' .. ARGV[1] .. '|' .. ARGV[2] .. '|'
local hashes = {}
for i = 3, #ARGV, 3 do
  hashes[#hashes + 1] = ARGV[i]
end

local held = redis.call('HMGET', codes, unpack(hashes))
local clashes, writes, written = {}, {}, {}
for position = 0, #hashes - 1 do
  local i = 3 + position * 3
  local mine = prefix .. ARGV[i + 1] .. '|'
  local record = held[position + 1] or written[ARGV[i]]
  if not record then
    record = mine .. ARGV[i + 2]
    written[ARGV[i]] = record
    writes[#writes + 1] = ARGV[i]
    writes[#writes + 1] = record
  elseif string.sub(record, 1, #mine) ~= mine then
    clashes[#clashes + 1] = position
  end
end

if #writes > 0 then
  redis.call('HSET', codes, unpack(writes))
end
return clashes
