-- A fragment put before orderstore.lua and orderapply.lua (Script.cs): sets an order's record to its
-- next version with the field, value pairs a[first] .. a[last], and appends the record to the
-- slot's stream when asked (an operation's end that changed it). Returns the new version.
local function write_order(order, stream, orderId, version, a, first, last, emit)
  local nextVersion = tonumber(version) + 1
  local set = {'version', nextVersion}
  for i = first, last, 2 do
    set[#set + 1] = a[i]
    set[#set + 1] = a[i + 1]
  end

  redis.call('HSET', order, unpack(set))
  if emit then
    local event = {'event', 'order', 'order', orderId}
    for i = 1, #set do
      event[#event + 1] = set[i]
    end
    redis.call('XADD', stream, '*', unpack(event))
  end

  return nextVersion
end
