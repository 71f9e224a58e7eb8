-- wrk script for the benchmark: POST the JSON-RPC body in $BENCH_BODY_FILE.
-- Headers come from wrk's -H options. The request is built once by wrk (no
-- request()/response() callbacks), so the load generator stays cheap; bodies
-- are checked for correctness in a separate pass (bench.py), not here.
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
