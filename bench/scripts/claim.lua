-- wrk script: POST /v1/campaigns/<id>/claim, each request as the next user of a token file.
-- Set TOKENS (file of tokens, one per line) and CAMPAIGN in the environment; or TARGET_PATH to send
-- the very same requests elsewhere (the baseline), so both sides cost the load generator the same.
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
local path = os.getenv("TARGET_PATH") or ("/v1/campaigns/" .. os.getenv("CAMPAIGN") .. "/claim")
local counter = 0

function setup(thread)
  thread:set("offset", math.random(#tokens))
end

function request()
  counter = counter + 1
  local token = tokens[((counter + offset) % #tokens) + 1]
  return wrk.format("POST", path, { ["Authorization"] = "Bearer " .. token }, nil)
end

local statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx or socket errors: %d\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
