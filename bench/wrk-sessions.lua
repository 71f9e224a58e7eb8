-- wrk script for stateful rows of bench/replicas.py: POST the JSON-RPC body
-- in $BENCH_BODY_FILE with the Mcp-Session-Id of one of the sessions listed
-- in $BENCH_SESSIONS_FILE (one per line), taking them in turn, so that the
-- load spreads over every session (and so every replica) as many clients
-- would spread it.
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
local body = f:read("*a")
f:close()
local ids = {}
for line in io.lines(os.getenv("BENCH_SESSIONS_FILE")) do
  if #line > 0 then ids[#ids + 1] = line end
end
local protocol = os.getenv("BENCH_PROTOCOL_VERSION") or "2025-06-18"
local n = 0

request = function()
  n = n + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json, text/event-stream",
    ["MCP-Protocol-Version"] = protocol,
    ["Mcp-Session-Id"] = ids[(n % #ids) + 1],
  }
  return wrk.format("POST", wrk.path, headers, body)
end
