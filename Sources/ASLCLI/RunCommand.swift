import ASL
import ASLJSON
import Dispatch
import Foundation
import Synchronization

/// The parsed options of `aslx run`.
struct RunOptions {
    var machinePath = ""
    var machineName = ""
    var mockConfigPath: String?
    /// `--http` (or `--http-connections`): perform `http:invoke` Tasks for real.
    var http = false
    var httpConnectionsPath: String?
    var testCase: String?
    var format = OutputFormat.record
    var ordered = true
    var namePath: ReferencePath?
    var async = false
    var failOnError = false
    var logLevel = LogLevel.off
    var includeExecutionData = false
    var logSink = "stdout"
    var tasks: [(resource: String, command: String)] = []
    var taskWorkers = 1
    var journalPath: String?
    var maxInFlight = 1024
    var threads: Int?
    var timeoutSeconds: Double?
    /// nil: on when stderr is a terminal.
    var progress: Bool?

    static let flags: Set<String> = ["-h", "--help", "--include-execution-data", "--unordered", "--fail-on-error",
                                     "--async", "--progress", "--no-progress", "--http"]
    static let options: Set<String> = ["--name", "--mock-config", "--test-case", "--log-level", "--log-sink", "--max-in-flight",
                                       "--timeout", "--format", "--name-path", "--task", "--task-workers", "--journal", "--threads",
                                       "--http-connections"]

    init(parsing arguments: [String]) throws {
        var args = Arguments(arguments)
        let (flags, values) = try args.parse(flags: Self.flags, options: Self.options)
        if flags.contains("-h") || flags.contains("--help") { throw HelpRequested() }
        guard let path = args.positionals.first, args.positionals.count == 1 else {
            throw UsageError("run: give exactly one MACHINE file (aslx run --help)")
        }
        machinePath = path
        machineName = values["--name"]?.last ?? MachineLoader.defaultName(path)
        mockConfigPath = values["--mock-config"]?.last
        testCase = values["--test-case"]?.last
        if mockConfigPath != nil && testCase == nil { throw UsageError("--mock-config needs --test-case NAME") }
        httpConnectionsPath = values["--http-connections"]?.last
        http = flags.contains("--http") || httpConnectionsPath != nil
        if let f = values["--format"]?.last {
            guard let parsed = OutputFormat(rawValue: f.lowercased()) else { throw UsageError("--format must be record, aws or output") }
            format = parsed
        }
        ordered = !flags.contains("--unordered")
        if let p = values["--name-path"]?.last {
            do throws(ExpressionCompileError) {
                namePath = try ReferencePath(p)
            } catch {
                throw UsageError("--name-path '\(p)' is not a reference path: \(error)")
            }
        }
        async = flags.contains("--async")
        failOnError = flags.contains("--fail-on-error")
        if let level = values["--log-level"]?.last {
            guard let parsed = LogLevel(rawValue: level.uppercased()) else { throw UsageError("--log-level must be ALL, ERROR, FATAL or OFF") }
            logLevel = parsed
        }
        includeExecutionData = flags.contains("--include-execution-data")
        if let sink = values["--log-sink"]?.last {
            guard !sink.isEmpty else { throw UsageError("--log-sink must be stdout, stderr or a file path") }
            logSink = sink
        }
        for spec in values["--task"] ?? [] {
            guard let eq = spec.firstIndex(of: "="), eq != spec.startIndex, spec.index(after: eq) != spec.endIndex else {
                throw UsageError("--task must be RESOURCE=COMMAND (got '\(spec)')")
            }
            tasks.append((String(spec[..<eq]), String(spec[spec.index(after: eq)...])))
        }
        taskWorkers = try Self.int(values, "--task-workers", 1, in: 1...256)
        journalPath = values["--journal"]?.last
        maxInFlight = try Self.int(values, "--max-in-flight", 1024, in: 1...1_000_000)
        if values["--threads"] != nil { threads = try Self.int(values, "--threads", 0, in: 1...4096) }
        if let t = values["--timeout"]?.last {
            guard let seconds = Double(t), seconds > 0, seconds <= 300 else { throw UsageError("--timeout must be in (0, 300] seconds") }
            timeoutSeconds = seconds
        }
        if flags.contains("--progress") { progress = true }
        if flags.contains("--no-progress") { progress = false }
    }

