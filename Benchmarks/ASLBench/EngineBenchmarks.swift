/// Benchmarks for the Engine stage (filled in by its owner).
enum EngineBenchmarks {
    static func run(_ arguments: [String]) {
        print("Engine: no benchmark yet")
    }
}
