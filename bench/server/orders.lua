-- wrk script: POST /api/v1/orders/check with a distinct clientOrderId per request. Each wrk thread takes its own
-- id range (thread n starts at n * 10^9), so no two requests share an id and none is refused as a duplicate.
-- The key comes from the environment (BULWARK_KEY), never from the command line.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("base", counter * 1000000000)
  table.insert(threads, thread)
end

function init(args)
  next_id = base
  key = os.getenv("BULWARK_KEY")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
end

function request()
  next_id = next_id + 1
  local body = string.format(
    '{"account":"ACC1","strategy":"momo","symbol":"XYZ","side":"buy","quantity":1,"price":10.00,"type":"limit","clientOrderId":%d}',
    next_id)
  return wrk.format(nil, "/api/v1/orders/check", nil, body)
end
