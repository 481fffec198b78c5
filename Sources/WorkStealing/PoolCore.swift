import Synchronization

/// State shared by the pool handle and all its workers.
@usableFromInline
final class PoolCore<Job: Sendable>: Sendable {
    @usableFromInline let workerCount: Int
    @usableFromInline let localCapacity: Int
    @usableFromInline let stealers: [Stealer<Job>]
    @usableFromInline let parkers: [Parker]
    @usableFromInline let injector = Injector<Job>()
    @usableFromInline let idle: Idle
    @usableFromInline let clock: ClockState
    @usableFromInline let run: @Sendable (Job, WorkerContext<Job>) -> Void

    // MARK: Timers

    /// Timer wheel in ticks of `tickNanos`.
    @usableFromInline let timers: Locked<TimerQueue<Job>>
    /// Nanosecond time of the wheel's next expiry, `.max` if no slot is occupied. Stored under the
    /// `timers` lock. Workers load it (relaxed) between jobs as a hint; the timer driver and
    /// `schedule` use it in a store-then-load handshake with `driverWakeAt`, hence sequentially
    /// consistent stores.
    @usableFromInline let nextTimerNanos = Atomic<UInt64>(.max)
    /// Live timers; stored under the `timers` lock, read as a hint by parking workers.
    @usableFromInline let pendingTimers = Atomic<Int>(0)
    /// Index of the worker parked with a timeout to drive the timers (system clock only), or -1.
    @usableFromInline let driver = Atomic<Int>(-1)
    /// When the driver will wake (`.max` if none or not yet known). Sequentially consistent; see
    /// `schedule` and `Worker.parkAsTimerDriver`.
    @usableFromInline let driverWakeAt = Atomic<UInt64>(.max)

    /// Tick length: 1 ms.
    @inlinable static var tickNanos: UInt64 { 1_000_000 }

    // MARK: Lifecycle

    /// Set by `shutdown()`: the last worker to go idle with no work and no timers ends the pool.
    @usableFromInline let shuttingDown = Atomic<Bool>(false)
    /// Set by the worker that observed termination; every worker then exits.
    @usableFromInline let terminated = Atomic<Bool>(false)
    /// Set by `shutdownNow()`: workers exit after their current job.
    @usableFromInline let aborted = Atomic<Bool>(false)

    #if DEBUG
    /// Test seam: runs on a worker after it re-checked for work and decided to block, just before
    /// it blocks. Set through the internal pool initialiser, before the threads start.
    @usableFromInline nonisolated(unsafe) var _beforeBlock: ((Int) -> Void)?
    #endif

    @usableFromInline
    init(workers: Int, localCapacity: Int, clock: PoolClock,
         run: @escaping @Sendable (Job, WorkerContext<Job>) -> Void) {
        precondition(workers >= 1, "a pool needs at least one worker")
        workerCount = workers
        self.localCapacity = localCapacity
        self.clock = ClockState(clock)
        self.run = run
        idle = Idle(numWorkers: workers)
        parkers = (0..<workers).map { _ in Parker() }
        stealers = (0..<workers).map { _ in LocalQueue<Job>(capacity: localCapacity).stealer }
        timers = Locked(TimerQueue(startTick: 0))
    }

    // MARK: - Wake-ups

    /// Wakes a parked worker to look for work just made available, unless someone is searching.
    @usableFromInline
    func notifyParked() {
        // Sequentially consistent fence: the job was pushed (tail store / injector lock) before it;
        // the idle state is read after it. Pairs with the fence in `Worker.park`, which records the
        // worker as parked before it and re-checks the queues after it, so at least one side sees
        // the other (Documentation/Scheduler.md, "Why no wake-up is lost").
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        guard idle.shouldWakeForWork() else { return }
        if let worker = idle.wakeOneForWork() {
            parkers[worker].unpark()
        }
    }

    /// Whether any queue holds a job (snapshot).
    @usableFromInline
    func anyWorkVisible() -> Bool {
        if !injector.isEmpty { return true }
        return stealers.contains { !$0.isEmpty }
    }

    // MARK: - Timers

    @inlinable
    static func ceilTick(_ nanos: UInt64) -> UInt64 {
        nanos / tickNanos + (nanos % tickNanos == 0 ? 0 : 1)
    }

    /// Refreshes the lock-free hints. Call with the `timers` lock held.
    @inlinable
    func updateTimerHints(_ wheel: borrowing TimerQueue<Job>) {
        let next = wheel.nextExpiration().map { $0.tick &* PoolCore.tickNanos } ?? .max
        // Sequentially consistent: half of the store-then-load handshake with `driverWakeAt`.
        nextTimerNanos.store(next, ordering: .sequentiallyConsistent)
        // Releasing: a hint; the wheel itself is read only under the lock.
        pendingTimers.store(wheel.count, ordering: .releasing)
    }

