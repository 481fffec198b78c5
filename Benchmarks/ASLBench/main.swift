print("ASLBench: no benchmarks yet")
