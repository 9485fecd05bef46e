-- Stores the codes of one generation step that fall in one code partition, in one atomic step
-- (ICodeStore.AddCodesAsync's rule for one code): a hash no code has yet is stored; a hash already
-- stored for the same campaign, job and index is kept as it is (a step redone after a crash writes
-- the same codes, sealed afresh); a hash anything else has (another code, a campaign's shared code)
-- is a clash, and its position comes back. The codes reach the persisters with the campaign's list
-- (listcodes.lua), written once every partition has them.
-- KEYS: 1 the partition's index (hash: code hash to record)
-- ARGV: 1 campaign id, 2 job id, then for each code: its hash, its index, its sealed form (base64)
-- Returns the positions (0-based, among this call's codes) of the clashes.
local codes = KEYS[1]
local prefix = 'u|' .. ARGV[1] .. '|' .. ARGV[2] .. '|'
local clashes = {}
local position = 0
for i = 3, #ARGV, 3 do
  local mine = prefix .. ARGV[i + 1] .. '|'
  if redis.call('HSETNX', codes, ARGV[i], mine .. ARGV[i + 2]) == 0 then
    local held = redis.call('HGET', codes, ARGV[i])
    if string.sub(held, 1, #mine) ~= mine then
      clashes[#clashes + 1] = position
    end
  end
  position = position + 1
end
return clashes
