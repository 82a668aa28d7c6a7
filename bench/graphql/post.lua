-- wrk script for bench/graphql.sh: POSTs the GraphQL request in the file named by $BODY (JSON,
-- {"query": ...}) to the URL wrk is given, and prints one line for the script to parse:
--   RESULT requests/s p50_us p99_us requests errors non_2xx_or_3xx
local f = assert(io.open(assert(os.getenv("BODY"), "BODY not set"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %d %d %d %d %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status))
end
