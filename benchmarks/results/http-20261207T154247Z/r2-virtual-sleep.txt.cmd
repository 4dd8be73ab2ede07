wrk --latency -t2 -c1000 -d30s --timeout 10s http://127.0.0.1:18090/sleep?ms=20
