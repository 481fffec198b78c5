import Dispatch
import Foundation
import Synchronization

/// An engine's one admission control: how many executions run at once, and how many bytes a
/// stream's caller holds for work not yet finished.
///
/// - **Running slots** (``EngineConfiguration/maxInFlight``): `enter()` suspends the caller (or
///   `enterBlocking()` blocks its thread) while the engine is full, `leave()` (called when an
///   execution ends, or parks in a Wait or a Retry backoff) lets the longest waiter in, and
///   `reenter()` takes a slot back for a parked execution that wakes up, without waiting (it may
///   overshoot the limit briefly: a timer must never wait for admission). An execution parked
///   holds no slot, only memory.
/// - **Memory budget** (``EngineConfiguration/maxMemoryBytes``, `aslx run --max-memory`): bytes
///   held for lines read and not yet written out (input lines, executions running or parked,
///   results waiting for their turn). A reader takes credit with ``takeMemory(_:)`` before it
///   reads and blocks while the budget is spent; the writer gives it back with
///   ``releaseMemory(_:)`` once lines are out. A blocked taker is woken only once an eighth of the
///   budget is free again, not for every release: one context switch per batch, not per line.
public final class Admission: Sendable {
    /// The running-slot limit.
    public let maxRunning: Int
    /// The memory budget in bytes.
    public let memoryLimit: Int

    /// `running`: executions running at once; `memoryBytes`: the memory budget.
    public init(running: Int, memoryBytes: Int = .max) {
        maxRunning = max(1, running)
        memoryLimit = max(1, memoryBytes)
        state = Mutex(State(available: max(1, running)))
        memory = Memory(limit: memoryLimit)
    }

    // MARK: - Running slots

    private enum Waiter {
        case task(CheckedContinuation<Void, Never>)
        case thread(DispatchSemaphore)

        func resume() {
            switch self {
            case .task(let c): c.resume()
            case .thread(let s): s.signal()
            }
        }
    }
    private struct State {
        /// Free slots; negative after `reenter` overshoots (slots then repay the debt first).
        var available: Int
        /// In arrival order from `head`: who waits, and for how many slots.
        var waiters: [(waiter: Waiter, count: Int)] = []
        var head = 0

        /// Takes `count` slots if they are free and nobody waits ahead.
        mutating func take(_ count: Int) -> Bool {
            guard head == waiters.count, available >= count else { return false }
            available -= count
            return true
        }
    }
    private let state: Mutex<State>

    func enter() async {
        if tryEnter() { return }
        await withCheckedContinuation { continuation in
            if !enqueue(.task(continuation), count: 1) { continuation.resume() }
        }
    }

    /// Takes `count` running slots at once (at most ``maxRunning``), blocking the calling thread
    /// until that many are free: a reader taking slots for a batch of lines is woken once per
    /// batch, not once per execution that ends. Never call it from a pool worker or a Swift task.
    public func enterBlocking(count: Int = 1) {
        let count = min(max(1, count), maxRunning)
        if tryEnter(count: count) { return }
        let semaphore = DispatchSemaphore(value: 0)
        if enqueue(.thread(semaphore), count: count) { semaphore.wait() }
    }

    /// Queues `waiter`; false if the slots freed up in the meantime (taken for the caller).
    private func enqueue(_ waiter: Waiter, count: Int) -> Bool {
        state.withLock { s -> Bool in
            if s.take(count) { return false }
            s.waiters.append((waiter, count))
            return true
        }
    }

    /// Takes `count` slots without waiting (for callers that bound themselves); false when
    /// fewer are free or someone waits already.
    public func tryEnter(count: Int = 1) -> Bool {
        state.withLock { $0.take(count) }
    }

    /// Callers blocked or suspended for slots now (tests).
    var waiting: Int { state.withLock { $0.waiters.count - $0.head } }

    /// Takes a slot whether or not one is free (a parked execution waking up).
    func reenter() {
        state.withLock { $0.available -= 1 }
    }

    /// Gives `count` running slots back (taken for work that ended without an execution
    /// holding them, or not used); lets in the waiters, in order, whose slots are now free.
    public func leave(count: Int = 1) {
        var woken: [Waiter] = []
        state.withLock { s in
            s.available += count
            while s.head < s.waiters.count, s.available >= s.waiters[s.head].count {
                s.available -= s.waiters[s.head].count
                woken.append(s.waiters[s.head].waiter)
                s.head += 1
            }
            if s.head == s.waiters.count {
                s.waiters.removeAll(keepingCapacity: true)
                s.head = 0
            } else if s.head > 1024 && s.head * 2 > s.waiters.count {
                s.waiters.removeFirst(s.head)
                s.head = 0
            }
        }
        for w in woken { w.resume() }
    }

    // MARK: - Memory budget

    private final class Memory: @unchecked Sendable {
        let condition = NSCondition()
        let limit: Int
        /// Free bytes needed before a blocked `take` is woken.
        let wakeAt: Int
        // Guarded by `condition`.
        var held = 0
        var waiting = false

        init(limit: Int) {
            self.limit = limit
            wakeAt = max(1, limit / 8)
        }
    }
    private let memory: Memory

    /// Takes `count` bytes of the budget, first waiting while it is spent. One taking may
    /// overshoot the budget (a line larger than what is free still gets in, alone). Blocks the
    /// calling thread: never call it from a pool worker or a Swift task.
    public func takeMemory(_ count: Int) {
        let m = memory
        m.condition.lock()
        while m.held >= m.limit {
            m.waiting = true
            m.condition.wait()
        }
        m.held += count
        m.condition.unlock()
    }

    /// Whether any of the budget is free right now (so ``takeMemory(_:)`` would not block).
    public var memoryHasRoom: Bool {
        memory.condition.lock()
        defer { memory.condition.unlock() }
        return memory.held < memory.limit
    }

    /// Adds bytes held that nobody may wait for (a result's record, already produced).
    public func chargeMemory(_ count: Int) {
        memory.condition.lock()
        memory.held += count
        memory.condition.unlock()
    }

    /// Gives back `count` bytes.
    public func releaseMemory(_ count: Int) {
        let m = memory
        m.condition.lock()
        m.held -= count
        if m.waiting && m.limit - m.held >= m.wakeAt {
            m.waiting = false
            m.condition.signal()
        }
        m.condition.unlock()
    }

    /// Whether a taker is blocked on the memory budget now (tests).
    var memoryWaiting: Bool {
        memory.condition.lock()
        defer { memory.condition.unlock() }
        return memory.waiting
    }

    /// Bytes of the budget held now (tests, progress).
    public var memoryHeld: Int {
        memory.condition.lock()
        defer { memory.condition.unlock() }
        return memory.held
    }
}
