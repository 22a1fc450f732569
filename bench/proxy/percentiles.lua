-- wrk script for bench/proxy.sh: after the run, one line of finer latency percentiles in microseconds
-- (wrk's --latency prints 50/75/90/99 only). Defines no request() or response(): wrk keeps its
-- precomputed request and calls no Lua per request.
done = function(summary, latency, requests)
  io.write(string.format("percentiles p90 %d p95 %d p98 %d p99 %d p99.5 %d p99.9 %d max %d\n",
    latency:percentile(90), latency:percentile(95), latency:percentile(98), latency:percentile(99),
    latency:percentile(99.5), latency:percentile(99.9), latency.max))
end
