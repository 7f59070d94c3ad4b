-- wrk script: keep-alive POSTs of the benchmark's 1 KB profile.updated bodies
-- (bench/load/bodies.py), rotating through them so that every request is for
-- a distinct profile until the list wraps. Every request is formatted once,
-- in init, so wrk spends no time per request in Lua.
--
-- Usage: wrk ... -s post.lua URL -- BODIES_TXT API_KEY
-- At the end it prints one line "WRK_JSON {...}" with the counts and the
-- latency percentiles (microseconds) for scripts/bench.sh.

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

local requests = {}
local next_request = 0

function init(args)
  local bodies_path, api_key = args[1], args[2]
  if not bodies_path or not api_key then
    error("usage: wrk ... -s post.lua URL -- BODIES_TXT API_KEY")
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. api_key
  for body in io.lines(bodies_path) do
    requests[#requests + 1] = wrk.format(nil, nil, nil, body)
  end
  if #requests == 0 then error("no bodies in " .. bodies_path) end
  -- Threads start at different places in the list.
  next_request = (thread_index * 7919) % #requests
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end

function done(summary, latency, requests_)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"duration_us":%d,"requests":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"stdev":%.1f,' ..
    '"p50":%d,"p90":%d,"p99":%d,"p99.9":%d}}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9)))
end
