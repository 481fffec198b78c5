// swift-tools-version: 6.0
import PackageDescription

// aslx has no package dependencies: Foundation, Dispatch and Synchronization only.

// Library targets (everything a product exposes: ASL, ASLJSON, JSONata, WorkStealing) carry no
// unsafe flags, so the package works as a versioned dependency (`from: "0.1.0"`): SwiftPM refuses
// one whose product targets use `.unsafeFlags`. Their speed comes from the code instead:
// `@inlinable` hot paths in the generic pool and the JSON containers (Documentation/Scheduler.md).
// The executables no product exposes may keep flags, but they apply only to the executable's own
// module, not to the libraries it links, so there is nothing to gain and none are set.
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
