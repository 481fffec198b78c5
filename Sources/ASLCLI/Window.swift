import Foundation

/// A counting window (how many lines may be in flight or waiting to be written) whose
/// blocked acquirer is woken only once a batch of slots is free again, not for every
/// released slot: one context switch per batch instead of one per line.
final class Window: @unchecked Sendable {
    private let condition = NSCondition()
    private let size: Int
    /// Free slots needed before a blocked `acquire` is woken.
    private let wakeAt: Int
    // Guarded by `condition`.
    private var free: Int
    private var waiting = false

    init(size: Int) {
        self.size = size
        free = size
        wakeAt = max(1, size / 8)
    }

    /// Takes one slot, blocking while none is free.
    func acquire() {
        condition.lock()
        while free == 0 {
            waiting = true
            condition.wait()
        }
        free -= 1
        condition.unlock()
    }

    /// Takes between 1 and `limit` slots (as many as are free), blocking while none is free.
    func acquire(upTo limit: Int) -> Int {
        condition.lock()
        while free == 0 {
            waiting = true
            condition.wait()
        }
        let n = min(free, limit)
        free -= n
        condition.unlock()
        return n
    }

    /// Takes up to `limit` free slots without blocking; 0 when none is free.
    func tryAcquire(upTo limit: Int) -> Int {
        condition.lock()
        let n = min(free, limit)
        free -= n
        condition.unlock()
        return n
    }

    /// Returns `count` slots.
    func release(_ count: Int = 1) {
        condition.lock()
        free += count
        if waiting && free >= wakeAt {
            waiting = false
            condition.signal()
        }
        condition.unlock()
    }
}