    @inlinable
    func schedule(_ job: Job, at deadline: UInt64) -> TimerHandle {
        let tick = PoolCore.ceilTick(deadline)
        let key: TimerWheel.Key? = timers.withLock { wheel in
            guard let key = wheel.insert(job, tick: tick) else { return nil }
            updateTimerHints(wheel)
            return key
        }
        guard let key else {
            injector.push(job)
            notifyParked()
            return .alreadyDue
        }
        wakeTimerDriverIfNeeded(for: tick &* PoolCore.tickNanos)
        return TimerHandle(index: key.index, generation: key.generation)
    }

    /// Makes sure some worker will notice a timer due at `nanos`.
    @usableFromInline
    func wakeTimerDriverIfNeeded(for nanos: UInt64) {
        // Sequentially consistent fence: the timer hints were stored (under the lock) before it;
        // the idle state is read after it. Pairs with the fence in `Worker.park`, after which a
        // parking worker reads `pendingTimers`: either it sees this timer (and drives the timers
        // or advances the virtual clock), or we see it parked and wake somebody.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        if clock.isVirtual {
            // Virtual time moves only when the last worker goes idle. If every worker is already
            // parked, wake one so that it goes idle again and advances the clock.
            if idle.unparkedCount == 0, let worker = idle.wakeAny() {
                parkers[worker].unpark()
            }
            return
        }
        // Sequentially consistent: `nextTimerNanos` was stored (under the lock) before this load;
        // the driver stores `driverWakeAt` and then loads `nextTimerNanos`. One of us sees the
        // other's store, so the driver cannot sleep past this timer.
        if nanos >= driverWakeAt.load(ordering: .sequentiallyConsistent) { return }
        let current = driver.load(ordering: .sequentiallyConsistent)
        if current >= 0 {
            parkers[current].unpark()
        } else if idle.unparkedCount < workerCount, let worker = idle.wakeAny() {
            // Nobody drives the timers: wake a parked worker; it will take the role when it goes
            // back to sleep. (Running workers poll the timers between jobs anyway.)
            parkers[worker].unpark()
        }
    }

    @inlinable
    func cancel(_ handle: TimerHandle) -> Bool {
        if handle == .alreadyDue { return false }
        return timers.withLock { wheel in
            let key = TimerWheel.Key(index: handle.index, generation: handle.generation)
            guard wheel.cancel(key) != nil else { return false }
            updateTimerHints(wheel)
            return true
        }
    }

    /// Fires the timers due by now, if no other worker is doing so.
    @inlinable
    func pollTimers() {
        let nowTick = clock.now / PoolCore.tickNanos
        let fired: [Job]? = timers.withLockIfAvailable { wheel in
            var fired: [Job] = []
            wheel.poll(now: nowTick, into: &fired)
            updateTimerHints(wheel)
            return fired
        }
        if let fired, !fired.isEmpty {
            injector.push(contentsOf: fired)
            notifyParked()
        }
    }

    /// The cheap check made between jobs.
    @inlinable @inline(__always) func pollTimersIfDue() {
        // Relaxed: a hint; a stale value only delays the poll to the next check.
        let next = nextTimerNanos.load(ordering: .relaxed)
        if next != .max && clock.now >= next { pollTimers() }
    }

    /// Virtual clock: jumps to the earliest timer and fires it (and any others due then).
    /// Called by the last worker to go idle.
    @usableFromInline
    func advanceVirtualClock() {
        let fired: [Job] = timers.withLock { wheel in
            var fired: [Job] = []
            while fired.isEmpty, wheel.count > 0, let next = wheel.nextExpiration() {
                clock.advanceVirtual(to: next.tick &* PoolCore.tickNanos)
                wheel.poll(now: next.tick, into: &fired)
            }
            updateTimerHints(wheel)
            return fired
        }
        if !fired.isEmpty {
            injector.push(contentsOf: fired)
            notifyParked()
        }
    }

    // MARK: - Shutdown

    /// Ends the pool: called by the last worker to go idle during shutdown.
    @usableFromInline
    func terminate() {
        // Sequentially consistent: every worker checks it after its fence in `Worker.park`.
        terminated.store(true, ordering: .sequentiallyConsistent)
        for worker in idle.wakeAll() { parkers[worker].unpark() }
    }
}
