import ASL
import ASLJSON
import Dispatch
import Foundation
import Synchronization

enum RunCommand {
    static let help = """
    aslx run MACHINE [options] < events.ndjson

    Runs one Express execution per non-blank input line (the line is the execution input) and
    writes one result record per line to stdout, in input order:
      {"executionArn", "stateMachineArn", "name", "status", "startDate", "stopDate", "output" | "error", "cause"}

    Options:
      --name NAME              state machine name (default: file name without extensions)
      --mock-config FILE       Step Functions Local mock config; with --test-case NAME
      --test-case NAME         the mock config test case to use
      --log-level LEVEL        ALL | ERROR | FATAL | OFF (default OFF): execution log events
      --include-execution-data include inputs/outputs in log events
      --log-sink SINK          stdout (default) | stderr | a file path
      --max-in-flight N        executions running at once (default 1024); input is read only as fast as results drain
      --unordered              write results in completion order
      --fail-on-error          exit 1 if any execution did not succeed
      --timeout SECONDS        execution deadline (default and maximum 300)

    Example:
      aslx run Examples/hello.asl.json < Examples/events.ndjson
    """

    static func main(_ arguments: [String]) throws -> Int32 {
        var args = Arguments(arguments)
        let (flags, values) = try args.parse(
            flags: ["-h", "--help", "--include-execution-data", "--unordered", "--fail-on-error"],
            options: ["--name", "--mock-config", "--test-case", "--log-level", "--log-sink", "--max-in-flight", "--timeout"])
        if flags.contains("-h") || flags.contains("--help") { print(help); return ExitCode.ok }
        guard let path = args.positionals.first, args.positionals.count == 1 else { throw UsageError("run: give exactly one MACHINE file") }
        let name = values["--name"]?.last ?? MachineLoader.defaultName(path)
        let machine = try MachineLoader.load(path, name: name)

        var configuration = EngineConfiguration()
        if let mockPath = values["--mock-config"]?.last {
            let bytes = try MachineLoader.readFile(mockPath)
            do {
                configuration.mockConfig = try MockConfig(json: try JSONParser.parse(bytes))
            } catch {
                throw MachineLoadError(description: "\(mockPath): \(error)", exitCode: ExitCode.dataError)
            }
            configuration.mockTestCase = values["--test-case"]?.last
            guard configuration.mockTestCase != nil else { throw UsageError("--mock-config needs --test-case NAME") }
        }
        let stdout = LineWriter(fd: 1)
        if let level = values["--log-level"]?.last {
            guard let parsed = LogLevel(rawValue: level.uppercased()) else { throw UsageError("--log-level must be ALL, ERROR, FATAL or OFF") }
            configuration.logLevel = parsed
            switch values["--log-sink"]?.last ?? "stdout" {
            case "stdout": configuration.logSink = WriterLogSink(stdout)
            case "stderr": configuration.logSink = NDJSONLogSink(fileDescriptor: 2)
            case let file:
                let fd = open(file, O_WRONLY | O_CREAT | O_APPEND, 0o644)
                guard fd >= 0 else { throw MachineLoadError(description: "cannot open log sink '\(file)'", exitCode: ExitCode.ioError) }
                configuration.logSink = NDJSONLogSink(fileDescriptor: fd)
            }
        }
        configuration.includeExecutionData = flags.contains("--include-execution-data")
        if let t = values["--timeout"]?.last {
            guard let seconds = Double(t), seconds > 0, seconds <= 300 else { throw UsageError("--timeout must be in (0, 300]") }
            configuration.maximumDurationSeconds = seconds
        }
        var maxInFlight = 1024
        if let m = values["--max-in-flight"]?.last {
            guard let n = Int(m), n > 0 else { throw UsageError("--max-in-flight must be a positive integer") }
            maxInFlight = n
        }
        let engine = Engine(configuration)
        let results = ResultSequencer(writer: stdout, ordered: !flags.contains("--unordered"))
        let window = DispatchSemaphore(value: maxInFlight)
        let group = DispatchGroup()
        var reader = NDJSONReader(fileDescriptor: 0, maxLineBytes: 262_144)
        var sequence = 0
        while let record = reader.next() {
            let seq = sequence
            sequence += 1
            window.wait()
            group.enter()
            let finish: @Sendable (JSONValue, Bool) -> Void = { record, failed in
                results.complete(seq, JSONWriter.bytes(record), failed: failed)
                window.signal()
                group.leave()
            }
            switch record {
            case .tooLong(let line, let count):
                finish(rejected(machine, line: line, error: "States.DataLimitExceeded",
                                cause: "The execution input on line \(line) is \(count) bytes, over the 262144-byte (256 KiB) limit"), true)
            case .line(let line, let bytes):
                let input: JSONValue
                do {
                    input = try JSONParser.parse(bytes)
                } catch {
                    finish(rejected(machine, line: line, error: "InvalidExecutionInput",
                                    cause: "Invalid State Machine Execution Input: '\(error.message)' (line \(line), column \(error.column))"), true)
                    continue
                }
                engine.start(machine, input: input, name: "line-\(line)") { outcome in
                    finish(outcome.record, outcome.status != .succeeded)
                }
            }
        }
        group.wait()
        stdout.flush()
        return flags.contains("--fail-on-error") && results.anyFailed ? ExitCode.failed : ExitCode.ok
    }

    /// A FAILED record for an input line that could not start an execution.
    static func rejected(_ machine: StateMachine, line: Int, error: String, cause: String) -> JSONValue {
        let now = Date().timeIntervalSince1970
        return ["stateMachineArn": .string(machine.arn), "name": .string("line-\(line)"), "status": "FAILED",
                "startDate": .double(now), "stopDate": .double(now), "error": .string(error), "cause": .string(cause)]
    }
}

/// Writes results in input order (a reorder buffer) or in completion order.
final class ResultSequencer: Sendable {
    private struct State {
        var next = 0
        var pending: [Int: [UInt8]] = [:]
        var anyFailed = false
    }
    private let state = Mutex(State())
    private let writer: LineWriter
    private let ordered: Bool

    init(writer: LineWriter, ordered: Bool) {
        self.writer = writer
        self.ordered = ordered
    }

    var anyFailed: Bool { state.withLock { $0.anyFailed } }

    func complete(_ seq: Int, _ bytes: [UInt8], failed: Bool) {
        state.withLock { s in
            if failed { s.anyFailed = true }
            guard ordered else { writer.writeLine(bytes); return }
            s.pending[seq] = bytes
            while let ready = s.pending.removeValue(forKey: s.next) {
                writer.writeLine(ready)
                s.next += 1
            }
        }
    }
}

/// Log events as whole lines on the same writer as the results (never torn mid-line).
final class WriterLogSink: LogSink {
    let writer: LineWriter
    init(_ writer: LineWriter) { self.writer = writer }
    func write(_ event: LogEvent) { writer.writeLine(JSONWriter.bytes(event.json)) }
}
