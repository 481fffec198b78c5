import Foundation

/// The memory budget of `aslx run` (`--max-memory`): bytes held for lines read and not yet
/// written out, which is input lines, executions (running or parked in a Wait), and results
/// waiting in the reorder window. The reader takes credit before it hands lines on and blocks
/// while the budget is spent; the writer gives it back once lines are written.
///
/// A blocked taker is woken only once an eighth of the budget is free again, not for every
/// release: one context switch per batch instead of one per line.
final class Window: @unchecked Sendable {
    private let condition = NSCondition()
    let limit: Int
    /// Free bytes needed before a blocked `take` is woken.
    private let wakeAt: Int
    // Guarded by `condition`.
    private var held = 0
    private var waiting = false

    init(bytes: Int) {
        limit = max(1, bytes)
        wakeAt = max(1, limit / 8)
    }

    /// Takes `count` bytes of credit, first waiting while the budget is spent. One taking may
    /// overshoot the budget (a line larger than what is free still gets in, alone).
    func take(_ count: Int) {
        condition.lock()
        while held >= limit {
            waiting = true
            condition.wait()
        }
        held += count
        condition.unlock()
    }

    /// Whether any credit is free right now (so `take` would not block).
    var hasRoom: Bool {
        condition.lock()
        defer { condition.unlock() }
        return held < limit
    }

    /// Adds bytes held that nobody may wait for (a result's record, already produced).
    func charge(_ count: Int) {
        condition.lock()
        held += count
        condition.unlock()
    }

    /// Returns `count` bytes.
    func release(_ count: Int) {
        condition.lock()
        held -= count
        if waiting && limit - held >= wakeAt {
            waiting = false
            condition.signal()
        }
        condition.unlock()
    }

    /// Bytes held now (for tests and progress).
    var heldBytes: Int {
        condition.lock()
        defer { condition.unlock() }
        return held
    }
}
