/// Benchmarks for the JSON stage (filled in by its owner).
enum JSONBenchmarks {
    static func run(_ arguments: [String]) {
        print("JSON: no benchmark yet")
    }
}
