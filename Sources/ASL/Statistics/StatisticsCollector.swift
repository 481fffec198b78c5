import ASLJSON
import Synchronization

/// Per-state and per-execution statistics of every execution of one state machine on an
/// ``Engine`` (`aslx run --stats`).
///
/// Each worker thread records into its own ``StatisticsShard`` with plain (relaxed) loads and
/// stores, so recording costs a few memory writes per state and no lock or read-modify-write;
/// ``snapshot()`` sums the shards. Durations come from the engine's clock (virtual time under
/// `EngineClock.virtual`).
///
/// ```swift
/// let stats = StatisticsCollector(machine: machine, workers: configuration.workers)
/// configuration.statistics = stats
/// // ... run executions ...
/// print(stats.snapshot().json)
/// ```
public final class StatisticsCollector: Sendable {
    /// The program whose executions are counted (executions of other machines are not).
    public let program: Program
    let shards: [StatisticsShard]
    /// Callers that are not pool workers (an execution that fails before it starts, TestState).
    let sharedShard: StatisticsShard

    /// `workers`: the engine's worker count (``EngineConfiguration/workers``); a worker with a
    /// higher index records into a shared, atomically updated shard.
    public init(machine: StateMachine, workers: Int) {
        program = machine.program
        let states = machine.program.states.count
        shards = (0..<max(1, workers)).map { _ in StatisticsShard(states: states, shared: false) }
        sharedShard = StatisticsShard(states: states, shared: true)
    }

    @inline(__always)
    func shard(_ worker: Int) -> StatisticsShard {
        worker >= 0 && worker < shards.count ? shards[worker] : sharedShard
    }

    /// Sums every shard. Safe to call while executions run (each counter is read atomically;
    /// counters of one state may be a few events apart from each other).
    public func snapshot() -> StatisticsSnapshot {
        let all = shards + [sharedShard]
        var states: [StatisticsSnapshot.State] = []
        let width = StatisticsShard.stateWidth
        for (i, info) in program.states.enumerated() {
            var sums = [UInt64](repeating: 0, count: width)
            var maxTime: UInt64 = 0
            var errors: [String: UInt64] = [:]
            for shard in all {
                let base = i * width
                for k in 0..<width where k != StatisticsShard.maxTime {
                    sums[k] &+= shard.load(base + k)
                }
                maxTime = max(maxTime, shard.load(base + StatisticsShard.maxTime))
                for (key, n) in shard.errorCounts(state: i) { errors[key, default: 0] &+= n }
            }
            let buckets = Array(sums[StatisticsShard.buckets...])
            states.append(.init(
                name: info.name, type: info.kind.rawValue, entries: sums[StatisticsShard.entries],
                successes: sums[StatisticsShard.successes], errors: errors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                retries: sums[StatisticsShard.retries], catches: sums[StatisticsShard.catches],
                time: .init(buckets: buckets, max: maxTime)))
        }
        var executions = [UInt64](repeating: 0, count: StatisticsShard.executionWidth)
        var maxDuration: UInt64 = 0
        let execBase = program.states.count * width
        for shard in all {
            for k in 0..<StatisticsShard.executionWidth where k != StatisticsShard.execMax {
                executions[k] &+= shard.load(execBase + k)
            }
            maxDuration = max(maxDuration, shard.load(execBase + StatisticsShard.execMax))
        }
        return StatisticsSnapshot(
            states: states,
            succeeded: executions[StatisticsShard.execSucceeded], failed: executions[StatisticsShard.execFailed],
            timedOut: executions[StatisticsShard.execTimedOut],
            duration: .init(buckets: Array(executions[StatisticsShard.execBuckets...]), max: maxDuration))
    }
}

/// One worker's counters. Written by one thread only (unless `shared`), read by ``StatisticsCollector/snapshot()``.
///
/// The cells are `Atomic<UInt64>`: the owner increments with a relaxed load and a relaxed store
/// (no read-modify-write: nobody else writes them), and a snapshot reads them relaxed. Relaxed is
/// enough because no other memory is published through a counter; the final snapshot after the
/// engine is idle is ordered by the completion handoff that told the caller the run was over.
/// The shared shard takes writers from any thread and uses relaxed `wrappingAdd` instead.
final class StatisticsShard: Sendable {
    // Per-state cell layout.
    static let entries = 0, successes = 1, retries = 2, catches = 3, maxTime = 4, buckets = 5
    static let stateWidth = buckets + LogHistogram.bucketCount
    // Per-execution cell layout, after the states.
    static let execSucceeded = 0, execFailed = 1, execTimedOut = 2, execMax = 3, execBuckets = 4
    static let executionWidth = execBuckets + LogHistogram.bucketCount

