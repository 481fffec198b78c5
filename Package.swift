// swift-tools-version: 6.0
import PackageDescription

// aslx has no package dependencies: Foundation, Dispatch and Synchronization only.

// No target carries unsafe flags, so the package works as a versioned dependency (`from:
// "0.1.0"`): SwiftPM refuses one whose product targets use unsafe build flags, and flags on the
// executables would not reach the library modules they link anyway. The release builds therefore
// check exclusivity and do not optimise across modules; the hot paths are written for that
// (e.g. `JSONObject` reads its header through a pointer, `@inlinable` JSON containers).
// Benchmarks/README.md ("Versioned-dependency settings") has the measured cost.
let package = Package(
    name: "aslx",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ASL", targets: ["ASL"]),
        .executable(name: "aslx", targets: ["aslx"]),
    ],
    targets: [
        // JSON values, parser, writer and NDJSON reader: the bottom of every hot path.
        .target(name: "ASLJSON"),
        // JSONata expressions (parser + evaluator), independent of ASL.
        .target(name: "JSONata", dependencies: ["ASLJSON"]),
        // Generic lock-free work-stealing pool; knows nothing about ASL.
        .target(name: "WorkStealing"),
        // The engine: model → validator → compiler → bytecode → VM → scheduler → sinks.
        .target(name: "ASL", dependencies: ["ASLJSON", "JSONata", "WorkStealing"]),
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
