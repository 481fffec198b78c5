import Synchronization

/// Counts searching and unparked workers and keeps the list of parked ones (tokio's `idle.rs`).
///
/// A *searching* worker has an empty queue and is looking for work to steal. At most half the
/// workers search at once (more would only contend on the same victims). A worker that submits or
/// spawns work wakes a parked worker only when nobody is searching: a searcher will find the work,
/// or, if it is the last searcher and finds nothing, it re-checks every queue after leaving the
/// searching state and before blocking. Documentation/Scheduler.md has the full argument for why
/// no wake-up is lost.
@usableFromInline
final class Idle: Sendable {
    /// `unparked << 16 | searching`. Every change is made under `sleepers`' lock except the
    /// searching increments and decrements of running workers; all accesses are sequentially
    /// consistent because they take part in the Dekker-style handshake with `notifyParked`.
    private let state: Atomic<UInt64>
    private let numWorkers: Int

    private struct Sleepers {
        /// Indices of parked workers (at most `numWorkers`, so linear scans are cheap).
        var parked: [Int] = []
        /// Set for a worker woken by `wakeOneForWork`, which counted it as searching.
        var wokenAsSearcher: [Bool]
    }
    private let sleepers: Locked<Sleepers>

    private static let unparkedOne: UInt64 = 1 << 16
    private static let searchingMask: UInt64 = (1 << 16) - 1

    init(numWorkers: Int) {
        precondition(numWorkers < 1 << 16)
        self.numWorkers = numWorkers
        state = Atomic(UInt64(numWorkers) << 16)
        sleepers = Locked(Sleepers(wokenAsSearcher: Array(repeating: false, count: numWorkers)))
    }

    private static func searching(_ s: UInt64) -> Int { Int(s & searchingMask) }
    private static func unparked(_ s: UInt64) -> Int { Int(s >> 16) }

    /// Number of workers that are not parked (snapshot).
    @usableFromInline var unparkedCount: Int { Idle.unparked(state.load(ordering: .sequentiallyConsistent)) }

    /// Tries to become a searcher; fails when half the workers already search. (The check and the
    /// increment are separate, so the cap is approximate, as in tokio.)
    @usableFromInline
    func transitionToSearching() -> Bool {
        let s = state.load(ordering: .sequentiallyConsistent)
        if 2 * Idle.searching(s) >= numWorkers { return false }
        state.add(1, ordering: .sequentiallyConsistent)
        return true
    }

    /// Stops searching because work was found. Returns true if this was the last searcher, in which
    /// case the caller must wake another worker: there may be more work than it found.
    @usableFromInline
    func transitionFromSearching() -> Bool {
        let previous = state.subtract(1, ordering: .sequentiallyConsistent).oldValue
        return Idle.searching(previous) == 1
    }

    /// Records `worker` as parked. Returns whether it was the last searcher and how many workers
    /// are still unparked. The caller then re-checks for work before blocking.
    @usableFromInline
    func transitionToParked(_ worker: Int, isSearching: Bool) -> (lastSearcher: Bool, unparked: Int) {
        sleepers.withLock { s in
            let decrement = Idle.unparkedOne + (isSearching ? 1 : 0)
            let previous = state.subtract(decrement, ordering: .sequentiallyConsistent).oldValue
            s.parked.append(worker)
            return (isSearching && Idle.searching(previous) == 1, Idle.unparked(previous) - 1)
        }
    }

    /// Whether a notifier should wake someone: nobody searches and somebody is parked.
    @usableFromInline
    func shouldWakeForWork() -> Bool {
        let s = state.load(ordering: .sequentiallyConsistent)
        return Idle.searching(s) == 0 && Idle.unparked(s) < numWorkers
    }

    /// Unparks one worker as a searcher, if the condition still holds under the lock.
    @usableFromInline
    func wakeOneForWork() -> Int? {
        sleepers.withLock { s in
            let st = state.load(ordering: .sequentiallyConsistent)
            guard Idle.searching(st) == 0, let worker = s.parked.popLast() else { return nil }
            state.add(Idle.unparkedOne + 1, ordering: .sequentiallyConsistent)
            s.wokenAsSearcher[worker] = true
            return worker
        }
    }

    /// Unparks any one parked worker (not as a searcher); used to hand over timer duty.
    @usableFromInline
    func wakeAny() -> Int? {
        sleepers.withLock { s in
            guard let worker = s.parked.popLast() else { return nil }
            state.add(Idle.unparkedOne, ordering: .sequentiallyConsistent)
            return worker
        }
    }

    /// Unparks every parked worker (shutdown, termination).
    @usableFromInline
    func wakeAll() -> [Int] {
        sleepers.withLock { s in
            let all = s.parked
            s.parked.removeAll()
            state.add(Idle.unparkedOne * UInt64(all.count), ordering: .sequentiallyConsistent)
            return all
        }
    }

    /// Called by `worker` after its `park()` returned. If it is still listed (timeout, spurious
    /// wake-up, or it chose not to block) it unlists itself. Returns whether it now counts as a
    /// searcher (it does when `wakeOneForWork` woke it).
    @usableFromInline
    func returnFromPark(_ worker: Int) -> Bool {
        sleepers.withLock { s in
            if let i = s.parked.firstIndex(of: worker) {
                s.parked.remove(at: i)
                state.add(Idle.unparkedOne, ordering: .sequentiallyConsistent)
                return false
            }
            let searching = s.wokenAsSearcher[worker]
            s.wokenAsSearcher[worker] = false
            return searching
        }
    }
}