    private static func int(_ values: [String: [String]], _ name: String, _ fallback: Int, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let text = values[name]?.last else { return fallback }
        guard let n = Int(text), range.contains(n) else {
            throw UsageError("\(name) must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return n
    }
}

/// `-h`/`--help` among a subcommand's arguments.
struct HelpRequested: Error {}

enum RunCommand {
    static let help = """
    aslx run MACHINE [options] < events.ndjson

    Runs one Express execution per non-blank input line (the line is the execution input) and
    writes one result line per input line to stdout, in input order. MACHINE is a definition
    (.asl.json) or a compiled program (.aslc).

    Results
      --format record          (default) {"executionArn", "stateMachineArn", "name", "status",
                               "startDate", "stopDate", "output" (a JSON value) | "error", "cause"}
      --format aws             StartSyncExecution's response: input/output as JSON text,
                               inputDetails/outputDetails, billingDetails
      --format output          only each successful output; failed executions go to stderr as records
      --unordered              write results as executions finish instead of in input order
      --name-path PATH         take the execution name from the input (e.g. '$.id'); default line-N
      --async                  StartExecution semantics: write {"executionArn", "startDate"} when an
                               execution starts; outcomes only in the logs
      --fail-on-error          exit 1 if any line failed (default: 0 once the input is processed)

    Machine and tasks
      --name NAME              state machine name (default: file name without extensions)
      --mock-config FILE       Step Functions Local mock config; with --test-case NAME
      --test-case NAME         the mock config test case to use
      --task RESOURCE=COMMAND  run Task states whose Resource is RESOURCE (a full ARN, or a Lambda
                               function name) in worker processes `sh -c COMMAND` speaking NDJSON
                               (repeatable; see "Task workers" below)
      --task-workers N         worker processes per --task (default 1)
      --http                   perform `arn:aws:states:::http:invoke` Tasks for real with URLSession
                               (off by default: without it a definition reaches no network)
      --http-connections FILE  credentials for Authentication.ConnectionArn (implies --http): a JSON
                               object from connection ARN to {"AuthorizationType": "BASIC" | "API_KEY" |
                               "OAUTH_CLIENT_CREDENTIALS", "AuthParameters": {...}} as EventBridge has it
      --timeout SECONDS        execution deadline (default and maximum 300)

    Logs (CloudWatch Logs events of Express workflows, one JSON object per line)
      --log-level LEVEL        ALL | ERROR | FATAL | OFF (default OFF)
      --include-execution-data include inputs and outputs in log events
      --log-sink SINK          stdout (default: interleaved whole lines), stderr, or a file path

    Flow control and operation
      --max-in-flight N        executions and reordered results held at once (default 1024);
                               input is read only as fast as results drain
      --threads N              worker threads (default: one per core)
      --journal FILE           at-least-once resume: FILE records how far into the input every
                               result has been written; rerun the same command to continue there
      --progress, --no-progress  a live line on stderr (default: on when stderr is a terminal)

    Bad input lines get their own FAILED record (InvalidExecutionInput with the parser's column,
    ValidationException for lines over 256 KiB, InvalidName for a bad --name-path name).
    Exit status: 0 processed, 1 --fail-on-error and a line failed, 64 usage, 65 invalid machine,
    mock config or journal, 66 unreadable machine, 74 I/O error.

    Task workers: one request per line on the worker's stdin,
      {"id": 7, "resource": "RESOURCE", "input": ..., "context": {"executionArn", "stateName", ...}}
    and one response per line on its stdout, in any order:
      {"id": 7, "output": ...}   or   {"id": 7, "error": "MyError", "cause": "..."}

    Examples:
      aslx run Examples/hello.asl.json < Examples/events.ndjson
      aslx run flow.asl.json --name-path '$.orderId' --format aws < orders.ndjson > results.ndjson
      aslx run flow.asl.json --log-level ALL --include-execution-data --log-sink logs.ndjson < in.ndjson
      aslx run flow.asl.json --task Enrich='python3 Examples/workers/echo_worker.py' --task-workers 4 < in.ndjson
      aslx run flow.asl.json --journal run.journal < big.ndjson >> results.ndjson   # rerun after a crash
    """

    static func main(_ arguments: [String]) throws -> Int32 {
        let options: RunOptions
        do {
            options = try RunOptions(parsing: arguments)
        } catch is HelpRequested {
            print(help)
            return ExitCode.ok
        }
        return try Runner(options).run()
    }
}

/// One `aslx run`.
struct Runner {
    let options: RunOptions

    init(_ options: RunOptions) { self.options = options }

    func run() throws -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let machine = try MachineLoader.load(options.machinePath, name: options.machineName)
        var configuration = EngineConfiguration()
        if let mockPath = options.mockConfigPath {
            let bytes = try MachineLoader.readFile(mockPath)
            do {
                configuration.mockConfig = try MockConfig(json: try JSONParser.parse(bytes))
            } catch {
                throw MachineLoadError(description: "\(mockPath): \(error)", exitCode: ExitCode.dataError)
            }
            configuration.mockTestCase = options.testCase
        }
        configuration.http = try options.httpConfiguration()
        configuration.includeExecutionData = options.includeExecutionData
        if let t = options.timeoutSeconds { configuration.maximumDurationSeconds = t }

        var journal: Journal?
        var start: (offset: Int64, line: Int) = (0, 0)
        if let path = options.journalPath {
            let j = Journal(path: path)
            do { start = try j.read() } catch { throw MachineLoadError(description: error.description, exitCode: ExitCode.dataError) }
            journal = j
            var st = stat()
            if fstat(0, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int64(st.st_size) < start.offset {
                throw MachineLoadError(description: "journal '\(path)' is at byte \(start.offset), past the end of the input (\(st.st_size) bytes): not the same input?", exitCode: ExitCode.dataError)
            }
        }

        let window = Window(size: options.maxInFlight)
        let emitter = ResultEmitter(ordered: options.ordered, window: window, windowSize: options.maxInFlight, journal: journal,
                                    startOffset: start.offset, startLine: start.line)
        let poke: @Sendable () -> Void = { [emitter] in emitter.poke() }
        let progressOn = options.progress ?? (isatty(2) != 0)
        let stderrIsTerminal = isatty(2) != 0
        let stdout = OutputChannel(fd: 1, onFirstByte: poke)
        let stderr = OutputChannel(fd: 2, linePrefix: progressOn && stderrIsTerminal ? Array("\r\u{1B}[K".utf8) : [], onFirstByte: poke)
        var extra: [OutputChannel] = []
        if options.logLevel != .off {
            configuration.logLevel = options.logLevel
            switch options.logSink {
            case "stdout": configuration.logSink = ChannelLogSink(stdout)
            case "stderr": configuration.logSink = ChannelLogSink(stderr)
            case let file:
                let fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw MachineLoadError(description: "cannot open log sink '\(file)': \(errnoText(errno))", exitCode: ExitCode.ioError) }
                let channel = OutputChannel(fd: fd, onFirstByte: poke)
                extra.append(channel)
                configuration.logSink = ChannelLogSink(channel)
            }
        }
        let pools = options.tasks.map { TaskWorkerPool(resource: $0.resource, command: $0.command, workers: options.taskWorkers) }
        for pool in pools {
            if pool.resource.hasPrefix("arn:") {
                configuration.resources[pool.resource] = pool.handler
                if pool.resource.contains(":function:") { configuration.lambdaFunctions[pool.resource] = pool.handler }
            } else {
                configuration.lambdaFunctions[pool.resource] = pool.handler
            }
        }
        if let threads = options.threads { configuration.workers = threads }

        emitter.channels = (stdout, stderr, extra)
        emitter.start()
        let progress = progressOn ? ProgressReporter(emitter: emitter, channel: stderr, terminal: stderrIsTerminal) : nil

        let engine = Engine(configuration)
        let processor = LineProcessor(
            engine: engine, machine: machine, emitter: emitter,
            formatter: RecordFormatter(format: options.format, stateMachineArn: machine.arn),
            namePath: options.namePath, keepInput: options.format == .aws,
            asyncSlots: options.async ? DispatchSemaphore(value: options.maxInFlight) : nil)
        // Parsing, naming and starting happen on parser threads; this thread only splits lines.
        let parsers = BatchQueue(threads: min(configuration.workers, ProcessInfo.processInfo.activeProcessorCount)) {
            processor.process($0)
        }
        var inputError: String?
        var sequence = 0
        do throws(InputError) {
            try skipInput(0, to: start.offset)
            var reader = InputReader(fileDescriptor: 0, startOffset: start.offset, startLine: start.line, maxLineBytes: 262_144)
            var bytes: [UInt8] = []
            var entries: [LineBatch.Entry] = []
            bytes.reserveCapacity(Self.batchBytes + 4096)
            entries.reserveCapacity(Self.batchLines)
            func submit() {
                guard !entries.isEmpty else { return }
                let batch = parsers.makeBatch()
                swap(&batch.bytes, &bytes)
                swap(&batch.entries, &entries)
                emitter.linesIn.add(batch.entries.count, ordering: .relaxed)
                parsers.submit(batch)
            }
            var slots = 0
            var mayBlock = false
            reading: while true {
                if slots == 0 {
                    if emitter.ioFailure != nil { break reading }
                    slots = window.tryAcquire(upTo: Self.batchLines)
                    if slots == 0 {
                        // Lines holding slots must reach the parsers before this thread waits for more.
                        submit()
                        slots = window.acquire(upTo: Self.batchLines)
                    }
                }
                switch try reader.next(into: &bytes, mayBlock: mayBlock) {
                case .line(let line):
                    mayBlock = false
                    slots -= 1
                    entries.append(.init(seq: sequence, line: line))
                    sequence += 1
                    if entries.count >= Self.batchLines || bytes.count >= Self.batchBytes { submit() }
                case .wouldBlock:
                    // Nothing more to read for now: hand on what we have and flush results.
                    submit()
                    emitter.requestFlush()
                    mayBlock = true
                case .end:
                    break reading
                }
            }
            submit()
        } catch {
            inputError = "cannot read input: \(errnoText(error.errno))"
        }
        parsers.close()
        if let failure = emitter.ioFailure {
            // Nobody is reading the results: stop now rather than wait for executions in flight.
            printError(failure)
            return ExitCode.ioError
        }
        processor.waitForExecutions()
        emitter.finish(total: sequence)
        for pool in pools { pool.shutdown() }
        progress?.stop()
        for channel in [stdout, stderr] + extra { channel.flush() }
        if let failure = emitter.ioFailure ?? inputError {
            printError(failure)
            return ExitCode.ioError
        }
        return options.failOnError && emitter.failedCount.load(ordering: .relaxed) > 0 ? ExitCode.failed : ExitCode.ok
    }

    /// Lines per batch handed to a parser thread, and the byte size that ends a batch early.
    static let batchLines = 64
    static let batchBytes = 64 * 1024
}

/// Turns batches of input lines into executions (on the parser threads): parses each line,
/// names it, starts it, and hands its result line to the emitter when it finishes. Bad lines
/// get their FAILED record here, in their place in the order.
final class LineProcessor: @unchecked Sendable {
    let engine: Engine
    let machine: StateMachine
    let emitter: ResultEmitter
    let formatter: RecordFormatter
    let namePath: ReferencePath?
    let keepInput: Bool
    /// `--async`: bounds executions running after their acknowledgement was written.
    let asyncSlots: DispatchSemaphore?
    private let executions = DispatchGroup()

