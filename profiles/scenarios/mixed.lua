-- The reference server's production request mix, for wrk:
--   wrk -t2 -c16 -d30s -s profiles/scenarios/mixed.lua http://127.0.0.1:PORT
--
-- Weights follow a read-heavy order service: most traffic is order lookups
-- and listings, a tenth creates orders (some invalid, as clients send them),
-- a little CPU work, and the scrapes and misses every service sees.
-- Each thread draws from its own seeded generator, so a run is repeatable.
-- At the end one line "pgokit-scenario: {json}" reports statuses by class.

local ORDERS = 100000            -- the server's default --seed-orders
local STATUSES = { "pending", "paid", "shipped", "delivered", "cancelled" }
local CURRENCIES = { "EUR", "USD", "GBP", "JPY", "CHF" }

local JSON = { ["Content-Type"] = "application/json" }

local function order_id() return math.random(1, ORDERS) end

local function valid_order()
  local items = {}
  for i = 1, math.random(1, 4) do
    items[i] = string.format('{"sku":"SKU-%05d","qty":%d,"price":%d}',
      math.random(0, 99999), math.random(1, 5), math.random(100, 50000))
  end
  return string.format(
    '{"currency":"%s","items":[%s],"metadata":{"channel":"web","campaign":"c%d"}}',
    CURRENCIES[math.random(#CURRENCIES)], table.concat(items, ","), math.random(1, 50))
end

local INVALID_ORDERS = {
  '{"currency":"EURO","items":[{"sku":"A","qty":1,"price":1}]}',      -- bad currency
  '{"currency":"EUR","items":[]}',                                    -- no items
  '{"currency":"EUR","items":[{"sku":"A","qty":0,"price":1}]}',       -- qty out of range
  '{"currency":"EUR","items":[{"sku":"A","qty":1,"price":"12"}]}',    -- wrong type
  '{"currency":"EUR","items":[{"sku":"A","qty":1,"price":1}',          -- truncated JSON
}

-- The last next_cursor this thread was given: clients page through listings
-- by following it (the replay, which reads no responses, stays on page one).
local cursor = nil

local function listing()
  local path = "/api/orders?limit=" .. math.random(5, 50)
  if math.random() < 0.7 then
    path = path .. "&status=" .. STATUSES[math.random(#STATUSES)]
  end
  if cursor and math.random() < 0.5 then
    path = path .. "&cursor=" .. cursor
  end
  return wrk.format("GET", path)
end

local ENCODINGS = { "hex", "base64" }

local function task()
  local data = string.rep(string.format("%08x", math.random(0, 0x7fffffff)), math.random(8, 64))
  local body = string.format('{"data":"%s","rounds":%d,"encoding":"%s"}',
    data, math.random(1, 4), ENCODINGS[math.random(#ENCODINGS)])
  return wrk.format("POST", "/api/tasks", JSON, body)
end

-- { weight (per mille), request builder }
local MIX = {
  { 440, function() return wrk.format("GET", "/api/orders/" .. order_id()) end },
  {  50, function() return wrk.format("GET", "/api/order?id=" .. order_id()) end },
  { 150, listing },
  {  90, function() return wrk.format("POST", "/api/orders", JSON, valid_order()) end },
  {  30, function() return wrk.format("POST", "/api/orders", JSON,
                                    INVALID_ORDERS[math.random(#INVALID_ORDERS)]) end },
  {  80, task },
  {  78, function() return wrk.format("GET", "/health") end },        -- load balancer probes
  {   2, function() return wrk.format("GET", "/metrics") end },       -- scrapes are rare
  {  40, function() return wrk.format("GET", "/api/orders/" .. (ORDERS * 100 + order_id())) end },
  {  20, function() return wrk.format("GET", "/api/unknown/" .. order_id()) end },
  {  20, function() return wrk.format("DELETE", "/api/orders/" .. order_id()) end },
}

local total_weight = 0
for _, entry in ipairs(MIX) do total_weight = total_weight + entry[1] end

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("id", thread_count)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(20261203 + id)
  statuses = {}
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
  local class = tostring(status)
  statuses[class] = (statuses[class] or 0) + 1
  local next_cursor = body and string.match(body, '"next_cursor":"(%x+)"')
  if next_cursor then cursor = next_cursor end
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for code, n in pairs(counts or {}) do merged[code] = (merged[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(merged) do parts[#parts + 1] = string.format('"%s":%d', code, n) end
  table.sort(parts)
  io.write(string.format('pgokit-scenario: {"statuses":{%s},"p50_us":%d,"p90_us":%d,"p99_us":%d}\n',
    table.concat(parts, ","), latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
