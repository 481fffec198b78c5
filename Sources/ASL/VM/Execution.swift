import ASLJSON
import JSONata
import Dispatch
import Synchronization

/// How a finished execution ended.
public enum ExecutionStatus: String, Sendable, CustomStringConvertible {
    case succeeded = "SUCCEEDED", failed = "FAILED", timedOut = "TIMED_OUT"

    /// AWS's spelling (`SUCCEEDED`, `FAILED`, `TIMED_OUT`), as `print(outcome.status)` shows it.
    public var description: String { rawValue }
}

/// The result of one execution, shaped like StartSyncExecution's response (§10.2).
public struct ExecutionOutcome: Sendable {
    public var executionArn: String
    public var stateMachineArn: String
    public var name: String
    public var status: ExecutionStatus
    /// Epoch milliseconds.
    public var startDate: Int64
    public var stopDate: Int64
    public var output: JSONValue?
    public var error: String?
    public var cause: String?

    /// `{"executionArn", "stateMachineArn", "name", "status", "startDate", "stopDate", "output" | "error", "cause"}`;
    /// dates are epoch seconds with millisecond precision, as the AWS JSON protocol returns them.
    public var record: JSONValue {
        var o = JSONObject(minimumCapacity: 9)
        o["executionArn"] = .string(executionArn)
        o["stateMachineArn"] = .string(stateMachineArn)
        o["name"] = .string(name)
        o["status"] = .string(status.rawValue)
        o["startDate"] = .number(Self.seconds(startDate))
        o["stopDate"] = .number(Self.seconds(stopDate))
        if let output { o["output"] = output }
        if let error { o["error"] = .string(error) }
        if let cause { o["cause"] = .string(cause) }
        return .object(o)
    }

    static func seconds(_ ms: Int64) -> JSONNumber {
        ms % 1000 == 0 ? .int(ms / 1000) : .double(Double(ms) / 1000)
    }
}

/// Injectable sources of time and randomness, for deterministic tests.
public struct ExecutionEnvironment: Sendable {
    /// Epoch milliseconds for `$$` timestamps and records.
    public var wallClock: @Sendable () -> Int64
    public var uuid: UUIDGenerator
    /// Uniform random numbers in [0, 1) (retry jitter, States.MathRandom).
    public var random: @Sendable () -> Double

    public init(wallClock: @escaping @Sendable () -> Int64 = WallClock.nowMilliseconds,
                uuid: UUIDGenerator = .system,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.wallClock = wallClock
        self.uuid = uuid
        self.random = random
    }

    /// The JSONata view of this environment: `$now()`/`$millis()` read `wallClock`, `$uuid()`
    /// reads `uuid`, as `$$` timestamps and `States.UUID()` do.
    public var jsonata: JSONataEnvironment {
        let wallClock = self.wallClock, uuid = self.uuid
        return JSONataEnvironment(clock: { Double(wallClock()) }, uuid: { uuid() })
    }
}

/// State shared by all frames of one execution.
final class ExecutionState: @unchecked Sendable {
    let program: Program
    let machine: StateMachine
    let executionArn: String
    let name: String
    let input: JSONValue
    let startMilliseconds: Int64
    let environment: ExecutionEnvironment
    /// `environment` as JSONata sees it (built once per engine, not per evaluation).
    let jsonataEnvironment: JSONataEnvironment
    let tasks: TaskInvoker
    let logSink: LogSink?
    let logLevel: LogLevel
    let includeExecutionData: Bool
    let roleArn: String
    /// Where this execution's per-state statistics go (nil: not collected).
    let statistics: StatisticsProbe?
    /// The engine clock when the execution started (only read with `statistics`).
    let startNanos: UInt64

