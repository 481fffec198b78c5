import Synchronization

// A worker thread's life (the order matters; Documentation/Scheduler.md explains each step):
//
// 1. Between jobs: poll the timers if the earliest one is due.
// 2. Every `globalQueueInterval`-th job, take one job from the injector first, so external
//    submissions and fired timers are not starved by a worker that keeps spawning.
// 3. Pop the local queue; if empty, refill it with a batch from the injector.
// 4. Still nothing: become a searcher (at most half the workers search) and steal half of a random
//    victim's queue; then try the injector once more.
// 5. Nothing found: park. Record the worker as parked (`Idle.transitionToParked`), issue a
//    sequentially consistent fence, then re-check:
//      a. if `shutdownNow()` was called or the pool terminated, exit; read the `shutdown()` flag
//         now, before looking at the queues, so work submitted before it was set is seen in b;
//      b. if this was the last searcher or the last unparked worker and any queue has work,
//         unpark itself and go back to 1;
//      c. if it is the last unparked worker, no queue has work and timers are pending: on the
//         virtual clock, jump the clock to the earliest timer and go back to 1; on the system
//         clock, fall through to 6;
//      d. if it is the last unparked worker, nothing is queued, no timer is pending and
//         `shutdown()` was called: terminate the pool (wake everyone; all exit);
// 6. Block: as the timer driver (system clock, timers pending, role free) with a timeout at the
//    next expiry, otherwise until unparked. On waking, exit if the pool terminated or was aborted;
//    otherwise go back to 1 (as a searcher if a notifier woke it for work).
//
// Shutdown therefore runs every queued job and every pending timer (on the system clock the pool
// waits for them; on the virtual clock they fire at once), and only then do the threads exit.

/// One worker thread's private state. Only its own thread touches it.
@usableFromInline
final class Worker<Job: Sendable> {
    /// Check the injector before the local queue every this many jobs. 61 is tokio's default
    /// `global_queue_interval`, which tokio describes as picked without a specific benchmark.
    @inlinable static var globalQueueInterval: UInt32 { 61 }
    /// Steal rounds over all victims while some victim answers `.retry`. Picked out of thin air:
    /// a retry means another thief is mid-copy, which takes well under a microsecond.
    @inlinable static var stealRounds: Int { 4 }

    @usableFromInline let index: Int
    @usableFromInline let core: PoolCore<Job>
    @usableFromInline let local: LocalQueue<Job>
    @usableFromInline var isSearching = false
    @usableFromInline var tick: UInt32 = 0
    @usableFromInline var rng: UInt64

    @usableFromInline
    init(index: Int, core: PoolCore<Job>) {
        self.index = index
        self.core = core
        local = LocalQueue(buffer: core.stealers[index].buffer)
        rng = 0x9E37_79B9_7F4A_7C15 &* UInt64(index + 1) | 1
    }

    /// The worker thread's body.
    @inlinable
    func run() {
        while true {
            // Relaxed: a fast exit; the authoritative check is after the fence in `park`.
            if core.aborted.load(ordering: .relaxed) { return }
            tick &+= 1
            core.pollTimersIfDue()
            if let job = nextLocalOrInjected() ?? stealWork() {
                execute(job)
                continue
            }
            if !park() { return }
        }
    }

    @inlinable
    func execute(_ job: Job) {
        if isSearching {
            isSearching = false
            // The last searcher found work: there may be more, so get someone else searching.
            if core.idle.transitionFromSearching() { core.notifyParked() }
        }
        core.run(job, WorkerContext(worker: self))
    }

    @inlinable
    func spawn(_ job: Job) {
        local.push(job, overflow: core.injector)
        core.notifyParked()
    }

    @inlinable
    func nextLocalOrInjected() -> Job? {
        if tick % Worker.globalQueueInterval == 0, let job = core.injector.pop() {
            return job
        }
        if let job = local.pop() { return job }
        return refillFromInjector()
    }

    @inlinable
    func refillFromInjector() -> Job? {
        let queued = core.injector.count
        if queued == 0 { return nil }
        // tokio's batch: a fair share of the injector, at most half our ring.
        let limit = min(queued / core.workerCount + 1, local.remainingSlots, local.capacity / 2)
        return core.injector.pop(into: local, limit: max(limit, 1))
    }

    @inlinable
    func stealWork() -> Job? {
        if !isSearching {
            if !core.idle.transitionToSearching() { return nil }
            isSearching = true
        }
        let n = core.workerCount
        if n > 1 {
            for _ in 0..<Worker.stealRounds {
                var sawRetry = false
                let start = Int(nextRandom() % UInt64(n))
                for offset in 0..<n {
                    let victim = (start + offset) % n
                    if victim == index { continue }
                    switch core.stealers[victim].steal(into: local) {
                    case .success(let job): return job
                    case .retry: sawRetry = true
                    case .empty: break
                    }
                }
                if !sawRetry { break }
            }
        }
        return refillFromInjector()
    }

