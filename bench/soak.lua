-- wrk: mixed AdmissionReviews for bench/soak.sh. $RG_SOAK_DIR holds the bodies:
-- good-*.json and bad-*.json (answered 200), large-*.json (200), malformed-*.json (400).
-- Requests go round-robin over the files; done() prints one RESULT line summed over the threads.
local dir = os.getenv("RG_SOAK_DIR")
local bodies = {}
local p = io.popen('ls "' .. dir .. '"')
for name in p:lines() do
  local f = assert(io.open(dir .. "/" .. name, "rb"))
  bodies[#bodies + 1] = f:read("*a")
  f:close()
end
p:close()

-- An answer is expected when it is a 200 AdmissionReview, or a 400 that names one of the two
-- malformed bodies' faults (a JSON syntax error, no request). (wrk may send a connection's
-- next request again after a reconnect, so answers are not matched to requests one by one.)
local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

local i = 0
unexpected, malformed = 0, 0  -- globals: done() reads them from each thread with thread:get()
first_unexpected = ""         -- the first unexpected answer

function request()
  i = i % #bodies + 1
  return wrk.format("POST", "/validate", {["Content-Type"] = "application/json"}, bodies[i])
end

function response(status, headers, body)
  body = body or ""
  local ok
  if status == 200 then
    ok = body:find('"kind":"AdmissionReview"', 1, true) ~= nil and body:find('"allowed":', 1, true) ~= nil
  elseif status == 400 then
    malformed = malformed + 1
    ok = body:find("body is not JSON", 1, true) ~= nil or body:find("request is missing", 1, true) ~= nil
  else
    ok = false
  end
  if not ok then
    unexpected = unexpected + 1
    if first_unexpected == "" then first_unexpected = string.format("%d: %s", status, body:sub(1, 200)) end
  end
end

function done(summary, latency, requests)
  local u, m = 0, 0
  for _, t in ipairs(threads) do
    u = u + t:get("unexpected")
    m = m + t:get("malformed")
    local first = t:get("first_unexpected")
    if first ~= "" then io.write("unexpected: " .. first .. "\n") end
  end
  io.write(string.format(
    "RESULT requests=%d rps=%.0f p50_us=%d p99_us=%d socket_errors=%d unexpected_status=%d malformed_400=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, u, m))
end