    /// History event counter: the last id handed out (ExecutionStarted takes 1).
    // Relaxed: ids only need to be unique and increasing; no other memory is published through it.
    private let eventCounter = Atomic<Int>(0)
    /// Set once by whoever finishes the execution first (success, failure, or the deadline).
    // acquiringAndReleasing on the exchange: the winner's outcome writes happen-before any loser's read of `finished`.
    let finished = Atomic<Bool>(false)
    /// Mock invocation counters per state index.
    let mockCounters = Mutex<[Int: Int]>([:])
    /// When the execution times out, in `DispatchTime` uptime nanoseconds (`UInt64.max`: never,
    /// e.g. on the virtual clock). CPU-bound work compares the clock with it (``pastDeadline``),
    /// so a loop without Wait or a long evaluation stops even while every worker is busy and the
    /// pool's deadline timer cannot run.
    // Relaxed: stored once in the `.begin` job before the top frame runs; every frame that reads
    // it was handed to its thread through the pool's queues after that store.
    let deadline = Atomic<UInt64>(.max)
    /// Bytes held by the variables of all scopes (§9.4: at most 10 MiB; see `VariableScope`).
    // Relaxed: a counter, read only to check the limit. Concurrent branches may each pass the
    // check before the other's bytes land, so the total can overshoot by what the running
    // branches assign at once.
    let variableByteCount = Atomic<Int>(0)

    init(program: Program, machine: StateMachine, executionArn: String, name: String, input: JSONValue,
         startMilliseconds: Int64, environment: ExecutionEnvironment, tasks: TaskInvoker,
         logSink: LogSink?, logLevel: LogLevel, includeExecutionData: Bool, roleArn: String,
         statistics: StatisticsProbe? = nil, startNanos: UInt64 = 0,
         jsonataEnvironment: JSONataEnvironment? = nil) {
        self.program = program
        self.machine = machine
        self.executionArn = executionArn
        self.name = name
        self.input = input
        self.startMilliseconds = startMilliseconds
        self.environment = environment
        self.jsonataEnvironment = jsonataEnvironment ?? environment.jsonata
        self.tasks = tasks
        self.logSink = logSink
        self.logLevel = logLevel
        self.includeExecutionData = includeExecutionData
        self.roleArn = roleArn
        self.statistics = statistics
        self.startNanos = startNanos
    }

    /// `$$.Execution`, built when an expression reads `$$` (most executions never do).
    var contextExecution: JSONValue {
        var execution = JSONObject(minimumCapacity: 5)
        execution["Id"] = .string(executionArn)
        execution["Input"] = input
        execution["Name"] = .string(name)
        execution["RoleArn"] = .string(roleArn)
        execution["StartTime"] = .string(WallClock.iso8601(milliseconds: startMilliseconds))
        return .object(execution)
    }

    var contextStateMachine: JSONValue { ["Id": .string(machine.arn), "Name": .string(machine.name)] }

    /// Hands out the next history event id and logs the event if the level includes it.
    @inline(__always)
    func event(_ type: @autoclosure () -> String, previous: Int, details: @autoclosure () -> JSONObject) -> Int {
        // Relaxed: see `eventCounter`.
        let id = eventCounter.wrappingAdd(1, ordering: .relaxed).newValue
        if let logSink, logLevel != .off, case let type = type(), logLevel.includes(type) {
            var d = details()
            if !includeExecutionData {
                for key in ["input", "inputDetails", "output", "outputDetails", "parameters", "assignedVariables", "assignedVariablesDetails"] {
                    d.removeValue(forKey: key)
                }
            }
            logSink.write(LogEvent(id: id, previousEventId: previous, type: type,
                                   timestampMilliseconds: environment.wallClock(), executionArn: executionArn, details: d))
        }
        return id
    }

    var loggingEnabled: Bool { logSink != nil && logLevel != .off }

    /// The execution's deadline has passed (reads the clock unless there is none).
    var pastDeadline: Bool {
        // Relaxed: see `deadline`.
        let d = deadline.load(ordering: .relaxed)
        return d != .max && DispatchTime.now().uptimeNanoseconds >= d
    }
}
