import ASLJSON
import JSONata
import Dispatch
import Foundation
import Synchronization
import WorkStealing

/// How an ``Engine`` runs executions.
public struct EngineConfiguration: Sendable {
    /// Handlers keyed by Resource ARN (e.g. `arn:aws:states:::sqs:sendMessage`).
    public var resources: [String: ResourceHandler] = [:]
    /// Handlers keyed by Lambda function name or ARN, for `arn:aws:states:::lambda:invoke` and
    /// legacy `arn:aws:lambda:...:function:NAME` resources.
    public var lambdaFunctions: [String: ResourceHandler] = [:]
    /// Real HTTP Tasks (`arn:aws:states:::http:invoke`) with these connections; `nil` (the
    /// default) leaves the resource to a registered handler or mock, so a definition reaches no
    /// network unless the embedder opts in. A handler in ``resources`` for the ARN wins.
    public var http: HTTPTaskConfiguration?
    /// A Step Functions Local mock config and the test case to use.
    public var mockConfig: MockConfig?
    public var mockTestCase: String?
    /// Where execution logs go; nil = no logs.
    public var logSink: LogSink?
    public var logLevel: LogLevel = .off
    public var includeExecutionData = true
    /// Time, UUID and random sources (inject for deterministic tests).
    public var environment = ExecutionEnvironment()
    /// Execution deadline cap: Express's 300 s (a smaller top-level TimeoutSeconds applies first).
    public var maximumDurationSeconds: Double = 300
    public var roleArn = "arn:aws:iam::123456789012:role/aslx"
    /// Worker threads (default: one per core).
    public var workers = ProcessInfo.processInfo.activeProcessorCount
    /// `.system` runs Wait/Retry/timeouts in real time; `.virtual` skips ahead whenever no
    /// execution can run (tests, simulations). With `.virtual`, time also advances while async
    /// task handlers are in flight, so pair it with mocks or immediate handlers.
    public var clock: EngineClock = .system
    /// Executions running at once through ``Engine/submit(_:input:name:completion:)``,
    /// ``Engine/execute(_:input:name:)`` and ``Engine/startWhenAdmitted(_:input:name:completion:)``;
    /// further submissions wait for a slot (backpressure). An execution parked in a Wait state
    /// or a Retry backoff gives its slot back until it wakes (it then takes one back at once,
    /// overshooting briefly if need be), so parked executions are bounded only by the caller.
    public var maxInFlight = 10_000
    /// The memory budget a streaming caller keeps through ``Engine/admission`` (bytes held for
    /// work read and not yet written out); the engine itself only holds it for the caller.
    public var maxMemoryBytes = Int.max
    /// Per-state statistics of the collector's machine (`aslx run --stats`); nil: none kept.
    public var statistics: StatisticsCollector?

    public init() {}
}

/// The time base for Wait states, Retry backoff, task timeouts and execution deadlines.
public enum EngineClock: Sendable {
    /// Real time.
    case system
    /// Time stands still while any execution can run and jumps to the next timer when none can.
    case virtual
}

/// Runs compiled state machines: Express semantics, concurrent executions, 5-minute deadlines.
public final class Engine: Sendable {
    public let configuration: EngineConfiguration
    let driver: Driver
    private let invokers = Mutex<[String: TaskInvoker]>([:])
    /// The one admission control: running slots (``EngineConfiguration/maxInFlight``) and the
    /// caller's memory budget (``EngineConfiguration/maxMemoryBytes``).
    public let admission: Admission
    private let statistics: StatisticsProbe?
    /// ``EngineConfiguration/resources`` plus the HTTP Task when enabled.
    private let resourceHandlers: [String: ResourceHandler]
    /// The configuration's environment as JSONata sees it, shared by every execution.
    private let jsonataEnvironment: JSONataEnvironment

    /// Starts the engine's worker threads.
    public init(_ configuration: EngineConfiguration = EngineConfiguration()) {
        self.configuration = configuration
        self.admission = Admission(running: configuration.maxInFlight, memoryBytes: configuration.maxMemoryBytes)
        self.jsonataEnvironment = configuration.environment.jsonata
        var handlers = configuration.resources
        if let http = configuration.http {
            let client = HTTPTaskClient(http)
            for arn in HTTPTaskClient.resources where handlers[arn] == nil { handlers[arn] = client.handler }
        }
        self.resourceHandlers = handlers
        let driver = Driver(workers: configuration.workers, clock: configuration.clock == .virtual ? .virtual : .system)
        self.driver = driver
        self.statistics = configuration.statistics.map { StatisticsProbe(collector: $0, now: { driver.pool.now }) }
    }

