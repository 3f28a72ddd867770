-- wrk script of bench/portal_load.py: each request is one of the logged-in
-- riders (their session cookies, one per line of the file given after --)
-- asking for their payslip list; THINK_MS (environment, default 0) is the
-- mean pause of a rider between two pages.
local keys = {}
local path = "/"
local think = tonumber(os.getenv("THINK_MS") or "0")
local threads = {}
local counter = 0
errors = 0

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   path = args[1]
   for line in io.lines(args[2]) do
      table.insert(keys, line)
   end
   counter = id * 7
   math.randomseed(os.time() + id)
end

function request()
   counter = counter + 1
   local key = keys[(counter % #keys) + 1]
   return wrk.format("GET", path, {Cookie = "coop_portal_session=" .. key})
end

function delay()
   if think <= 0 then
      return 0
   end
   -- uniform between half and one and a half of the mean
   return math.random(math.floor(think / 2), math.floor(think * 3 / 2))
end

function response(status, headers, body)
   -- A page for someone logged in: 200 and a payslip card
   if status ~= 200 or not string.find(body, "article class=\"card payslip\"", 1, true) then
      errors = errors + 1
   end
end

function done(summary, latency, requests)
   local bad = 0
   for _, thread in ipairs(threads) do
      bad = bad + thread:get("errors")
   end
   io.write(string.format(
      "RESULT requests=%d seconds=%.1f rps=%.1f p50_ms=%.1f p90_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f errors=%d socket_errors=%d\n",
      summary.requests, summary.duration / 1e6,
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(95) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000,
      bad + summary.errors.status,
      summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
