import Synchronization

/// Bounds the executions in flight: `enter()` suspends the caller while the engine is full,
/// `leave()` (called when an execution ends) lets the longest waiter in.
final class AdmissionGate: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }
    private let state: Mutex<State>

    init(limit: Int) { state = Mutex(State(available: max(1, limit))) }

    func enter() async {
        let admitted = state.withLock { s -> Bool in
            if s.available > 0 { s.available -= 1; return true }
            return false
        }
        if admitted { return }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { s -> Bool in
                // A slot may have freed up between the check above and now.
                if s.available > 0 { s.available -= 1; return true }
                s.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Takes a slot without waiting (for callers that bound themselves); false when full.
    func tryEnter() -> Bool {
        state.withLock { s in
            if s.available > 0 { s.available -= 1; return true }
            return false
        }
    }

    func leave() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.head < s.waiters.count {
                let c = s.waiters[s.head]
                s.head += 1
                if s.head > 1024 && s.head * 2 > s.waiters.count {
                    s.waiters.removeFirst(s.head)
                    s.head = 0
                }
                return c  // the slot passes straight to the waiter
            }
            s.available += 1
            return nil
        }
        next?.resume()
    }
}