    /// Runs one execution to its end (StartSyncExecution semantics). Waits for a slot first
    /// when ``EngineConfiguration/maxInFlight`` executions are already running.
    public func execute(_ machine: StateMachine, input: JSONValue, name: String? = nil) async -> ExecutionOutcome {
        await admission.enter()
        return await withCheckedContinuation { continuation in
            _ = launch(machine, input: input, name: name, admitted: true) { outcome in
                continuation.resume(returning: outcome)
            }
        }
    }

    /// Starts an execution once a slot is free (async Express semantics with backpressure):
    /// returns the execution ARN as soon as it has started; `completion` gets the outcome.
    @discardableResult
    public func submit(_ machine: StateMachine, input: JSONValue, name: String? = nil,
                       completion: @escaping @Sendable (ExecutionOutcome) -> Void = { _ in }) async -> String {
        await admission.enter()
        return launch(machine, input: input, name: name, admitted: true, completion: completion)
    }

    /// ``submit(_:input:name:completion:)`` for a plain thread: blocks the calling thread until
    /// a slot is free, then starts the execution and returns its ARN. Never call it from a Swift
    /// task or from a handler running on the engine.
    @discardableResult
    public func startWhenAdmitted(_ machine: StateMachine, input: JSONValue, name: String? = nil,
                                  completion: @escaping @Sendable (ExecutionOutcome) -> Void) -> String {
        admission.enterBlocking()
        return launch(machine, input: input, name: name, admitted: true, completion: completion)
    }

    /// Task resolution for a machine (its mock test case resolved once, then shared).
    private func invoker(for machine: StateMachine) throws(StatesError) -> TaskInvoker {
        if let cached = invokers.withLock({ $0[machine.name] }) { return cached }
        var mocks: [String: MockConfig.MockedResponse]?
        if let config = configuration.mockConfig {
            mocks = try config.testCase(configuration.mockTestCase ?? "", machine: machine.name)
        }
        let invoker = TaskInvoker(handlers: resourceHandlers, lambdaFunctions: configuration.lambdaFunctions, mocks: mocks)
        invokers.withLock { $0[machine.name] = invoker }
        return invoker
    }

    /// Starts an execution at once, without admission control, and returns its ARN;
    /// `completion` receives the outcome. Callers bound their own in-flight count.
    @discardableResult
    public func start(_ machine: StateMachine, input: JSONValue, name: String? = nil,
                      completion: @escaping @Sendable (ExecutionOutcome) -> Void) -> String {
        launch(machine, input: input, name: name, admitted: false, completion: completion)
    }

    /// Starts an execution; `admitted`: it holds an admission slot, given back when it ends.
    /// `context`: run it at once on this worker (``EngineWorker``) instead of queueing it.
    func launch(_ machine: StateMachine, input: JSONValue, name: String?, admitted: Bool,
                on context: WorkerContext<EngineJob>? = nil,
                completion: @escaping @Sendable (ExecutionOutcome) -> Void) -> String {
        let environment = configuration.environment
        let executionName = name ?? environment.uuid()
        let arn = "arn:aws:states:\(machine.region):\(machine.account):express:\(machine.name):\(executionName):\(environment.uuid())"
        let start = environment.wallClock()
        var setupError: StatesError?
        let tasks: TaskInvoker
        do throws(StatesError) {
            tasks = try invoker(for: machine)
        } catch {
            setupError = error
            tasks = TaskInvoker(handlers: [:], lambdaFunctions: [:], mocks: nil)
        }
        let statistics = self.statistics.flatMap { $0.collector.program === machine.program ? $0 : nil }
        let execution = ExecutionState(
            program: machine.program, machine: machine, executionArn: arn, name: executionName, input: input,
            startMilliseconds: start, environment: environment,
            tasks: tasks,
            logSink: configuration.logSink, logLevel: configuration.logLevel,
            includeExecutionData: configuration.includeExecutionData, roleArn: configuration.roleArn,
            statistics: statistics, startNanos: statistics?.now() ?? 0,
            jsonataEnvironment: jsonataEnvironment)
        let run = ExecutionRun(execution: execution, driver: driver, admission: admitted ? admission : nil, completion: completion)
        _ = execution.event("ExecutionStarted", previous: 0, details: ["input": .string(input.description), "inputDetails": ["truncated": false], "roleArn": .string(configuration.roleArn)])
        if let setupError {
            run.finish(.failed, output: nil, error: setupError)
            return arn
        }
        let frame = Frame(execution: execution, scope: 0, input: input, variables: VariableScope(execution: execution), group: nil, childIndex: 0, previousEventId: 0)
        var limit = configuration.maximumDurationSeconds
        if let t = machine.program.timeoutSeconds { limit = min(limit, Double(t)) }
        // The configured limit is the embedder's Double: bound it before converting.
        let deadline = limit > 0 ? Int64(min(limit, 99_999_999) * 1000) : 0
        if let context {
            Driver.run(.begin(frame, run, deadlineMilliseconds: deadline), context)
        } else {
            driver.start(frame, run: run, deadlineMilliseconds: deadline)
        }
        return arn
    }
}

