-- The soak test's load, for wrk (run by soak.py, which reads the summary line):
--   PGOKIT_SOAK_ORDERS=100000 PGOKIT_SOAK_IDS=ids.txt \
--     wrk -t2 -c400 -d180s -s app/tests/soak.lua http://127.0.0.1:PORT
--
-- Mostly order reads and listings, one request in twenty a valid create, some task work (whose queue may
-- answer 503: back-pressure is allowed) and health probes. Every create is valid, so each
-- one that was answered got 201; 201 is the create route's alone, so counting 201s counts
-- acknowledged creates. The ids they returned go to $PGOKIT_SOAK_IDS, one per line, for
-- soak.py to find in the store. At the end one line "pgokit-soak: {json}" reports statuses,
-- creates sent and acknowledged, wrk's error counts and latency.

local ORDERS = tonumber(os.getenv("PGOKIT_SOAK_ORDERS") or "100000")
local STATUSES = { "pending", "paid", "shipped", "delivered", "cancelled" }
local JSON = { ["Content-Type"] = "application/json" }

local function create()
  creates_sent = creates_sent + 1
  local body = string.format(
    '{"currency":"EUR","items":[{"sku":"SOAK-%05d","qty":%d,"price":%d}],"metadata":{"soak":"t%d"}}',
    math.random(0, 99999), math.random(1, 5), math.random(100, 50000), id)
  return wrk.format("POST", "/api/orders", JSON, body)
end

local function task()
  local body = string.format('{"data":"%s","rounds":%d,"encoding":"hex"}',
    string.rep("soak", math.random(4, 64)), math.random(1, 8))
  return wrk.format("POST", "/api/tasks", JSON, body)
end

-- { weight (per mille), request builder }
local MIX = {
  { 600, function() return wrk.format("GET", "/api/orders/" .. math.random(1, ORDERS)) end },
  { 150, function()
      return wrk.format("GET", "/api/orders?limit=" .. math.random(1, 50) .. "&status=" ..
        STATUSES[math.random(#STATUSES)])
    end },
  {  50, create },
  {  80, task },
  { 110, function() return wrk.format("GET", "/health") end },
  {  10, function() return wrk.format("GET", "/api/orders/" .. (ORDERS * 1000 + 1)) end },  -- 404
}

local total_weight = 0
for _, entry in ipairs(MIX) do total_weight = total_weight + entry[1] end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  math.randomseed(20261203 + id)
  statuses = {}
  creates_sent = 0
  ids = {}
end

function request()
  local pick = math.random(total_weight)
  for _, entry in ipairs(MIX) do
    pick = pick - entry[1]
    if pick <= 0 then return entry[2]() end
  end
  return MIX[1][2]()
end

function response(status, headers, body)
  local code = tostring(status)
  statuses[code] = (statuses[code] or 0) + 1
  if status == 201 then
    local created = body and string.match(body, '^{"id":(%d+)}$')
    ids[#ids + 1] = created or "?"
  end
end

function done(summary, latency, requests)
  local merged, sent, acknowledged = {}, 0, {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses") or {}) do merged[code] = (merged[code] or 0) + n end
    sent = sent + (thread:get("creates_sent") or 0)
    for _, created in ipairs(thread:get("ids") or {}) do acknowledged[#acknowledged + 1] = created end
  end
  local path = os.getenv("PGOKIT_SOAK_IDS")
  if path then
    local file = assert(io.open(path, "w"))
    file:write(table.concat(acknowledged, "\n"), "\n")
    file:close()
  end
  local parts = {}
  for code, n in pairs(merged) do parts[#parts + 1] = string.format('"%s":%d', code, n) end
  table.sort(parts)
  local e = summary.errors
  io.write(string.format(
    'pgokit-soak: {"requests":%d,"duration_us":%d,"statuses":{%s},"creates_sent":%d,' ..
    '"creates_201":%d,"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
    '"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, table.concat(parts, ","), sent, #acknowledged,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
