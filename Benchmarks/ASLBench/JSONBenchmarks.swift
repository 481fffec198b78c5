import ASLJSON
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Allocation counting
//
// Allocations are counted by glibc itself: a child process of this benchmark runs with
// `LD_PRELOAD=libc_malloc_debug.so.0` (glibc's malloc debugging library) and wraps each case's
// single pass in `mtrace()`/`muntrace()`. glibc then logs every malloc, calloc, realloc,
// memalign/posix_memalign/aligned_alloc made by any library (Swift runtime, Foundation,
// CoreFoundation) to `MALLOC_TRACE`; allocations per event = logged allocations / events.
// Timings run in the parent, which has no tracing library loaded.

private let mallocDebugLibrary = Allocations.library

/// Counts the heap allocations made by `body` (via glibc's mtrace; -1 when unavailable).
private func countAllocations(_ body: () -> Int) -> (count: Int, sink: Int) {
    var sink = 0
    let count = Allocations.count { sink = body() }
    return (count, sink)
}

// MARK: - Benchmark

/// Benchmarks for the JSON engine: parse, serialize and parse+serialize of a stream of
/// ~350-byte NDJSON events, beside Foundation's `JSONSerialization` on the same data.
///
/// `swift run -c release ASLBench json [--events N] [--repeat R] [--only NAME]`
enum JSONBenchmarks {
    typealias Case = (name: String, body: () -> Int)

    static func run(_ arguments: [String]) {
        var eventCount = 10_000
        var repeats = 5
        var probe = false
        var only: String?  // run the cases whose name contains this (profiling)
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--events" where i + 1 < arguments.count: eventCount = Int(arguments[i + 1]) ?? eventCount; i += 1
            case "--repeat" where i + 1 < arguments.count: repeats = Int(arguments[i + 1]) ?? repeats; i += 1
            case "--only" where i + 1 < arguments.count: only = arguments[i + 1]; i += 1
            case "--alloc-probe": probe = true
            default: break
            }
            i += 1
        }

        let lines = EventGenerator.lines(count: eventCount, seed: 42)
        let totalBytes = lines.reduce(0) { $0 + $1.count }
        var cases = makeCases(lines)
        if let only {  // an exact case name, else every case containing it
            cases = cases.contains { $0.name == only } ? cases.filter { $0.name == only } : cases.filter { $0.name.contains(only) }
        }

        if probe {
            // Child mode: one counted pass per case, "name\tallocations-per-event" per line.
            for c in cases {
                _ = c.body()  // warm-up (lazy caches, writer growth)
                let (count, _) = countAllocations(c.body)
                print("\(c.name)\t\(count < 0 ? -1 : Double(count) / Double(eventCount))")
            }
            return
        }

        let allocations = only == nil ? probeAllocations() : [:]
        print("JSON benchmark: \(eventCount) events, \(totalBytes) bytes, avg \(totalBytes / eventCount) bytes/event, \(repeats) timed passes per case after a warm-up")
        print("MB/s counts input bytes. 'wall' = best wall-clock pass (median in parentheses); 'cpu' = best pass by this thread's")
        print("CPU time (CLOCK_THREAD_CPUTIME_ID), which excludes time spent descheduled when other processes load the machine.")
        if only != nil {
            print("allocations: skipped with --only")
        } else if allocations.isEmpty {
            print("allocations: not measured (needs glibc's \(mallocDebugLibrary))")
        } else {
            print("allocations: counted by glibc mtrace (LD_PRELOAD=\(mallocDebugLibrary)) in a child process over one pass of 2000 events: every malloc/calloc/realloc/memalign made by any library, divided by events")
        }
        print("")
        print("  case                               MB/s wall (median)   MB/s cpu   events/s cpu   allocs/event")

        var results: [String: Double] = [:]
        for c in cases {
            var sink = c.body()  // warm-up
            var wall: [Double] = [], cpu: [Double] = []
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds, cpuStart = threadCPUSeconds()
                sink &+= c.body()
                cpu.append(threadCPUSeconds() - cpuStart)
                wall.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            wall.sort(); cpu.sort()
            let bestWall = wall[0], medianWall = wall[wall.count / 2], bestCPU = cpu[0]
            results[c.name] = Double(totalBytes) / bestCPU / 1e6
            let label = c.name.padding(toLength: 34, withPad: " ", startingAt: 0)
            let allocs = allocations[c.name].map { fmt($0, 14) } ?? "           n/a"
            print("  \(label) \(fmt(Double(totalBytes) / bestWall / 1e6, 7)) (\(fmt(Double(totalBytes) / medianWall / 1e6, 7)))  \(fmt(Double(totalBytes) / bestCPU / 1e6, 9))  \(fmt(Double(eventCount) / bestCPU, 13, 0))  \(allocs)\(sink == 42 ? " " : "")")
        }
        print("")
        for stage in ["parse", "serialize", "parse+serialize"] {
            if let a = results["aslx \(stage)"], let f = results["Foundation \(stage)"] {
                print("  \(stage): aslx is \(fmt(a / f, 0, 1))x Foundation's throughput (cpu)")
            }
        }
        print("  (one thread; the machine is shared, so wall-clock figures carry other processes' load)")
    }

    /// Runs this executable again in probe mode with glibc's malloc debugging library preloaded.
    static func probeAllocations() -> [String: Double] {
        Allocations.probe(suite: "json", ["--events", "2000"])
    }

    /// Parses and re-serializes every line with aslx's engine (the JSON floor other suites compare to);
    /// returns the bytes written so the work cannot be optimised away.
    static func parseAndSerialize(_ lines: [[UInt8]]) -> Int {
        var writer = JSONWriter(capacity: 4096)
        var n = 0
        for line in lines {
            let value = line.withUnsafeBufferPointer { try! JSONParser.parse(buffer: $0) }
            writer.reset()
            writer.write(value)
            n &+= writer.bytes.count
        }
        return n
    }

    static func makeCases(_ lines: [[UInt8]]) -> [Case] {
        let datas = lines.map { Data($0) }
        let values = lines.map { try! JSONParser.parse($0) }
        let foundationObjects = datas.map { try! JSONSerialization.jsonObject(with: $0) }
        // Sanity: the writer reproduces the (canonical, compact) input byte for byte.
        for (line, value) in zip(lines, values) where JSONWriter.bytes(value) != line {
            print("JSON: round-trip mismatch:\n  \(String(decoding: line, as: UTF8.self))\n  \(value)")
            exit(1)
        }
        var stream = [UInt8]()
        for line in lines { stream.append(contentsOf: line); stream.append(0x0A) }
        return [
            ("aslx parse", {
                var n = 0
                for line in lines {
                    line.withUnsafeBufferPointer { buffer in
                        if case .object(let o) = try! JSONParser.parse(buffer: buffer) { n &+= o.count }
                    }
                }
                return n
            }),
            ("aslx serialize", {
                var writer = JSONWriter(capacity: 4096)
                var n = 0
                for value in values {
                    writer.reset()
                    writer.write(value)
                    n &+= writer.bytes.count
                }
                return n
            }),
            ("aslx parse+serialize", { parseAndSerialize(lines) }),
            ("aslx NDJSONReader+parse+serialize", {
                var reader = NDJSONReader(bytes: stream)
                var writer = JSONWriter(capacity: 4096)
                var n = 0
                while let record = reader.next() {
                    guard case .line(_, let bytes) = record else { continue }
                    let value = try! JSONParser.parse(bytes)
                    writer.reset()
                    writer.write(value)
                    n &+= writer.bytes.count
                }
                return n
            }),
            ("Foundation parse", {
                var n = 0
                for data in datas {
                    if let o = try! JSONSerialization.jsonObject(with: data) as? [String: Any] { n &+= o.count }
                }
                return n
            }),
            ("Foundation serialize", {
                var n = 0
                for object in foundationObjects { n &+= try! JSONSerialization.data(withJSONObject: object).count }
                return n
            }),
            ("Foundation parse+serialize", {
                var n = 0
                for data in datas {
                    let object = try! JSONSerialization.jsonObject(with: data)
                    n &+= try! JSONSerialization.data(withJSONObject: object).count
                }
                return n
            }),
        ]
    }

    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    static func fmt(_ x: Double, _ width: Int, _ decimals: Int = 1) -> String {
        let s = String(format: "%.\(decimals)f", x)
        return s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }
}