/// Completion bookkeeping for one execution.
final class ExecutionRun: Sendable {
    let execution: ExecutionState
    /// Strong: the driver (and its threads) stays alive while any execution is running.
    let driver: Driver
    let completion: @Sendable (ExecutionOutcome) -> Void
    /// The deadline timer, cancelled when the execution ends first (so finished executions
    /// don't leave 5-minute timers behind).
    let deadlineTimer = Mutex<TimerHandle?>(nil)
    /// The admission slot this execution holds while it runs (nil: started without admission).
    private let gate: Admission?
    /// Whether the top frame is parked (its slot given back) and whether the execution ended;
    /// under one lock so that a deadline ending a parked execution cannot give a slot back twice.
    private let admission = Mutex<(parked: Bool, ended: Bool)>((false, false))

    init(execution: ExecutionState, driver: Driver, admission gate: Admission?, completion: @escaping @Sendable (ExecutionOutcome) -> Void) {
        self.execution = execution
        self.driver = driver
        self.gate = gate
        self.completion = completion
    }

    /// The top frame sleeps (Wait, Retry backoff): give the running slot back.
    func park() {
        guard let gate else { return }
        admission.withLock { a in
            guard !a.ended, !a.parked else { return }
            a.parked = true
            gate.leave()
        }
    }

    /// The top frame wakes: take a slot back without waiting.
    func unpark() {
        guard let gate else { return }
        admission.withLock { a in
            guard !a.ended, a.parked else { return }
            a.parked = false
            gate.reenter()
        }
    }

    /// The execution ended: give its slot back unless it is parked (then it was given back already).
    private func releaseAdmission() {
        guard let gate else { return }
        admission.withLock { a in
            guard !a.ended else { return }
            a.ended = true
            if !a.parked { gate.leave() }
        }
    }

    /// Ends the execution once; later calls (a deadline after success, a late task) do nothing.
    /// `worker`: the pool worker calling (-1 off the pool), for statistics.
    func finish(_ status: ExecutionStatus, output: JSONValue?, error: StatesError?, previousEventId: Int = 0, worker: Int = -1) {
        // acquiringAndReleasing: exactly one caller wins; frames that later load `finished` (acquiring) stop.
        guard !execution.finished.exchange(true, ordering: .acquiringAndReleasing) else { return }
        execution.statistics?.executionEnded(execution, status, worker: worker)
        if status != .timedOut, let timer = deadlineTimer.withLock({ $0 }) { driver.pool.cancel(timer) }
        let e = execution
        switch status {
        case .succeeded:
            _ = e.event("ExecutionSucceeded", previous: previousEventId, details: ["output": .string(output?.description ?? "null"), "outputDetails": ["truncated": false]])
        case .failed:
            var d = JSONObject()
            if let error { d["error"] = .string(error.error); if let c = error.cause { d["cause"] = .string(c) } }
            _ = e.event("ExecutionFailed", previous: previousEventId, details: d)
        case .timedOut:
            _ = e.event("ExecutionTimedOut", previous: 0, details: ["error": .string(StatesError.timeout)])
        }
        releaseAdmission()
        completion(ExecutionOutcome(
            executionArn: e.executionArn, stateMachineArn: e.machine.arn, name: e.name, status: status,
            startDate: e.startMilliseconds, stopDate: e.environment.wallClock(),
            output: status == .succeeded ? output : nil,
            error: status == .succeeded ? nil : error?.error, cause: status == .succeeded ? nil : error?.cause))
    }
}