    init(engine: Engine, machine: StateMachine, emitter: ResultEmitter, formatter: RecordFormatter,
         namePath: ReferencePath?, keepInput: Bool, asyncSlots: DispatchSemaphore?) {
        self.engine = engine
        self.machine = machine
        self.emitter = emitter
        self.formatter = formatter
        self.namePath = namePath
        self.keepInput = keepInput
        self.asyncSlots = asyncSlots
    }

    /// Waits for `--async` executions (whose results were written when they started).
    func waitForExecutions() { executions.wait() }

    func process(_ batch: LineBatch) {
        batch.bytes.withUnsafeBufferPointer { all in
            for entry in batch.entries {
                start(entry.seq, entry.line, all)
            }
        }
    }

    private func start(_ seq: Int, _ line: InputLine, _ all: UnsafeBufferPointer<UInt8>) {
        let emitter = self.emitter
        let number = line.number, endOffset = line.endOffset
        @inline(__always) func emit(_ out: RecordFormatter.Line) {
            emitter.complete(.init(seq: seq, line: out, lineNumber: number, endOffset: endOffset))
        }
        if line.tooLong {
            emit(formatter.rejected(
                name: "line-\(number)", input: nil, error: "ValidationException",
                cause: "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144 (line \(number) is \(line.count) bytes)",
                now: WallClock.nowMilliseconds()))
            return
        }
        let text = UnsafeBufferPointer(rebasing: all[line.start..<(line.start + line.count)])
        let input: JSONValue
        do {
            input = try JSONParser.parse(buffer: text)
        } catch {
            emit(formatter.rejected(
                name: "line-\(number)", input: Array(text), error: "InvalidExecutionInput",
                cause: "Invalid State Machine Execution Input: '\(error.message)' (line \(number), column \(error.column))",
                now: WallClock.nowMilliseconds()))
            return
        }
        let name: String
        switch executionName(input, line: number) {
        case .success(let n): name = n
        case .failure(let problem):
            emit(formatter.rejected(name: "line-\(number)", input: Array(text), error: "InvalidName", cause: problem.cause,
                                    now: WallClock.nowMilliseconds()))
            return
        }
        emitter.running.add(1, ordering: .relaxed)
        if let asyncSlots {
            let now = WallClock.nowMilliseconds()
            executions.enter()
            asyncSlots.wait()
            let executions = self.executions
            let arn = engine.start(machine, input: input, name: name) { _ in
                emitter.running.subtract(1, ordering: .relaxed)
                asyncSlots.signal()
                executions.leave()
            }
            emit(formatter.acknowledgement(executionArn: arn, startDate: now))
        } else {
            let formatter = self.formatter
            let keptInput = keepInput ? Array(text) : []
            engine.start(machine, input: input, name: name) { outcome in
                emitter.running.subtract(1, ordering: .relaxed)
                emitter.complete(.init(seq: seq, line: formatter.outcome(outcome, input: keptInput),
                                       lineNumber: number, endOffset: endOffset))
            }
        }
    }

    private struct NameProblem: Error { var cause: String }

    /// `line-N`, or the `--name-path` value checked against AWS's name rules.
    private func executionName(_ input: JSONValue, line: Int) -> Result<String, NameProblem> {
        guard let path = namePath else { return .success("line-\(line)") }
        let name: String
        switch path.value(in: input) {
        case .string(let s)?: name = s
        case .number(let n)? where n.isIntegral: name = JSONWriter.string(.number(n))
        case nil:
            return .failure(NameProblem(cause: "Invalid Name: the --name-path '\(path.text)' selects nothing in the input on line \(line)"))
        case let other?:
            return .failure(NameProblem(cause: "Invalid Name: the --name-path '\(path.text)' selects a \(other.typeName) on line \(line), not a string"))
        }
        if let problem = ExecutionName.problem(name) {
            return .failure(NameProblem(cause: "Invalid Name: '\(name)' (line \(line)): \(problem)"))
        }
        return .success(name)
    }
}

/// Log events as whole lines on an output channel (never torn or interleaved mid-line).
final class ChannelLogSink: LogSink {
    let channel: OutputChannel
    init(_ channel: OutputChannel) { self.channel = channel }
    func write(_ event: LogEvent) { channel.append(JSONWriter.bytes(event.json)) }
}
