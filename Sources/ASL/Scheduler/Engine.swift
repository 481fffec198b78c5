import ASLJSON
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
    /// Executions admitted at once through ``Engine/submit(_:input:name:completion:)`` and
    /// ``Engine/execute(_:input:name:)``; further submissions wait for a slot (backpressure).
    public var maxInFlight = 10_000

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
    private let gate: AdmissionGate

    /// Starts the engine's worker threads.
    public init(_ configuration: EngineConfiguration = EngineConfiguration()) {
        self.configuration = configuration
        self.gate = AdmissionGate(limit: configuration.maxInFlight)
        self.driver = Driver(workers: configuration.workers, clock: configuration.clock == .virtual ? .virtual : .system)
    }

    /// Runs one execution to its end (StartSyncExecution semantics). Waits for a slot first
    /// when ``EngineConfiguration/maxInFlight`` executions are already running.
    public func execute(_ machine: StateMachine, input: JSONValue, name: String? = nil) async -> ExecutionOutcome {
        await gate.enter()
        return await withCheckedContinuation { continuation in
            start(machine, input: input, name: name) { outcome in
                self.gate.leave()
                continuation.resume(returning: outcome)
            }
        }
    }

    /// Starts an execution once a slot is free (async Express semantics with backpressure):
    /// returns the execution ARN as soon as it has started; `completion` gets the outcome.
    @discardableResult
    public func submit(_ machine: StateMachine, input: JSONValue, name: String? = nil,
                       completion: @escaping @Sendable (ExecutionOutcome) -> Void = { _ in }) async -> String {
        await gate.enter()
        return start(machine, input: input, name: name) { outcome in
            completion(outcome)
            self.gate.leave()
        }
    }

    /// Task resolution for a machine (its mock test case resolved once, then shared).
    private func invoker(for machine: StateMachine) throws(StatesError) -> TaskInvoker {
        if let cached = invokers.withLock({ $0[machine.name] }) { return cached }
        var mocks: [String: MockConfig.MockedResponse]?
        if let config = configuration.mockConfig {
            mocks = try config.testCase(configuration.mockTestCase ?? "", machine: machine.name)
        }
        let invoker = TaskInvoker(handlers: configuration.resources, lambdaFunctions: configuration.lambdaFunctions, mocks: mocks)
        invokers.withLock { $0[machine.name] = invoker }
        return invoker
    }

    /// Starts an execution at once, without admission control, and returns its ARN;
    /// `completion` receives the outcome. Callers bound their own in-flight count.
    @discardableResult
    public func start(_ machine: StateMachine, input: JSONValue, name: String? = nil,
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
        let execution = ExecutionState(
            program: machine.program, machine: machine, executionArn: arn, name: executionName, input: input,
            startMilliseconds: start, environment: environment,
            tasks: tasks,
            logSink: configuration.logSink, logLevel: configuration.logLevel,
            includeExecutionData: configuration.includeExecutionData, roleArn: configuration.roleArn)
        let run = ExecutionRun(execution: execution, driver: driver, completion: completion)
        _ = execution.event("ExecutionStarted", previous: 0, details: ["input": .string(input.description), "inputDetails": ["truncated": false], "roleArn": .string(configuration.roleArn)])
        if let setupError {
            run.finish(.failed, output: nil, error: setupError)
            return arn
        }
        let frame = Frame(execution: execution, scope: 0, input: input, variables: VariableScope(execution: execution), group: nil, childIndex: 0, previousEventId: 0)
        var limit = configuration.maximumDurationSeconds
        if let t = machine.program.timeoutSeconds { limit = min(limit, Double(t)) }
        driver.start(frame, run: run, deadlineMilliseconds: Int64(limit * 1000))
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

    init(execution: ExecutionState, driver: Driver, completion: @escaping @Sendable (ExecutionOutcome) -> Void) {
        self.execution = execution
        self.driver = driver
        self.completion = completion
    }

    /// Ends the execution once; later calls (a deadline after success, a late task) do nothing.
    func finish(_ status: ExecutionStatus, output: JSONValue?, error: StatesError?, previousEventId: Int = 0) {
        // acquiringAndReleasing: exactly one caller wins; frames that later load `finished` (acquiring) stop.
        guard !execution.finished.exchange(true, ordering: .acquiringAndReleasing) else { return }
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
        completion(ExecutionOutcome(
            executionArn: e.executionArn, stateMachineArn: e.machine.arn, name: e.name, status: status,
            startDate: e.startMilliseconds, stopDate: e.environment.wallClock(),
            output: status == .succeeded ? output : nil,
            error: status == .succeeded ? nil : error?.error, cause: status == .succeeded ? nil : error?.cause))
    }
}
