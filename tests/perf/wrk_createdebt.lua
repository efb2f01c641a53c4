-- wrk script of tests/perf/bench_service.py: POST the same GraphQL createDebt body on every
-- request, check each answer, and print one JSON line (prefixed WRK_JSON) when done.
--
--   wrk -t1 -c32 -d10s --latency -s wrk_createdebt.lua http://127.0.0.1:PORT/graphql \
--       -- BODY_FILE TOKEN          (TOKEN "-" sends no Authorization header)
--
-- Counters are globals of each thread's Lua state; done() runs in the main state and sums
-- them through thread:get().

local threads = {}
sent, created, refused, non_2xx = 0, 0, 0, 0
sample = ""

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   local file = assert(io.open(args[1], "rb"))
   wrk.method = "POST"
   wrk.body = file:read("*a")
   file:close()
   wrk.headers["Content-Type"] = "application/json"
   if args[2] ~= nil and args[2] ~= "-" then
      wrk.headers["Authorization"] = "Bearer " .. args[2]
   end
   prepared = wrk.format()
end

-- A request() of our own (instead of wrk's one static buffer) lets us count what was sent:
-- the requests still in flight when wrk stops are sent but never answered, and they may
-- still insert their row. (wrk also calls request() once before the load, to check it.)
function request()
   sent = sent + 1
   return prepared
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non_2xx = non_2xx + 1
   elseif body:find('"__typename"%s*:%s*"Debt"') and not body:find('"errors"%s*:') then
      created = created + 1
      return
   else
      refused = refused + 1
   end
   if sample == "" then
      sample = status .. " " .. body:sub(1, 400)
   end
end

local function json_string(text)
   local escaped = text:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", c:byte())
   end)
   return '"' .. escaped .. '"'
end

function done(summary, latency, requests)
   local totals = {sent = 0, created = 0, refused = 0, non_2xx = 0}
   local first_sample = ""
   for _, thread in ipairs(threads) do
      for key, value in pairs(totals) do
         totals[key] = value + thread:get(key)
      end
      if first_sample == "" then
         first_sample = thread:get("sample")
      end
   end
   local e = summary.errors
   io.write(string.format(
      'WRK_JSON {"duration_us": %.0f, "requests": %.0f, "sent": %.0f, "created": %.0f, '
         .. '"refused": %.0f, "non_2xx": %.0f, "errors": {"connect": %.0f, "read": %.0f, '
         .. '"write": %.0f, "status": %.0f, "timeout": %.0f}, "latency_us": {"p50": %.0f, '
         .. '"p90": %.0f, "p99": %.0f, "max": %.0f, "mean": %.1f}, "sample": %s}\n',
      summary.duration, summary.requests, totals.sent, totals.created, totals.refused,
      totals.non_2xx, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      latency.mean, json_string(first_sample)))
end
