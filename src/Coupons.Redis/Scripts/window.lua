-- A sliding window of distinct members (accounts seen on a device, claims by a user, ...), shared by
-- every node and timed by Redis's clock: a sorted set scored by when each member was last seen.
-- KEYS[1] the window
-- ARGV[1] the member; ARGV[2] the window in milliseconds; ARGV[3] the most members kept (the newest)
-- Returns how many distinct members were seen within the window, this one included.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local most = tonumber(ARGV[3])
if count > most then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, count - most - 1)
  count = most
end
redis.call('PEXPIRE', KEYS[1], window)
return count
