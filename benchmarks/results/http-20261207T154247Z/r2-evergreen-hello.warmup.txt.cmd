wrk --latency -t2 -c64 -d20s --timeout 10s http://127.0.0.1:18090/hello
