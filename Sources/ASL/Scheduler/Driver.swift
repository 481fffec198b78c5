import ASLJSON
import Dispatch
import Synchronization
import WorkStealing

/// A unit of work on the pool.
enum EngineJob: Sendable {
    /// Arm the execution's deadline, then run its top frame.
    case begin(Frame, ExecutionRun, deadlineMilliseconds: Int64)
    /// Run a frame until it suspends.
    case step(Frame, ExecutionRun)
    /// The execution's top frame wakes from a Wait or a Retry backoff (it re-enters admission).
    case wake(Frame, ExecutionRun)
    /// The execution's deadline passed.
    case deadline(ExecutionRun)
    /// A task attempt's TimeoutSeconds passed; `flag` decides between it and the task's result.
    /// `heartbeat`: the limit was HeartbeatSeconds (States.HeartbeatTimeout) rather than TimeoutSeconds.
    case taskTimeout(Frame, ExecutionRun, OnceFlag, seconds: Double, heartbeat: Bool)
    /// A caller's work on a worker (``Engine/onWorker(_:)``), e.g. a batch of input lines.
    case work(@Sendable (WorkerContext<EngineJob>) -> Void)
}

/// Runs frames on the work-stealing pool: runnable frames are jobs, waits are timers, async
/// task handlers run on Swift concurrency and resubmit their frame, children are spawned
/// onto the current worker's queue (where idle workers steal them).
final class Driver: Sendable {
    let pool: WorkStealingPool<EngineJob>
    /// The pool runs on real time, so CPU-bound work checks the execution deadline itself. (On
    /// the virtual clock time stands still while anything runs; only the timer ends executions.)
    let realTime: Bool

    init(workers: Int, clock: PoolClock) {
        realTime = clock == .system
        pool = WorkStealingPool(workers: workers, clock: clock) { job, context in
            Driver.run(job, context)
        }
    }

    /// Milliseconds → the pool's nanosecond clock.
    static func deadline(after milliseconds: Int64, from now: UInt64) -> UInt64 {
        now &+ UInt64(max(0, milliseconds)) &* 1_000_000
    }

    func start(_ frame: Frame, run: ExecutionRun, deadlineMilliseconds: Int64) {
        // The deadline is armed from inside the job: scheduled from outside, an idle pool on the
        // virtual clock could jump straight to it before the execution ever ran.
        pool.submit(.begin(frame, run, deadlineMilliseconds: deadlineMilliseconds))
    }

    static func run(_ job: EngineJob, _ context: WorkerContext<EngineJob>) {
        switch job {
        case .begin(let frame, let run, let deadlineMilliseconds):
            let handle = context.schedule(.deadline(run), at: deadline(after: deadlineMilliseconds, from: context.now))
            run.deadlineTimer.withLock { $0 = handle }
            if run.driver.realTime {
                let now = DispatchTime.now().uptimeNanoseconds
                let (end, overflow) = now.addingReportingOverflow(UInt64(max(0, deadlineMilliseconds)).multipliedReportingOverflow(by: 1_000_000).partialValue)
                // Relaxed: see `ExecutionState.deadline`.
                frame.execution.deadline.store(overflow ? .max - 1 : end, ordering: .relaxed)
            }
            step(frame, run: run, context)
        case .step(let frame, let run):
            // Every resumed frame (a Map iteration, a branch, a yielded loop) looks at the clock,
            // so a fan-out stops at the deadline even when no single frame runs for long.
            if frame.execution.pastDeadline {
                run.finish(.timedOut, output: nil, error: StatesError(StatesError.timeout, nil))
                return
            }
            step(frame, run: run, context)
        case .wake(let frame, let run):
            run.unpark()
            step(frame, run: run, context)
        case .work(let body):
            body(context)
        case .deadline(let run):
            run.finish(.timedOut, output: nil, error: StatesError(StatesError.timeout, nil), worker: context.workerIndex)
        case .taskTimeout(let frame, let run, let flag, let seconds, let heartbeat):
            guard flag.claim() else { return }
            frame.resume = .task(.failure(heartbeat
                ? StatesError.heartbeatTimedOut(after: seconds)
                : StatesError.taskTimedOut(after: seconds)))
            step(frame, run: run, context)
        }
    }

