-- wrk script for bench/wrk.sh: one request shape for every side, so that the load generator costs the
-- same whichever server answers. Environment:
--   TOKENS   file of bearer tokens, one per line (each request takes the next; threads take disjoint turns)
--   METHOD   POST or GET;  TARGET  the path;  BODY  the JSON body of a POST (sent with Content-Type)
--   KEYS     "each": a new key on every request; anything else: none
--   KEY_HEADER  the key's header: Idempotency-Key (default), or another of the same length
--            (X-Request-Id-00, which the service ignores) where only some sides are to be keyed
--   STATUSES set: count the answers by status and print them at the end (wrk then reads every answer's body)
--   ADDRESS  "user": X-Forwarded-For with an address of the token's own (10.x.y.z), as a trusted proxy says
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
local method = os.getenv("METHOD") or "POST"
local target = os.getenv("TARGET")
local body = method == "POST" and os.getenv("BODY") or nil
local keyed = os.getenv("KEYS") == "each"
local keyHeader = os.getenv("KEY_HEADER") or "Idempotency-Key"
local addressed = os.getenv("ADDRESS") == "user"
local run = os.getenv("RUN") or "0"
local threads = 0

local all = {}
function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
  all[#all + 1] = thread
end

function init(args)
  counter = 0
  stride = tonumber(os.getenv("THREADS") or "2")
end

function request()
  local n = index + counter * stride
  counter = counter + 1
  local i = (n % #tokens) + 1
  local headers = { ["Authorization"] = "Bearer " .. tokens[i] }
  if body then headers["Content-Type"] = "application/json" end
  if keyed then headers[keyHeader] = "w" .. run .. "-" .. index .. "-" .. counter end
  if addressed then
    headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.floor(i / 65536) % 256, math.floor(i / 256) % 256, i % 256)
  end
  return wrk.format(method, target, headers, body)
end

if os.getenv("STATUSES") then
  statuses = {}
  function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("socket errors: %d\nnon-2xx: %d\n", errors, summary.errors.status))
  if os.getenv("STATUSES") then
    local total = {}
    for _, thread in ipairs(all) do
      for status, n in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + n end
    end
    for status, n in pairs(total) do io.write(string.format("status %d: %d\n", status, n)) end
  end
end
