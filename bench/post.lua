-- wrk: POST the AdmissionReview in $RG_BODY to the path given to wrk.
local f = assert(io.open(os.getenv("RG_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

done = function(summary, latency, requests)
  -- errors: every failure, non-2xx/3xx answers included; status: those answers alone.
  io.write(string.format("RESULT rps=%.0f p50_us=%d p99_us=%d errors=%d status=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    summary.errors.status, summary.requests))
end
