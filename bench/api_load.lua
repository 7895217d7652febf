-- wrk script of bench/api_load.py: cycle through a mix of URLs with an API token, count
-- answers whose status is not 2xx/3xx, and print one JSON line the Python side parses.
--   API_LOAD_PATHS  file with one path (and query) per line
--   API_LOAD_TOKEN  the token, sent as "Authorization: Bearer <token>"

local paths = {}
for line in io.lines(os.getenv("API_LOAD_PATHS")) do
  if line ~= "" then paths[#paths + 1] = line end
end
local token = os.getenv("API_LOAD_TOKEN")
local threads = {}
local counter = 0

function setup(thread)
  -- each thread starts at a different place in the mix
  thread:set("start", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  counter = start or 0
  bad = 0
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

function response(status, headers, body)
  if status < 200 or status >= 400 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local bad_total = 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
  end
  io.write(string.format(
    'api_load: {"requests": %d, "seconds": %.3f, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "bad_status": %d, "paths": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, bad_total, #paths))
end
