#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A fixed set of worker threads that run jobs of type `Job`, with per-worker lock-free queues,
/// work stealing, parking of idle workers, and a timer wheel.
///
/// ```swift
/// let pool = WorkStealingPool<Int>(workers: 2) { n, context in
///     if n > 0 {
///         context.spawn(n - 1)                             // stealable by idle workers
///         context.schedule(n - 1, at: context.now + 1_000_000)  // runs 1 ms later
///     }
/// }
/// pool.submit(10)
/// pool.shutdown()   // runs everything queued or pending, then joins the threads
/// ```
///
/// Jobs run until they return; a job that has to wait (for a timer, or for other jobs) returns and
/// gets submitted, spawned or scheduled again when it can continue. No thread ever sleeps on
/// behalf of a single job, so a hundred thousand waiting jobs cost only their timer entries.
///
/// - `submit(_:)` (any thread) goes through a global queue; `WorkerContext.spawn(_:)` (inside a
///   job) pushes onto the running worker's own queue, which is cheaper and lock-free.
/// - Jobs on one worker's queue run in FIFO order; there is no global ordering between workers.
/// - With `PoolClock.virtual`, time stands still while there is work and jumps to the next timer
///   when the pool is idle.
///
/// Thread safety: every method may be called from any thread, except that `shutdown()` and
/// `shutdownNow()` must not be called from a job (they wait for the workers to exit).
/// Documentation/Scheduler.md describes the design.
public final class WorkStealingPool<Job: Sendable>: Sendable {
    @usableFromInline let core: PoolCore<Job>
    /// Worker thread handles; emptied by the first `shutdown` / `shutdownNow`.
    @usableFromInline let threads = Locked<[pthread_t]>([])

    /// Starts the workers.
    ///
    /// - Parameters:
    ///   - workers: number of worker threads (default: one per active core).
    ///   - localCapacity: slots in each worker's ring; rounded up to a power of two (minimum 2).
    ///     When a ring is full, half of it moves to the global queue. tokio uses 256.
    ///   - clock: `.system` (real time) or `.virtual` (jumps to the next timer when idle).
    ///   - run: runs one job on a worker thread. The context spawns jobs onto that worker's queue.
    @inlinable
    public convenience init(
        workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        localCapacity: Int = 256,
        clock: PoolClock = .system,
        run: @escaping @Sendable (Job, WorkerContext<Job>) -> Void
    ) {
        self.init(workers: workers, localCapacity: localCapacity, clock: clock,
                  beforeBlock: nil, run: run)
    }

    /// The designated initialiser; `beforeBlock` is a DEBUG-only test seam (see
    /// `PoolCore._beforeBlock`) that must be set before the threads start.
    @inlinable
    init(workers: Int, localCapacity: Int, clock: PoolClock,
         beforeBlock: ((Int) -> Void)?,
         run: @escaping @Sendable (Job, WorkerContext<Job>) -> Void) {
        var capacity = 2
        while capacity < localCapacity { capacity <<= 1 }
        core = PoolCore(workers: max(1, workers), localCapacity: capacity, clock: clock, run: run)
        #if DEBUG
        core._beforeBlock = beforeBlock
        #endif
        let core = self.core
        var handles: [pthread_t] = []
        for index in 0..<core.workerCount {
            handles.append(startThread {
                Worker(index: index, core: core).run()
            })
        }
        threads.withLock { $0 = handles }
    }

    deinit {
        // Without a `shutdown()` the threads would wait forever; let them finish the queued work
        // and exit on their own (they hold the core, not the pool).
        let handles = threads.withLock { $0 }
        if handles.isEmpty { return }
        beginShutdown()
        for thread in handles { pthread_detach(thread) }
    }

    /// Number of worker threads.
    @inlinable public var workerCount: Int { core.workerCount }

    /// The pool's clock in nanoseconds (0 when the pool was created).
    @inlinable public var now: UInt64 { core.clock.now }

