wrk --latency -t2 -c200 -d20s --timeout 10s -s /work/main/benchmarks/http/post-order.lua http://127.0.0.1:18090/orders
