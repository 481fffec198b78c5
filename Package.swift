// swift-tools-version: 6.0
import PackageDescription

// aslx has no package dependencies: Foundation, Dispatch and Synchronization only.

// Release builds let generic code (the pool, JSON containers) specialise across modules; the
// pool benchmark measures 3-10x from this (Documentation/Scheduler.md).
// Exclusivity is checked in debug builds (and so in every test run); release builds skip the
// runtime checks, which cost ~7% of pass5's instructions.
let optimize: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"], .when(configuration: .release))]
let package = Package(
    name: "aslx",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ASL", targets: ["ASL"]),
        .executable(name: "aslx", targets: ["aslx"]),
    ],
    targets: [
        // JSON values, parser, writer and NDJSON reader: the bottom of every hot path.
        .target(name: "ASLJSON", swiftSettings: optimize),
        // JSONata expressions (parser + evaluator), independent of ASL.
        .target(name: "JSONata", dependencies: ["ASLJSON"], swiftSettings: optimize),
        // Generic lock-free work-stealing pool; knows nothing about ASL.
        .target(name: "WorkStealing", swiftSettings: optimize),
        // The engine: model → validator → compiler → bytecode → VM → scheduler → sinks.
        .target(name: "ASL", dependencies: ["ASLJSON", "JSONata", "WorkStealing"], swiftSettings: optimize),
        // Command-line front end as a library so tests can drive it.
        .target(name: "ASLCLI", dependencies: ["ASL", "ASLJSON"]),
        .executableTarget(name: "aslx", dependencies: ["ASLCLI"]),
        .executableTarget(
            name: "ASLBench",
            dependencies: ["ASL", "ASLJSON", "JSONata", "WorkStealing"],
            path: "Benchmarks/ASLBench"
        ),
        .testTarget(name: "ASLJSONTests", dependencies: ["ASLJSON"]),
        .testTarget(name: "JSONataTests", dependencies: ["JSONata", "ASLJSON"]),
        .testTarget(name: "WorkStealingTests", dependencies: ["WorkStealing"]),
        .testTarget(name: "ASLTests", dependencies: ["ASL", "ASLJSON", "ASLCLI"]),
    ]
)