    /// Returns false when the thread should exit.
    @usableFromInline
    func park() -> Bool {
        let wasSearching = isSearching
        isSearching = false
        let (lastSearcher, unparked) = core.idle.transitionToParked(index, isSearching: wasSearching)
        // Sequentially consistent fence: we are recorded as parked (and not searching) before it
        // and re-check the queues and flags after it. Pairs with the fence in
        // `PoolCore.notifyParked` (and those in `schedule`, `shutdown`).
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        if core.aborted.load(ordering: .sequentiallyConsistent)
            || core.terminated.load(ordering: .sequentiallyConsistent) {
            return false
        }
        // Read before the re-check below, so that everything submitted or scheduled before
        // `shutdown()` set the flag is visible to that re-check (reading it after the re-check
        // once let the pool terminate with a job that had just been submitted).
        let shutdownRequested = core.shuttingDown.load(ordering: .sequentiallyConsistent)
        if lastSearcher || unparked == 0 {
            if core.anyWorkVisible() {
                isSearching = core.idle.returnFromPark(index)
                return true
            }
        }
        // Acquiring: pairs with the releasing store under the timer lock. A stale "none" is
        // covered because `schedule` wakes a parked worker after inserting.
        let timersPending = core.pendingTimers.load(ordering: .acquiring) > 0
        if unparked == 0 {
            if timersPending && core.clock.isVirtual {
                isSearching = core.idle.returnFromPark(index)
                core.advanceVirtualClock()
                return true
            }
            if !timersPending && shutdownRequested {
                core.terminate()
                return false
            }
        }

        #if DEBUG
        core._beforeBlock?(index)
        #endif

        if timersPending && !core.clock.isVirtual
            && core.driver.compareExchange(expected: -1, desired: index,
                                           ordering: .sequentiallyConsistent).exchanged {
            parkAsTimerDriver()
        } else {
            core.parkers[index].park()
        }

        if core.aborted.load(ordering: .sequentiallyConsistent)
            || core.terminated.load(ordering: .sequentiallyConsistent) {
            return false
        }
        isSearching = core.idle.returnFromPark(index)
        return true
    }

    /// Blocks until the next timer expiry (or an unpark), then fires what is due.
    func parkAsTimerDriver() {
        // Sequentially consistent store then load: pairs with `schedule`, which stores
        // `nextTimerNanos` and then loads `driverWakeAt`. Either it sees our wake time and
        // unparks us for an earlier timer, or we see its timer here.
        core.driverWakeAt.store(core.nextTimerNanos.load(ordering: .sequentiallyConsistent),
                                ordering: .sequentiallyConsistent)
        let wakeAt = core.nextTimerNanos.load(ordering: .sequentiallyConsistent)
        let now = core.clock.now
        if wakeAt > now {
            core.parkers[index].park(timeout: wakeAt == .max ? nil : wakeAt - now)
        }
        core.driverWakeAt.store(.max, ordering: .sequentiallyConsistent)
        core.driver.store(-1, ordering: .sequentiallyConsistent)
        core.pollTimers()
        // About to run jobs (possibly long ones) with timers still pending: hand the driver role
        // to a parked worker, which takes it when it goes back to sleep.
        if core.pendingTimers.load(ordering: .acquiring) > 0, core.anyWorkVisible(),
           core.idle.unparkedCount < core.workerCount,
           let other = core.idle.wakeAny() {
            core.parkers[other].unpark()
        }
    }

    @inlinable
    func nextRandom() -> UInt64 {
        // xorshift64*
        rng ^= rng >> 12
        rng ^= rng << 25
        rng ^= rng >> 27
        return rng &* 0x2545_F491_4F6C_DD1D
    }
}

extension LocalQueue {
    /// The owner handle for an existing ring (the worker's, or a drain after the threads joined).
    @usableFromInline
    init(buffer: QueueBuffer<Job>) {
        self.buffer = buffer
    }
}

/// What a job sees of the worker running it. Valid only during that job's run, on that thread.
public struct WorkerContext<Job: Sendable> {
    @usableFromInline unowned(unsafe) let worker: Worker<Job>

    @usableFromInline init(worker: Worker<Job>) { self.worker = worker }

    /// Index of the worker thread running this job, in `0..<workerCount`.
    @inlinable public var workerIndex: Int { worker.index }

    /// Queues `job` on this worker's local queue, where idle workers can steal it. Cheaper than
    /// `WorkStealingPool.submit(_:)` and the way to fan out child jobs.
    @inlinable
    public func spawn(_ job: Job) {
        worker.spawn(job)
    }

    /// The pool's clock, in nanoseconds.
    @inlinable public var now: UInt64 { worker.core.clock.now }

    /// Same as `WorkStealingPool.schedule(_:at:)`.
    @inlinable @discardableResult
    public func schedule(_ job: Job, at deadline: UInt64) -> TimerHandle {
        worker.core.schedule(job, at: deadline)
    }

    /// Same as `WorkStealingPool.cancel(_:)`.
    @inlinable @discardableResult
    public func cancel(_ timer: TimerHandle) -> Bool {
        worker.core.cancel(timer)
    }
}

@available(*, unavailable, message: "a WorkerContext belongs to the thread running the job")
extension WorkerContext: Sendable {}
