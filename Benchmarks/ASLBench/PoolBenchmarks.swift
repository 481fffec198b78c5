/// Benchmarks for the Pool stage (filled in by its owner).
enum PoolBenchmarks {
    static func run(_ arguments: [String]) {
        print("Pool: no benchmark yet")
    }
}
