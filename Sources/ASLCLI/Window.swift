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
