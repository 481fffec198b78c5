import Dispatch
import Synchronization

/// Bounds the executions running: `enter()` suspends the caller (or `enterBlocking()` blocks
/// its thread) while the engine is full, `leave()` (called when an execution ends, or parks in
/// a Wait or a Retry backoff) lets the longest waiter in, and `reenter()` takes a slot back for
/// a parked execution that wakes up, without waiting (it may overshoot the limit briefly:
/// a timer must never wait for admission).
final class AdmissionGate: Sendable {
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
        var available: Int
        var waiters: [Waiter] = []
        var head = 0
    }
    private let state: Mutex<State>

    init(limit: Int) { state = Mutex(State(available: max(1, limit))) }

    func enter() async {
        if tryEnter() { return }
        await withCheckedContinuation { continuation in
            if !enqueue(.task(continuation)) { continuation.resume() }
        }
    }

    /// `enter()` for a plain thread (never call it from a pool worker or a Swift task).
    func enterBlocking() {
        if tryEnter() { return }
        let semaphore = DispatchSemaphore(value: 0)
        if enqueue(.thread(semaphore)) { semaphore.wait() }
    }

    /// Queues `waiter`; false if a slot freed up in the meantime (taken for the caller).
    private func enqueue(_ waiter: Waiter) -> Bool {
        state.withLock { s -> Bool in
            if s.available > 0 { s.available -= 1; return false }
            s.waiters.append(waiter)
            return true
        }
    }

    /// Takes a slot without waiting (for callers that bound themselves); false when full.
    func tryEnter() -> Bool {
        state.withLock { s in
            if s.available > 0 { s.available -= 1; return true }
            return false
        }
    }

    /// Takes a slot whether or not one is free (a parked execution waking up).
    func reenter() {
        state.withLock { $0.available -= 1 }
    }

    func leave() {
        let next = state.withLock { s -> Waiter? in
            // After `reenter` overshoots, slots repay the debt before anyone is let in.
            if s.available < 0 || s.head == s.waiters.count {
                s.available += 1
                return nil
            }
            let w = s.waiters[s.head]
            s.head += 1
            if s.head == s.waiters.count {
                s.waiters.removeAll(keepingCapacity: true)
                s.head = 0
            } else if s.head > 1024 && s.head * 2 > s.waiters.count {
                s.waiters.removeFirst(s.head)
                s.head = 0
            }
            return w  // the slot passes straight to the waiter
        }
        next?.resume()
    }
}
