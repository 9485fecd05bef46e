-- One token bucket, kept as GCRA: the key holds the "theoretical arrival time" (µs, Redis's clock)
-- at which the bucket would be full again. Every node of the service shares it, and Redis's own
-- clock is the only one read, so nodes' clocks need not agree.
-- KEYS[1] the bucket
-- ARGV[1] microseconds per token (window / limit); ARGV[2] the bucket's size in microseconds (limit × ARGV[1])
-- Returns 0 when the request is admitted (one token taken), else the microseconds until one would be.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local size = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then
  tat = now
end
local after = tat + interval
local wait = after - now - size
if wait > 0 then
  return math.ceil(wait)
end
-- The key lapses when the bucket is full again: an idle client costs nothing.
redis.call('SET', KEYS[1], string.format('%.0f', after), 'PX', math.ceil((after - now) / 1000) + 1)
return 0
