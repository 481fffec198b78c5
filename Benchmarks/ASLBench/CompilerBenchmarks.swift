/// Benchmarks for the Compiler stage (filled in by its owner).
enum CompilerBenchmarks {
    static func run(_ arguments: [String]) {
        print("Compiler: no benchmark yet")
    }
}
