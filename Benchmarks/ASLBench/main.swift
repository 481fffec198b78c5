import Foundation
// ASLBench: `swift run -c release ASLBench [suite] [options]`; with no suite, runs them all.
let suites: [(name: String, run: ([String]) -> Void)] = [
    ("json", JSONBenchmarks.run),
    ("compiler", CompilerBenchmarks.run),
    ("engine", EngineBenchmarks.run),
    ("pool", PoolBenchmarks.run),
    ("scheduler", SchedulerBenchmarks.run),
    ("jsonata", JSONataBenchmarks.run),
]
let arguments = Array(CommandLine.arguments.dropFirst())
if let first = arguments.first, !first.hasPrefix("-") {
    guard let suite = suites.first(where: { $0.name == first }) else {
        print("unknown suite '\(first)'; suites: \(suites.map(\.name).joined(separator: ", "))")
        exit(2)
    }
    suite.run(Array(arguments.dropFirst()))
} else {
    for suite in suites { suite.run(arguments) }
}