    /// Queues `job` to run on some worker. Callable from any thread, including from jobs
    /// (though a job should prefer `WorkerContext.spawn(_:)`). Must not be called after
    /// `shutdown()` or `shutdownNow()` has begun, except from jobs of this pool during `shutdown()`.
    @inlinable
    public func submit(_ job: Job) {
        precondition(!core.terminated.load(ordering: .relaxed) && !core.aborted.load(ordering: .relaxed),
                     "submit after the pool shut down")
        core.injector.push(job)
        core.notifyParked()
    }

    /// Makes `job` runnable when the pool's clock reaches `deadline` (nanoseconds on `now`'s
    /// scale). A deadline that has already passed submits the job at once. The timer costs one
    /// slab entry; no thread waits for it. Timers fire in deadline order with 1 ms resolution.
    ///
    /// - Returns: a handle for `cancel(_:)`.
    @inlinable @discardableResult
    public func schedule(_ job: Job, at deadline: UInt64) -> TimerHandle {
        core.schedule(job, at: deadline)
    }

    /// Cancels a pending timer. Returns true if the job will not run, false if it already fired
    /// (or was cancelled before).
    @inlinable @discardableResult
    public func cancel(_ timer: TimerHandle) -> Bool {
        core.cancel(timer)
    }

    /// Runs every queued job, every job those jobs spawn, and every pending timer (on the system
    /// clock this waits for their deadlines; on the virtual clock they fire at once), then joins the
    /// threads. Later calls return at once. Do not call it from a job.
    public func shutdown() {
        let handles = threads.withLock { t -> [pthread_t] in
            let all = t
            t.removeAll()
            return all
        }
        if handles.isEmpty { return }
        precondition(!handles.contains { pthread_equal($0, pthread_self()) != 0 },
                     "shutdown() called from a job of the same pool")
        beginShutdown()
        for thread in handles { pthread_join(thread, nil) }
    }

    /// Stops the workers after the jobs they are running, joins them, and hands back every job
    /// that had not started: queued jobs and the jobs of pending timers, in no particular order.
    public func shutdownNow() -> [Job] {
        let handles = threads.withLock { t -> [pthread_t] in
            let all = t
            t.removeAll()
            return all
        }
        if handles.isEmpty { return [] }
        precondition(!handles.contains { pthread_equal($0, pthread_self()) != 0 },
                     "shutdownNow() called from a job of the same pool")
        // Sequentially consistent: workers check it after the fence in `Worker.park`.
        core.aborted.store(true, ordering: .sequentiallyConsistent)
        for worker in core.idle.wakeAll() { core.parkers[worker].unpark() }
        for thread in handles { pthread_join(thread, nil) }
        // The threads are joined, so this thread may act as every queue's owner.
        var jobs: [Job] = []
        for stealer in core.stealers {
            let queue = LocalQueue(buffer: stealer.buffer)
            while let job = queue.pop() { jobs.append(job) }
        }
        jobs.append(contentsOf: core.injector.drain())
        jobs.append(contentsOf: core.timers.withLock { wheel in
            let drained = wheel.drain()
            core.updateTimerHints(wheel)
            return drained
        })
        return jobs
    }

    private func beginShutdown() {
        // Sequentially consistent: the last worker reads it after the fence in `Worker.park`;
        // workers that parked before this store are woken below.
        core.shuttingDown.store(true, ordering: .sequentiallyConsistent)
        for worker in core.idle.wakeAll() { core.parkers[worker].unpark() }
    }
}

// MARK: - Threads

@usableFromInline
final class ThreadBody {
    let body: () -> Void
    @usableFromInline init(_ body: @escaping () -> Void) { self.body = body }
}

/// Starts a joinable thread. (Foundation's `Thread` cannot be joined.)
@usableFromInline
func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    #if canImport(Glibc)
    var thread = pthread_t()
    #else
    var thread: pthread_t?
    #endif
    let result = pthread_create(&thread, nil, { raw in
        Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().body()
        return nil
    }, context)
    precondition(result == 0, "pthread_create failed: \(result)")
    #if canImport(Glibc)
    return thread
    #else
    return thread!
    #endif
}
