-- wrk script: keep-alive POSTs of the benchmark's 1 KB profile.updated bodies
-- (bench/load/bodies.py), rotating through them so that every request is for
-- a distinct profile until the list wraps, and every request carries a new
-- event id: hookbridge deduplicates by it, and a body sent twice would be
-- answered as a duplicate without reaching Kafka.
--
-- Every request is formatted once, in init, and split around the counter
-- field of its event id (evt_<profile>_<RUN>_<THREAD>_<SEQ>, bodies.py): per
-- request the Lua work is one concatenation of the two halves with this
-- thread's counter, so the body's length, and the Content-Length, never
-- change. The ids are unique per RUN (bench.sh gives each load run its own
-- number) and wrk thread.
--
-- Usage: wrk ... -s post.lua URL -- BODIES_TXT API_KEY [RUN [DEPTH]]
-- RUN: at most 10 digits; without it, the time in seconds at wrk's start.
-- DEPTH (default 1): requests written at once on a connection, HTTP/1.1
-- pipelining as wrk's own scripts/pipeline.lua does it: one write and one
-- wake-up of wrk carry DEPTH requests, so wrk spends far less CPU per request
-- (the "cores" scenario, where the server and not wrk must be the limit).
-- wrk waits for DEPTH answers before writing the next batch, and counts each
-- answer as a request; its latency is from the batch's write.
-- At the end it prints one line "WRK_JSON {...}" with the counts and the
-- latency percentiles (microseconds) for scripts/bench.sh.

local threads = {}
-- Evaluated once in wrk's main Lua state, before the threads exist, so that
-- every thread gets the same value (setup below passes it on).
local started_s = os.time()

function setup(thread)
  thread:set("thread_index", #threads)
  thread:set("started_s", started_s)
  table.insert(threads, thread)
end

-- The fixed-width fields of the event id, as bodies.py writes them (zeros).
local ID_TAIL_ZEROS = "0000000000_000_00000000000"
-- SEQ is this counter printed by Lua's number formatting: 11 digits, the
-- first one always 1, from 10000000001 until 19999999999.
local SEQ_START = 10000000000

local heads, tails = {}, {}
local next_request = 0
local seq = SEQ_START
local depth = 1

function init(args)
  local bodies_path, api_key, run = args[1], args[2], args[3]
  if not bodies_path or not api_key then
    error("usage: wrk ... -s post.lua URL -- BODIES_TXT API_KEY [RUN [DEPTH]]")
  end
  depth = tonumber(args[4] or 1)
  if not depth or depth < 1 or depth > 1000 or depth % 1 ~= 0 then
    error("post.lua: DEPTH must be a whole number from 1 to 1000")
  end
  run = tonumber(run or started_s)
  if not run or run < 0 or run > 9999999999 or run % 1 ~= 0 then
    error("post.lua: RUN must be a whole number of at most 10 digits")
  end
  if thread_index > 999 then error("post.lua: at most 1000 wrk threads") end
  if #tostring(SEQ_START + 1) ~= 11 then error("post.lua: the counter does not print as 11 digits") end
  local fixed = string.format("%010d_%03d_", run, thread_index)

  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. api_key
  for body in io.lines(bodies_path) do
    local request = wrk.format(nil, nil, nil, body)
    local at = string.find(request, ID_TAIL_ZEROS, 1, true)
    if not at then error("post.lua: a body without the id placeholder " .. ID_TAIL_ZEROS) end
    heads[#heads + 1] = string.sub(request, 1, at - 1) .. fixed
    tails[#tails + 1] = string.sub(request, at + #ID_TAIL_ZEROS)
  end
  if #heads == 0 then error("no bodies in " .. bodies_path) end
  -- Threads start at different places in the list.
  next_request = (thread_index * 7919) % #heads
end

local function one_request()
  next_request = next_request % #heads + 1
  seq = seq + 1
  return heads[next_request] .. seq .. tails[next_request]
end

function request()
  if depth == 1 then return one_request() end
  local batch = {}
  for i = 1, depth do batch[i] = one_request() end
  return table.concat(batch)
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
