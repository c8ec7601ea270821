-- Appended by benchmarks/wrk.py after a generated preamble that sets wrk.method,
-- wrk.path, wrk.headers and wrk.body. With no request() defined, wrk builds the request
-- once and replays the same bytes, so the client spends nothing per request in Lua.
-- A workload with a key slot adds a request() (see VARY_KEY_LUA in wrk.py) that uses
-- the thread number setup() gives each thread.
--
-- When the preamble sets count_status = true, response() tallies status codes per
-- thread (this makes wrk parse every response, so it costs client CPU); done() then
-- reports them. Otherwise only wrk's own "status > 399" error count is available.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("vary_thread", #threads)
end

if count_status then
   statuses = {}
   function response(status, headers, body)
      statuses[status] = (statuses[status] or 0) + 1
   end
end

local function status_json()
   if not count_status then
      return "null"
   end
   local totals = {}
   for _, thread in ipairs(threads) do
      local counts = thread:get("statuses") or {}
      for code, n in pairs(counts) do
         totals[code] = (totals[code] or 0) + n
      end
   end
   local parts = {}
   for code, n in pairs(totals) do
      table.insert(parts, string.format('"%d":%d', code, n))
   end
   return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'LENTICULAR_WRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,'
      .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"mean":%.1f,"max":%d},'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"statuses":%s}\n',
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.mean, latency.max,
      e.connect, e.read, e.write, e.status, e.timeout,
      status_json()))
end
