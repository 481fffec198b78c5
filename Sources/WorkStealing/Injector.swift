import Synchronization

/// The pool's global FIFO: jobs submitted from outside the workers, jobs that overflowed a local
/// queue, and timer jobs that came due.
///
/// A lock around a two-stack queue, as tokio's injector is a mutex around a linked list: it is
/// off the hot path (workers run from their local queues and look here only every
/// `Worker.globalQueueInterval` jobs or when their queue is empty), and `count` lets them skip the
/// lock when it is empty.
@usableFromInline
final class Injector<Job: Sendable>: Sendable {
    @usableFromInline
    struct Queue {
        /// Older jobs, newest first (pop from the end).
        @usableFromInline var front: [Job] = []
        /// Newer jobs, oldest first.
        @usableFromInline var back: [Job] = []
        @inlinable var count: Int { front.count + back.count }

        @usableFromInline init() {}

        @inlinable
        mutating func pop() -> Job? {
            if front.isEmpty {
                if back.isEmpty { return nil }
                front = back.reversed()
                back.removeAll(keepingCapacity: true)
            }
            return front.popLast()
        }
    }

    @usableFromInline let queue = Locked(Queue())
    /// Mirror of the queue's length, stored under the lock. Loaded without the lock as a hint, and
    /// by the pre-park re-check, which pairs it with the sequentially consistent fences of
    /// `PoolCore.notifyParked` and `Worker.park` (see Documentation/Scheduler.md).
    @usableFromInline let length = Atomic<Int>(0)

    @usableFromInline init() {}

    @inlinable var count: Int {
        // Acquiring: pairs with the releasing store under the lock; a hint only.
        length.load(ordering: .acquiring)
    }

    @inlinable var isEmpty: Bool { count == 0 }

    @inlinable
    func push(_ job: Job) {
        queue.withLock { q in
            q.back.append(job)
            // Releasing (and under the lock): a reader that sees the new length and then takes
            // the lock finds the job.
            length.store(q.count, ordering: .releasing)
        }
    }

    @inlinable
    func push<S: Sequence<Job>>(contentsOf jobs: S) {
        queue.withLock { q in
            q.back.append(contentsOf: jobs)
            length.store(q.count, ordering: .releasing)
        }
    }

    @inlinable
    func pop() -> Job? {
        if isEmpty { return nil }
        return queue.withLock { q in
            let job = q.pop()
            length.store(q.count, ordering: .releasing)
            return job
        }
    }

    /// Takes up to `limit` jobs: returns the first and appends the rest to `local` (which has room
    /// for `limit - 1`), so a worker refills its queue with one lock round-trip.
    @inlinable
    func pop(into local: LocalQueue<Job>, limit: Int) -> Job? {
        if isEmpty || limit < 1 { return nil }
        return queue.withLock { q in
            guard let first = q.pop() else { return nil }
            let more = min(limit - 1, q.count)
            if more > 0 {
                var batch: [Job] = []
                batch.reserveCapacity(more)
                for _ in 0..<more { batch.append(q.pop()!) }
                local.pushBatch(batch)
            }
            length.store(q.count, ordering: .releasing)
            return first
        }
    }

    /// Empties the queue (used by `shutdownNow` after the workers are joined).
    @usableFromInline
    func drain() -> [Job] {
        queue.withLock { q in
            var all: [Job] = []
            while let job = q.pop() { all.append(job) }
            length.store(0, ordering: .releasing)
            return all
        }
    }
}