    let shared: Bool
    let states: Int
    nonisolated(unsafe) let cells: UnsafeMutablePointer<Atomic<UInt64>>
    let count: Int
    /// (state index, error name) → count. Errors are off the fast path, so a lock is fine here.
    let errors = Mutex<[Int: [String: UInt64]]>([:])

    init(states: Int, shared: Bool) {
        self.shared = shared
        self.states = states
        count = states * Self.stateWidth + Self.executionWidth
        cells = .allocate(capacity: count)
        for i in 0..<count { (cells + i).initialize(to: Atomic(0)) }
    }

    deinit {
        cells.deinitialize(count: count)
        cells.deallocate()
    }

    @inline(__always)
    func load(_ i: Int) -> UInt64 { cells[i].load(ordering: .relaxed) }

    @inline(__always)
    func add(_ i: Int, _ n: UInt64 = 1) {
        if shared {
            cells[i].wrappingAdd(n, ordering: .relaxed)
        } else {
            // Single writer: see the type's comment.
            cells[i].store(cells[i].load(ordering: .relaxed) &+ n, ordering: .relaxed)
        }
    }

    @inline(__always)
    func raiseMax(_ i: Int, _ value: UInt64) {
        if shared {
            var current = cells[i].load(ordering: .relaxed)
            while value > current {
                let (exchanged, original) = cells[i].compareExchange(expected: current, desired: value, ordering: .relaxed)
                if exchanged { return }
                current = original
            }
        } else if value > cells[i].load(ordering: .relaxed) {
            cells[i].store(value, ordering: .relaxed)
        }
    }

    func errorCounts(state: Int) -> [String: UInt64] { errors.withLock { $0[state] ?? [:] } }

    // MARK: - Recording

    @inline(__always)
    func entered(_ state: Int) { add(state * Self.stateWidth + Self.entries) }

    @inline(__always)
    func time(_ state: Int, _ nanoseconds: UInt64) {
        let base = state * Self.stateWidth
        add(base + Self.buckets + LogHistogram.bucket(nanoseconds))
        raiseMax(base + Self.maxTime, nanoseconds)
    }

    @inline(__always)
    func succeeded(_ state: Int, _ nanoseconds: UInt64) {
        add(state * Self.stateWidth + Self.successes)
        time(state, nanoseconds)
    }

    enum ErrorOutcome { case retried, caught, failed }

    func raised(_ state: Int, _ error: String, _ outcome: ErrorOutcome, _ nanoseconds: UInt64) {
        errors.withLock { $0[state, default: [:]][error, default: 0] &+= 1 }
        let base = state * Self.stateWidth
        switch outcome {
        case .retried: add(base + Self.retries); return
        case .caught: add(base + Self.catches)
        case .failed: break
        }
        time(state, nanoseconds)
    }

    func executionEnded(_ status: ExecutionStatus, _ nanoseconds: UInt64) {
        let base = states * Self.stateWidth
        switch status {
        case .succeeded: add(base + Self.execSucceeded)
        case .failed: add(base + Self.execFailed)
        case .timedOut: add(base + Self.execTimedOut)
        }
        add(base + Self.execBuckets + LogHistogram.bucket(nanoseconds))
        raiseMax(base + Self.execMax, nanoseconds)
    }
}

/// What an engine's clock and a collector need at run time; one per ``Engine``.
final class StatisticsProbe: Sendable {
    let collector: StatisticsCollector
    let now: @Sendable () -> UInt64

    init(collector: StatisticsCollector, now: @escaping @Sendable () -> UInt64) {
        self.collector = collector
        self.now = now
    }
}

// The interpreter's hooks: one call at state entry, exit, error and execution end.
extension StatisticsProbe {
    @inline(__always)
    func entered(_ f: Frame) {
        collector.shard(f.worker).entered(f.state)
        f.stateStartedAt = now()
    }

    @inline(__always)
    func succeeded(_ f: Frame) {
        collector.shard(f.worker).succeeded(f.state, now() &- f.stateStartedAt)
    }

    func raised(_ f: Frame, _ error: String, _ outcome: StatisticsShard.ErrorOutcome) {
        guard f.state >= 0 else { return }
        collector.shard(f.worker).raised(f.state, error, outcome, outcome == .retried ? 0 : now() &- f.stateStartedAt)
    }

    func executionEnded(_ execution: ExecutionState, _ status: ExecutionStatus, worker: Int) {
        collector.shard(worker).executionEnded(status, now() &- execution.startNanos)
    }
}