    /// Runs `frame` until it suspends, and arranges for it to continue.
    static func step(_ frame: Frame, run: ExecutionRun, _ context: WorkerContext<EngineJob>) {
        if frame.isAbandoned { return }
        frame.worker = context.workerIndex
        switch Interpreter.run(frame) {
        case .finished(let output):
            ended(frame, .success(output), run: run, context)
        case .failed(let error):
            ended(frame, .failure(error), run: run, context)
        case .sleep(let ms):
            if frame.group == nil {
                // A parked execution holds no running slot, only memory (the caller bounds that).
                run.park()
                context.schedule(.wake(frame, run), at: deadline(after: ms, from: context.now))
            } else {
                context.schedule(.step(frame, run), at: deadline(after: ms, from: context.now))
            }
        case .task(let request, let resolution, let timeout, let heartbeat):
            guard case .async(let handler, let wrap) = resolution else { return }
            let flag = OnceFlag()
            var timer: TimerHandle?
            // Handlers cannot send heartbeats, so HeartbeatSeconds bounds the whole call (when it
            // is the tighter limit) and ends it with States.HeartbeatTimeout.
            let heartbeatFirst = heartbeat.map { h in timeout.map { h < $0 } ?? true } ?? false
            if let limit = heartbeatFirst ? heartbeat : timeout {
                timer = context.schedule(.taskTimeout(frame, run, flag, seconds: Double(limit) / 1000, heartbeat: heartbeatFirst),
                                         at: deadline(after: limit, from: context.now))
            }
            let pool = run.driver.pool
            var request = request
            // A Lambda function behind lambda:invoke receives the Payload, as on AWS.
            if wrap { request.input = request.input["Payload"] ?? .object(JSONObject()) }
            Task { [request] in
                let result: Result<JSONValue, StatesError>
                do {
                    let value = try await handler(request)
                    result = .success(wrap ? TaskInvoker.wrapLambda(value) : value)
                } catch let error as StatesError {
                    result = .failure(error)
                } catch {
                    result = .failure(StatesError.handlerFailed(error))
                }
                // A late result after the task timed out (or the execution ended) is dropped.
                guard flag.claim() else { return }
                if let timer { pool.cancel(timer) }
                frame.resume = .task(result)
                pool.submit(.step(frame, run))
            }
        case .fork(_, let children):
            for child in children { context.spawn(.step(child, run)) }
        case .yield:
            // Behind everything already queued: a long loop shares its worker with other executions.
            run.driver.pool.submit(.step(frame, run))
        case .timedOut:
            run.finish(.timedOut, output: nil, error: StatesError(StatesError.timeout, nil))
        case .abandoned:
            break
        }
    }

    private static func ended(_ frame: Frame, _ outcome: Result<JSONValue, StatesError>, run: ExecutionRun, _ context: WorkerContext<EngineJob>) {
        guard let group = frame.group else {
            switch outcome {
            case .success(let output): run.finish(.succeeded, output: output, error: nil, previousEventId: frame.lastEventId, worker: context.workerIndex)
            case .failure(let error): run.finish(.failed, output: nil, error: error, previousEventId: frame.lastEventId, worker: context.workerIndex)
            }
            return
        }
        if group.isMap {
            let name = frame.execution.program.states[group.parent.state].name
            let type: String
            if case .success = outcome { type = "MapIterationSucceeded" } else { type = "MapIterationFailed" }
            _ = frame.execution.event(type, previous: frame.lastEventId, details: ["index": .int(frame.childIndex), "name": .string(name)])
        }
        switch group.childFinished(frame.childIndex, outcome) {
        case .resumeParent:
            // Continue the parent on this worker: its children's results are hot in cache.
            step(group.parent, run: run, context)
        case .more(let frames):
            for child in frames { context.spawn(.step(child, run)) }
        }
    }
}

/// Lets exactly one of several racing callers proceed (task result vs. its timeout).
final class OnceFlag: Sendable {
    // acquiringAndReleasing: the winner's prior writes are visible to whoever observes the flag set.
    private let done = Atomic<Bool>(false)
    func claim() -> Bool { !done.exchange(true, ordering: .acquiringAndReleasing) }
}
