-- Runs a wrk scenario outside wrk and writes the first COUNT requests it
-- makes, so a benchmark can replay exactly the same requests every time.
--
--   luajit replay.lua SCENARIO.lua COUNT > requests
--
-- Output: for each request, its byte length on one line, then the bytes.

local scenario, count = arg[1], tonumber(arg[2])
if not scenario or not count then
  io.stderr:write("usage: luajit replay.lua SCENARIO.lua COUNT\n")
  os.exit(2)
end

-- The part of wrk's API a scenario uses.
wrk = { host = "127.0.0.1", port = 0, method = "GET", path = "/", headers = {}, body = nil }

function wrk.format(method, path, headers, body)
  method = method or wrk.method
  path = path or wrk.path
  local lines = { string.format("%s %s HTTP/1.1", method, path), "Host: " .. wrk.host }
  for name, value in pairs(headers or wrk.headers) do
    lines[#lines + 1] = name .. ": " .. value
  end
  body = body or wrk.body
  if body then lines[#lines + 1] = "Content-Length: " .. #body end
  return table.concat(lines, "\r\n") .. "\r\n\r\n" .. (body or "")
end

local globals = {}
local thread = {
  set = function(_, key, value) globals[key] = value end,
  get = function(_, key) return globals[key] end,
}

dofile(scenario)
if setup then setup(thread) end
-- wrk runs each thread's script in its own state with the values set() in setup.
for key, value in pairs(globals) do _G[key] = value end
if init then init({}) end

for _ = 1, count do
  local req = request()
  io.write(#req, "\n", req)
end
