/// Benchmarks for the JSONata stage (filled in by its owner).
enum JSONataBenchmarks {
    static func run(_ arguments: [String]) {
        print("JSONata: no benchmark yet")
    }
}
