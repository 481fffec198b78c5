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
    var journalReset = false
    var supervise = false
    /// `--isolate N` (set by `--supervise` for its child): one execution at a time, journaled
    /// before the next starts, stopping after N lines with exit status 75.
    var isolate: Int?
    /// `--input-base OFFSET:LINE` (set by `--supervise` for a piped input): stdin starts at
    /// this absolute offset and line of the input.
    var inputBase: (offset: Int64, line: Int)?
    /// `--tag-lines` (set by `--supervise` when it relays stdout): "LINE\tRECORD" on stdout.
    var tagLines = false
    var maxInFlight = 1024
    var maxMemory = 256 << 20
    var threads: Int?
    var timeoutSeconds: Double?
    /// nil: on when stderr is a terminal.
    var progress: Bool?
    /// `--stats FILE`: per-state statistics of the stream.
    var statsPath: String?

    static let flags: Set<String> = ["-h", "--help", "--include-execution-data", "--unordered", "--fail-on-error",
                                     "--async", "--progress", "--no-progress", "--journal-reset", "--supervise", "--tag-lines", "--http"]
    static let options: Set<String> = ["--name", "--mock-config", "--test-case", "--log-level", "--log-sink", "--max-in-flight", "--max-memory",
                                       "--timeout", "--format", "--name-path", "--task", "--task-workers", "--journal", "--threads",
                                       "--isolate", "--input-base", "--stats", "--http-connections"]

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
        journalReset = flags.contains("--journal-reset")
        if journalReset && journalPath == nil { throw UsageError("--journal-reset needs --journal FILE") }
        supervise = flags.contains("--supervise")
        tagLines = flags.contains("--tag-lines")
        if supervise && journalPath == nil { throw UsageError("--supervise needs --journal FILE (it resumes from it)") }
        if values["--isolate"] != nil { isolate = try Self.int(values, "--isolate", 1, in: 1...1_000_000) }
        if let base = values["--input-base"]?.last {
            let parts = base.split(separator: ":")
            guard parts.count == 2, let o = Int64(parts[0]), let l = Int(parts[1]), o >= 0, l >= 0 else {
                throw UsageError("--input-base must be OFFSET:LINE")
            }
            inputBase = (o, l)
        }
        maxInFlight = try Self.int(values, "--max-in-flight", 1024, in: 1...1_000_000)
        if let text = values["--max-memory"]?.last {
            guard let mib = Int(text), (1...1_048_576).contains(mib) else { throw UsageError("--max-memory must be an integer number of MiB in 1...1048576") }
            maxMemory = mib << 20
        }
        if values["--threads"] != nil { threads = try Self.int(values, "--threads", 0, in: 1...4096) }
        if let t = values["--timeout"]?.last {
            guard let seconds = Double(t), seconds > 0, seconds <= 300 else { throw UsageError("--timeout must be in (0, 300] seconds") }
            timeoutSeconds = seconds
        }
        if flags.contains("--progress") { progress = true }
        if flags.contains("--no-progress") { progress = false }
        if let path = values["--stats"]?.last {
            guard !path.isEmpty else { throw UsageError("--stats needs a file path") }
            statsPath = path
        }
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
      --max-in-flight N        executions running at once (default 1024); executions parked in a
                               Wait or a Retry backoff do not count (they are bounded by memory)
      --max-memory MIB         bytes held for lines not yet written out: inputs, executions
                               (running or parked, ~2 KiB each) and reordered results (default
                               256); input is read only as fast as results drain
      --threads N              worker threads (default: one per core)
      --journal FILE           at-least-once resume: FILE records how far into the input every
                               result has been written; rerun the same command to continue there
                               (refused, exit 65, if the definition or the input file changed)
      --journal-reset          ignore what --journal FILE records and start at the first line
      --supervise              (with --journal) run the engine in a child process; restart it
                               after a crash, and fail the line that crashes it twice on its own
      --progress, --no-progress  a live line on stderr (default: on when stderr is a terminal)
      --stats FILE             per-state statistics (entries, errors, retries, catches, time
                               p50/p99/max) and execution totals as JSON, rewritten at each
                               --progress tick and at the end; a summary on stderr if a terminal

    Bad input lines get their own FAILED record (InvalidExecutionInput with the parser's column,
    ValidationException for lines over 256 KiB, InvalidName for a bad --name-path name).
    Exit status: 0 processed, 1 --fail-on-error and a line failed, 64 usage, 65 invalid machine,
    mock config or journal, 66 unreadable machine, 74 I/O error, 141 (quietly) the reader of
    the results went away (`aslx run … | head`), as for other filters.

    Task workers: one request per line on the worker's stdin,
      {"id": 7, "resource": "RESOURCE", "input": ..., "context": {"executionArn", "stateName", ...}}
    and one response per line on its stdout, in any order:
      {"id": 7, "output": ...}   or   {"id": 7, "error": "MyError", "cause": "..."}

    Examples:
      aslx run Examples/hello.asl.json < Examples/events.ndjson
      aslx run Examples/hello.asl.json --name-path '$.name' --format aws < Examples/events.ndjson > results.ndjson
      aslx run Examples/flow.asl.json --mock-config Examples/flow.mock.json --test-case HappyPath < Examples/events.ndjson
      aslx run Examples/flow.asl.json --log-level ALL --include-execution-data --log-sink logs.ndjson \\
          --task Enrich='python3 Examples/workers/echo_worker.py' --task-workers 4 < Examples/events.ndjson
      aslx run Examples/hello.asl.json --journal run.journal < Examples/events.ndjson >> results.ndjson   # rerun after a crash
    """

    static func main(_ arguments: [String]) throws -> Int32 {
        let options: RunOptions
        do {
            options = try RunOptions(parsing: arguments)
        } catch is HelpRequested {
            print(help)
            return ExitCode.ok
        }
        if options.supervise {
            Supervisor.forwardSignals()
            return try Supervisor(options: options, childArguments: ["run"] + arguments.filter { $0 != "--supervise" }).run()
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
        if let mockPath = options.mockConfigPath, let testCase = options.testCase {
            configuration.mockConfig = try Self.checkedMockConfig(mockPath, testCase: testCase, machine: machine, tasks: options.tasks)
            configuration.mockTestCase = testCase
        }
        configuration.http = try options.httpConfiguration()
        configuration.includeExecutionData = options.includeExecutionData
        if let t = options.timeoutSeconds { configuration.maximumDurationSeconds = t }

        var journal: Journal?
        var start = JournalState()
        if let path = options.journalPath {
            start = try Self.resumePoint(journal: path, machinePath: options.machinePath, reset: options.journalReset,
                                         relayed: options.tagLines)
            journal = Journal(path: path)
        }
        // Where stdin starts within the input (not 0 only for a --supervise child on a pipe).
        let base = options.inputBase ?? (0, 0)
        if start.offset < base.offset {
            throw MachineLoadError(description: "journal is at byte \(start.offset), before the input given (from byte \(base.offset))", exitCode: ExitCode.dataError)
        }
        var skipper = LineSkipper(start.done)

        let emitter = ResultEmitter(ordered: options.ordered, journal: journal, start: start,
                                    journalEveryResult: options.isolate != nil)
        let poke: @Sendable () -> Void = { [emitter] in emitter.poke() }
        let progressOn = options.progress ?? (isatty(2) != 0)
        let stderrIsTerminal = isatty(2) != 0
        let stdout = OutputChannel(fd: 1, onFirstByte: poke)
        let stderr = OutputChannel(fd: 2, linePrefix: progressOn && stderrIsTerminal ? Array("\r\u{1B}[K".utf8) : [], onFirstByte: poke)
        var extra: [OutputChannel] = []
        if options.logLevel != .off {
            configuration.logLevel = options.logLevel
            switch options.logSink {
            case "stdout": configuration.logSink = LineLogSink(append: stdout.append)
            case "stderr": configuration.logSink = LineLogSink(append: stderr.append)
            case let file:
                let fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw MachineLoadError(description: "cannot open log sink '\(file)': \(errnoText(errno))", exitCode: ExitCode.ioError) }
                let channel = OutputChannel(fd: fd, label: "log sink '\(file)'", onFirstByte: poke)
                extra.append(channel)
                configuration.logSink = LineLogSink(append: channel.append)
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
        configuration.maxInFlight = options.isolate == nil ? options.maxInFlight : 1
        configuration.maxMemoryBytes = options.maxMemory

        var statsFile: StatsFile?
        if let path = options.statsPath {
            let collector = StatisticsCollector(machine: machine, workers: configuration.workers)
            configuration.statistics = collector
            statsFile = StatsFile(path: path, collector: collector, machineName: machine.name,
                                  linesIn: { [emitter] in emitter.linesIn.load(ordering: .relaxed) })
        }

        let engine = Engine(configuration)
        let admission = engine.admission
        emitter.channels = (stdout, stderr, extra)
        emitter.tagLines = options.tagLines
        emitter.admission = admission
        emitter.start()
        let progress = progressOn ? ProgressReporter(emitter: emitter, channel: stderr, terminal: stderrIsTerminal,
                                                     onTick: { [statsFile] in statsFile?.write(final: false) }) : nil

        let processor = LineProcessor(
            engine: engine, machine: machine, emitter: emitter,
            formatter: RecordFormatter(format: options.format, stateMachineArn: machine.arn),
            namePath: options.namePath, keepInput: options.format == .aws,
            async: options.async)
        // This thread only reads and splits lines. A batch of lines goes to one engine worker,
        // which parses, names, runs and formats each line there (see `LineProcessor`).
        let batches = LineBatches()
        let isolated = options.isolate != nil
        var inputError: String?
        var sequence = 0
        var isolationStopped = false
        do throws(InputError) {
            if options.inputBase == nil {
                if journal != nil { try skipInput(0, to: start.offset) }
            } else {
                try skipInput(0, count: start.offset - base.offset)
            }
            var reader = NDJSONReader(fileDescriptor: 0, startOffset: start.offset, startLine: start.line, maxLineBytes: 262_144)
            var stoppedEarly = false
            var bytes: [UInt8] = []
            var entries: [LineBatch.Entry] = []
            bytes.reserveCapacity(Self.batchBytes + 4096)
            entries.reserveCapacity(Self.batchLines)
            func submit() {
                guard !entries.isEmpty else { return }
                let batch = batches.make()
                swap(&batch.bytes, &bytes)
                swap(&batch.entries, &entries)
                emitter.linesIn.add(batch.entries.count, ordering: .relaxed)
                batches.started()
                engine.onWorker { worker in
                    processor.process(batch, on: worker)
                    batches.finished(batch)
                }
            }
            // Budget taken but not yet spent on lines read (negative: owed by the next taking).
            var credit = 0
            let chunk = max(1, min(256 * 1024, admission.memoryLimit / 8))
            var mayBlock = false
            // Running slots taken for the next lines read.
            var slots = 0
            let slotGroup = max(1, min(Self.batchLines, admission.maxRunning / 8))
            reading: while true {
                if credit <= 0 {
                    if emitter.ioFailure != nil { break reading }
                    // Lines holding budget must reach the workers before this thread waits for more.
                    if !admission.memoryHasRoom { submit() }
                    admission.takeMemory(chunk)
                    credit += chunk
                }
                // Every line takes a running slot here, on this thread, so no engine worker ever
                // waits for one. Slots come in groups (one wake-up per group, not per execution
                // that ends); lines already batched go out before this thread waits.
                if slots == 0 {
                    if !admission.tryEnter(count: slotGroup) {
                        submit()
                        admission.enterBlocking(count: slotGroup)
                    }
                    slots = slotGroup
                }
                switch try reader.next(into: &bytes, mayBlock: mayBlock) {
                case .line(let line):
                    mayBlock = false
                    if skipper.skips(line.number) {
                        // Written by an earlier run (--unordered, ahead of an earlier line).
                        bytes.removeSubrange(line.start...)
                        continue
                    }
                    credit -= LineProcessor.cost(of: line)
                    slots -= 1  // the line's now
                    // Isolated: nothing of this line happens before every earlier result is journaled.
                    if isolated { emitter.waitUntilJournaled(before: sequence) }
                    entries.append(.init(seq: sequence, line: line))
                    sequence += 1
                    if isolated { submit() }
                    if let limit = options.isolate, sequence >= limit {
                        stoppedEarly = true
                        break reading
                    }
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
            if credit > 0 { admission.releaseMemory(credit) }
            if slots > 0 { admission.leave(count: slots) }
            isolationStopped = stoppedEarly
        } catch {
            inputError = "cannot read input: \(errnoText(error.errno))"
        }
        // Every line has started its execution or written its rejection once this returns.
        batches.waitUntilProcessed()
        if let failure = emitter.ioFailure {
            // Nobody is reading the results: stop now rather than wait for executions in flight.
            return Self.stopped(failure, stdout: stdout)
        }
        processor.waitForExecutions()
        emitter.finish(total: sequence)
        for pool in pools { pool.shutdown() }
        progress?.stop()
        if let statsFile {
            if let problem = statsFile.write(final: true) { stderr.append(Array("aslx: \(problem)".utf8)) }
            if stderrIsTerminal { stderr.append(Array(statsFile.summary().utf8)) }
        }
        for channel in [stdout, stderr] + extra { channel.flush() }
        if let failure = emitter.ioFailure { return Self.stopped(failure, stdout: stdout) }
        if let failure = inputError ?? extra.lazy.compactMap(\.failure).first {
            printError(failure)
            return ExitCode.ioError
        }
        if isolationStopped { return Supervisor.isolationDone }
        return options.failOnError && emitter.failedCount.load(ordering: .relaxed) > 0 ? ExitCode.failed : ExitCode.ok
    }

    /// Reads the journal and checks that it belongs to this definition and this input; repairs
    /// a results file a killed run may have left with a torn last line. Returns where to start.
    /// `relayed`: stdout goes to `--supervise`'s relay, which keeps it line-aligned itself.
    static func resumePoint(journal path: String, machinePath: String, reset: Bool, relayed: Bool = false) throws -> JournalState {
        var fresh = JournalState()
        fresh.definition = fnv1a(try MachineLoader.readFile(machinePath))
        fresh.input = InputIdentity.of(0)
        let recorded: JournalState?
        do throws(JournalError) {
            recorded = try Journal(path: path).read()
        } catch {
            throw MachineLoadError(description: error.description, exitCode: error.exitCode)
        }
        guard var state = recorded, !reset else { return fresh }
        func refuse(_ why: String) -> MachineLoadError {
            MachineLoadError(description: "journal '\(path)' \(why); to start over from the first line, give --journal-reset",
                             exitCode: ExitCode.dataError)
        }
        if let old = state.definition, old != fresh.definition {
            throw refuse("belongs to another definition (the state machine file changed since it was written)")
        }
        if let old = state.input, let now = fresh.input {
            if old.head != now.head { throw refuse("belongs to another input (its first 64 KiB differ)") }
            if old.size != now.size { throw refuse("belongs to another input (it had \(old.size) bytes, this one has \(now.size))") }
            if old.modified != now.modified { throw refuse("belongs to another input (it was modified since the journal was written)") }
        }
        var st = stat()
        if fstat(0, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, state.offset > 0 {
            if Int64(st.st_size) < state.offset {
                throw refuse("is at byte \(state.offset), past the end of the input (\(st.st_size) bytes): not the same input")
            }
            var byte: UInt8 = 0
            if pread(0, &byte, 1, off_t(state.offset - 1)) == 1, byte != 0x0A {
                throw refuse("is at byte \(state.offset), which is not the start of a line in this input: not the same input")
            }
        }
        // A finished run has nothing more to write (and no torn record to repair).
        if !(fresh.input.map { $0.size == state.offset } ?? false) && !relayed { repairOutput(state.output) }
        state.definition = fresh.definition
        if state.input == nil { state.input = fresh.input }
        return state
    }

    /// Makes the results on stdout line-aligned before a resumed run appends to them: a results
    /// file the journal knows is cut back to where the journal was written (every record after
    /// that is written again by this run); any other output gets a newline if a torn record
    /// may end it (always for a pipe, where that cannot be seen).
    static func repairOutput(_ mark: OutputMark?) {
        guard let now = OutputMark.of(1) else {
            // A pipe: the previous run's last record may be torn; start on a new line.
            let newline: [UInt8] = [0x0A]
            _ = newline.withUnsafeBytes { write(1, $0.baseAddress, 1) }
            return
        }
        if let mark, mark.device == now.device, mark.inode == now.inode, mark.size <= now.size {
            if mark.size < now.size, ftruncate(1, off_t(mark.size)) == 0 {
                // Without O_APPEND the descriptor's offset may be past the new end.
                if fcntl(1, F_GETFL) & O_APPEND == 0 { _ = lseek(1, off_t(mark.size), SEEK_SET) }
            }
            return
        }
        guard now.size > 0 else { return }
        var byte: UInt8 = 0
        if pread(1, &byte, 1, off_t(now.size - 1)) == 1, byte != 0x0A {
            let newline: [UInt8] = [0x0A]
            _ = newline.withUnsafeBytes { write(1, $0.baseAddress, 1) }
        }
    }

    /// The `--mock-config` file, checked against the machine before any input is read: a
    /// wrong machine name, test case or response name, or a Task state that neither the test
    /// case nor a `--task` worker serves, is exit status 65 naming the file, test case and state.
    static func checkedMockConfig(_ path: String, testCase: String, machine: StateMachine,
                                  tasks: [(resource: String, command: String)]) throws(MachineLoadError) -> MockConfig {
        let bytes = try MachineLoader.readFile(path)
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch {
            throw MachineLoadError(description: "\(path):\(error.line):\(error.column): \(error.message)", exitCode: ExitCode.dataError)
        }
        let workers = Set(tasks.map(\.resource))
        // A lambda:invoke state's function is chosen by its input, so any function worker may serve it.
        let lambdaWorkers = workers.contains { !$0.hasPrefix("arn:") || $0.contains(":function:") }
        do throws(StatesError) {
            let config = try MockConfig(json: json)
            try config.check(testCase: testCase, for: machine) { resource in
                workers.contains(resource) || lambdaWorkers && (resource.hasPrefix("arn:aws:states:::lambda:invoke") || resource.contains(":function:"))
            }
            return config
        } catch {
            throw MachineLoadError(description: "\(path): \(error.cause ?? error.error)", exitCode: ExitCode.dataError)
        }
    }

    /// The exit after results could not be written. The reader went away (`aslx run … | head`):
    /// stop quietly with 141, the status a shell reports for a filter that SIGPIPE ended, as
    /// `cat`, `grep` or `jq` would. The journal, if any, holds only results that were written.
    /// Any other write error: say so, exit 74.
    static func stopped(_ failure: String, stdout: OutputChannel) -> Int32 {
        if stdout.writeErrno == EPIPE { return ExitCode.brokenPipe }
        printError(failure)
        return ExitCode.ioError
    }

    /// Lines per batch handed to an engine worker, and the byte size that ends a batch early.
    static let batchLines = 64
    static let batchBytes = 64 * 1024
}

/// Turns a batch of input lines into results on one engine worker: parses each line, names it,
/// runs its execution right there, and formats its result line. An execution that finishes
/// without suspending never leaves the worker, and the batch's results go to the writer together
/// when the batch ends (one hand-off per batch). One that suspends continues on the pool and
/// hands its own line over when it ends. Bad lines get their FAILED record here, in their
/// place in the order. Every line arrives holding a running slot (taken by the reader).

final class LineProcessor: @unchecked Sendable {
    let engine: Engine
    let machine: StateMachine
    let emitter: ResultEmitter
    let formatter: RecordFormatter
    let namePath: ReferencePath?
    let keepInput: Bool
    /// `--async`: write the acknowledgement when an execution starts, not its outcome.
    let async: Bool
    private let executions = DispatchGroup()

    init(engine: Engine, machine: StateMachine, emitter: ResultEmitter, formatter: RecordFormatter,
         namePath: ReferencePath?, keepInput: Bool, async: Bool) {
        self.engine = engine
        self.machine = machine
        self.emitter = emitter
        self.formatter = formatter
        self.namePath = namePath
        self.keepInput = keepInput
        self.async = async
    }

    /// What a line holds of the memory budget until its result is written: its bytes and an
    /// execution's state (about a kilobyte parked on the timer wheel; counted generously).
    static func cost(of line: NDJSONLine) -> Int { (line.tooLong ? 0 : line.count) + executionBytes }
    static let executionBytes = 2048

    /// Waits for `--async` executions (whose results were written when they started).
    func waitForExecutions() { executions.wait() }

    func process(_ batch: LineBatch, on worker: EngineWorker) {
        let results = BatchResults(emitter: emitter)
        batch.bytes.withUnsafeBufferPointer { all in
            for entry in batch.entries {
                start(entry.seq, entry.line, all, worker, results)
            }
        }
        results.close()
    }

    private func start(_ seq: Int, _ line: NDJSONLine, _ all: UnsafeBufferPointer<UInt8>,
                       _ worker: EngineWorker, _ results: BatchResults) {
        let number = line.number, endOffset = line.endOffset, cost = Self.cost(of: line)
        let admission = engine.admission
        @inline(__always) func emit(_ out: RecordFormatter.Line) {
            results.deliver(.init(seq: seq, line: out, lineNumber: number, endOffset: endOffset, cost: cost))
        }
        @inline(__always) func reject(_ out: RecordFormatter.Line) {
            admission.leave()  // the slot the reader took for this line
            emit(out)
        }
        if line.tooLong {
            reject(formatter.rejected(
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
            reject(formatter.rejected(
                name: "line-\(number)", input: Array(text), error: "InvalidExecutionInput",
                cause: "Invalid State Machine Execution Input: '\(error.message)' (line \(number), column \(error.column))",
                now: WallClock.nowMilliseconds()))
            return
        }
        if let trap = Self.faultTrapId, input["id"].map({ $0.stringValue ?? JSONWriter.string($0) }) == trap {
            fatalError("ASLX_FAULT_TRAP_ID: input line \(number) has id \(trap)")
        }
        let name: String
        switch ExecutionName.of(input, path: namePath, line: number) {
        case .success(let n): name = n
        case .failure(let problem):
            reject(formatter.rejected(name: "line-\(number)", input: Array(text), error: "InvalidName", cause: problem.cause,
                                    now: WallClock.nowMilliseconds()))
            return
        }
        let emitter = self.emitter
        emitter.running.add(1, ordering: .relaxed)
        if async {
            // The running slot bounds these too (one parked gives its slot back).
            let now = WallClock.nowMilliseconds()
            executions.enter()
            let executions = self.executions
            let arn = worker.start(machine, input: input, name: name, admitted: true) { _ in
                emitter.running.subtract(1, ordering: .relaxed)
                executions.leave()
            }
            emit(formatter.acknowledgement(executionArn: arn, startDate: now))
        } else {
            let formatter = self.formatter
            let keptInput = keepInput ? Array(text) : []
            worker.start(machine, input: input, name: name, admitted: true) { outcome in
                emitter.running.subtract(1, ordering: .relaxed)
                results.deliver(.init(seq: seq, line: formatter.outcome(outcome, input: keptInput),
                                      lineNumber: number, endOffset: endOffset, cost: cost))
            }
        }
    }

    /// Fault injection for tests only: an input whose top-level `"id"` equals this environment
    /// variable traps the process when its execution is about to start.
    static let faultTrapId: String? = ProcessInfo.processInfo.environment["ASLX_FAULT_TRAP_ID"]
}

extension ExitCode {
    /// 128 + SIGPIPE: the results' reader closed the pipe (`aslx run … | head`).
    static let brokenPipe: Int32 = 141
}
