#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Which clock a `WorkStealingPool` reads for `now` and for its timers. Both count nanoseconds
/// from 0 at the pool's creation.
///
/// - `system`: the monotonic clock (`CLOCK_MONOTONIC`). Timers fire when real time passes.
/// - `virtual`: time that moves only when the pool has nothing to do. When every worker is idle,
///   the queues are empty and a timer is pending, the clock jumps straight to the earliest timer's
///   deadline and that timer fires. A workflow that waits an hour then runs in microseconds, and a
///   test sees exactly the deadlines it asked for. Time never moves while any job is runnable or
///   running, so jobs observe a consistent, deterministic clock. Timers have 1 ms resolution:
///   a job sees `now` equal to its deadline rounded up to a whole millisecond.
///   An idle pool jumps at once: timers scheduled one by one from *outside* the pool may see the
///   clock move between the calls. Schedule related timers from inside one job (or submit one job
///   that schedules them) to fix their relative deadlines.
public struct PoolClock: Sendable, Hashable {
    enum Kind: Hashable {
        case system
        case virtual
    }

    let kind: Kind

    /// Real monotonic time.
    public static let system = PoolClock(kind: .system)

    /// Time that jumps to the next timer's deadline whenever the pool is idle.
    public static let virtual = PoolClock(kind: .virtual)
}

/// The pool's running clock.
@usableFromInline
final class ClockState: Sendable {
    let kind: PoolClock.Kind
    private let origin: UInt64
    /// The virtual time. Stored only while holding the timer lock. (Jobs that fire at the new time
    /// reach workers through the injector's lock anyway; release/acquire also makes a read from any
    /// other thread see a time no older than the timers it has seen fire.)
    private let virtualNow = Atomic<UInt64>(0)

    init(_ clock: PoolClock) {
        kind = clock.kind
        origin = clock.kind == .system ? ClockState.monotonicNanoseconds() : 0
    }

    @usableFromInline var isVirtual: Bool { kind == .virtual }

    @usableFromInline var now: UInt64 {
        switch kind {
        case .system: return ClockState.monotonicNanoseconds() &- origin
        case .virtual: return virtualNow.load(ordering: .acquiring) // pairs with the store below
        }
    }

    /// Moves the virtual clock forward to `time` (never backward).
    @usableFromInline
    func advanceVirtual(to time: UInt64) {
        precondition(kind == .virtual)
        // Relaxed load: only the timer-lock holder stores, and we hold it.
        if time > virtualNow.load(ordering: .relaxed) {
            // Releasing: pairs with the acquiring load in `now`.
            virtualNow.store(time, ordering: .releasing)
        }
    }

    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
