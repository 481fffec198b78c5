import Dispatch
import Foundation
import Synchronization
@testable import WorkStealing

/// A fixed array of atomic counters, shared across threads.
final class Counters: @unchecked Sendable {
    // @unchecked: the pointer is immutable after init and every element is an `Atomic`.
    private let values: UnsafeMutablePointer<Atomic<Int>>
    let count: Int

    init(_ count: Int) {
        self.count = count
        values = .allocate(capacity: count)
        for i in 0..<count { (values + i).initialize(to: Atomic(0)) }
    }

    deinit {
        values.deinitialize(count: count)
        values.deallocate()
    }

    func increment(_ i: Int) {
        // Relaxed: the totals are read after the threads are joined.
        values[i].add(1, ordering: .relaxed)
    }

    subscript(i: Int) -> Int { values[i].load(ordering: .relaxed) }

    /// Indices whose count is not `expected`.
    func mismatches(expected: Int) -> [Int] {
        (0..<count).filter { self[$0] != expected }
    }

    var total: Int { (0..<count).reduce(0) { $0 + self[$1] } }
}

/// Runs `body(i)` for `i` in `0..<count` on `count` separate threads and waits for all of them.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        let thread = Thread {
            body(i)
            group.leave()
        }
        thread.start()
    }
    group.wait()
}