/// Deterministic generator of realistic ~350-byte events (nested objects, strings, ints,
/// doubles, a bool and arrays), written compactly so that the writer must reproduce them exactly.
enum EventGenerator {
    struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static let types = ["order.created", "order.updated", "payment.captured", "shipment.dispatched"]
    static let names = ["Alice Smith", "Bob Jones", "Chloé Martin", "Dmitri Ivanov", "Eve O'Neil", "Fatima Zahra"]
    static let tiers = ["gold", "silver", "bronze"]
    static let regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
    static let tags = ["new", "priority", "gift", "b2b", "repeat"]

    static func lines(count: Int, seed: UInt64) -> [[UInt8]] {
        var rng = SplitMix64(state: seed)
        return (0..<count).map { i in
            let name = names[rng.below(names.count)]
            let cents1 = 100 + rng.below(9900), cents2 = 100 + rng.below(9900)
            let qty1 = 1 + rng.below(5), qty2 = 1 + rng.below(3)
            let total = Double(cents1 * qty1 + cents2 * qty2) / 100
            var tagList: [String] = []
            for _ in 0..<(1 + rng.below(3)) { tagList.append("\"\(tags[rng.below(tags.count)])\"") }
            let text = """
            {"id":"evt-\(100000 + i)","type":"\(types[rng.below(types.count)])",\
            "time":"2024-05-\(10 + rng.below(19))T12:\(10 + rng.below(50)):\(10 + rng.below(50))Z",\
            "region":"\(regions[rng.below(regions.count)])","detail":{"orderId":\(rng.below(10_000_000)),"customer":{"name":"\(name)",\
            "email":"\(name.lowercased().replacingOccurrences(of: " ", with: ".").replacingOccurrences(of: "'", with: ""))@example.com",\
            "tier":"\(tiers[rng.below(tiers.count)])"},\
            "items":[{"sku":"SKU-\(1000 + rng.below(9000))","qty":\(qty1),"price":\(Double(cents1) / 100)},\
            {"sku":"SKU-\(1000 + rng.below(9000))","qty":\(qty2),"price":\(Double(cents2) / 100)}],\
            "total":\(total),"express":\(rng.below(2) == 0),"tags":[\(tagList.joined(separator: ","))]}}
            """
            return Array(text.utf8)
        }
    }
}
