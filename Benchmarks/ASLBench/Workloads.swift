import ASL
import ASLJSON
import Foundation

/// One benchmark workload: a machine definition, its events, and how `aslx run` is invoked on it.
struct Workload {
    var name: String
    /// Path of the `.asl.json` file (passed to `aslx run`).
    var machinePath: String
    var machine: StateMachine
    /// Mock config path and test case, for both the engine and `aslx run`.
    var mockConfigPath: String?
    var testCase: String?
    var mockConfig: MockConfig?
    /// The events, one compact JSON document each (no newline).
    var lines: [[UInt8]]
    /// Executions spend ~1 s of real time in Wait or Retry: with the system clock, throughput is
    /// bounded by the in-flight window, so in-process runs use the engine's virtual clock.
    var timerBound: Bool
    /// `aslx run` arguments after the machine path.
    var aslxArguments: [String] {
        var a = ["--name", machine.name]
        if let mockConfigPath, let testCase { a += ["--mock-config", mockConfigPath, "--test-case", testCase] }
        return a
    }
    var averageEventBytes: Int { lines.isEmpty ? 0 : lines.reduce(0) { $0 + $1.count } / lines.count }
}

enum Workloads {
    static let standardNames = ["pass5", "pass5-jsonata", "choice", "map10", "parallel3", "task-retry", "wait"]

    /// `Benchmarks/Workloads`: from the working directory (the package root under `swift run`),
    /// else next to this source file.
    static func directory() -> String {
        let fm = FileManager.default
        let cwd = fm.currentDirectoryPath + "/Benchmarks/Workloads"
        if fm.fileExists(atPath: cwd + "/pass5.asl.json") { return cwd }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Workloads").path
    }

    /// A standard workload with `count` generated events.
    static func standard(_ name: String, count: Int, seed: UInt64 = 42) throws -> Workload {
        let dir = directory()
        let path = "\(dir)/\(name).asl.json"
        var mockPath: String?, testCase: String?
        if name == "task-retry" { mockPath = "\(dir)/task-retry.mock.json"; testCase = "FailOnce" }
        let lines = name == "map10" ? map10Lines(count: count, seed: seed) : EventGenerator.lines(count: count, seed: seed)
        return try load(name: name, machinePath: path, mockConfigPath: mockPath, testCase: testCase, lines: lines,
                        timerBound: name == "task-retry" || name == "wait")
    }

    /// A user-supplied machine and NDJSON events file (blank lines skipped).
    static func user(machinePath: String, eventsPath: String, mockConfigPath: String?, testCase: String?, timerBound: Bool) throws -> Workload {
        let data = try Data(contentsOf: URL(fileURLWithPath: eventsPath))
        var reader = NDJSONReader(bytes: [UInt8](data), maxLineBytes: 262_144)
        var lines: [[UInt8]] = []
        while let record = reader.next() {
            if case .line(_, let bytes) = record { lines.append(bytes) }
        }
        guard !lines.isEmpty else { throw BenchError("\(eventsPath): no events") }
        var name = URL(fileURLWithPath: machinePath).lastPathComponent
        while let dot = name.lastIndex(of: "."), dot != name.startIndex { name = String(name[..<dot]) }
        return try load(name: name, machinePath: machinePath, mockConfigPath: mockConfigPath, testCase: testCase,
                        lines: lines, timerBound: timerBound)
    }

    static func load(name: String, machinePath: String, mockConfigPath: String?, testCase: String?,
                     lines: [[UInt8]], timerBound: Bool) throws -> Workload {
        let text = try String(contentsOfFile: machinePath, encoding: .utf8)
        let machine: StateMachine
        do { machine = try StateMachine(definition: text, name: name) } catch {
            throw BenchError("\(machinePath): \(error)")
        }
        var mock: MockConfig?
        if let mockConfigPath {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: mockConfigPath)))
            do { mock = try MockConfig(json: try JSONParser.parse(bytes)) } catch { throw BenchError("\(mockConfigPath): \(error)") }
        }
        return Workload(name: name, machinePath: machinePath, machine: machine, mockConfigPath: mockConfigPath,
                        testCase: testCase, mockConfig: mock, lines: lines, timerBound: timerBound)
    }

    /// ~350-byte events carrying 10 line items, for `map10`.
    static func map10Lines(count: Int, seed: UInt64) -> [[UInt8]] {
        var rng = EventGenerator.SplitMix64(state: seed)
        return (0..<count).map { i in
            var items: [String] = []
            for _ in 0..<10 {
                let cents = 100 + rng.below(9900)
                items.append("{\"sku\":\"S\(100 + rng.below(900))\",\"qty\":\(1 + rng.below(5)),\"price\":\(Double(cents) / 100)}")
            }
            let text = "{\"id\":\"evt-\(100000 + i)\",\"items\":[\(items.joined(separator: ","))]}"
            return Array(text.utf8)
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
