#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a `pthread_mutex_t`.
///
/// Why not `Synchronization.Mutex`: on Linux its fast path is an atomic compare-and-swap inside
/// the (uninstrumented) runtime, so ThreadSanitizer does not see its acquire/release and reports
/// every access to the guarded value as a race. A pthread mutex is intercepted by TSan, so the
/// scheduler tests can run clean under `--sanitize=thread`. The locks here are off the hot path
/// (injector, sleepers list, timer wheel), so the difference in cost does not matter.
///
/// The value lives behind a pointer rather than in a stored property: `withLock` hands the body an
/// `inout` access to it, which on a class property would be a dynamic exclusivity check on every
/// lock (release builds keep those checks). The mutex already makes the access exclusive.
///
/// `@unchecked Sendable`: `value` is only accessed between `pthread_mutex_lock` and
/// `pthread_mutex_unlock` of `mutex`.
@usableFromInline
final class Locked<Value>: @unchecked Sendable {
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @usableFromInline let value: UnsafeMutablePointer<Value>

    @usableFromInline
    init(_ value: Value) {
        self.value = .allocate(capacity: 1)
        self.value.initialize(to: value)
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let result = pthread_mutex_init(mutex, nil)
        precondition(result == 0, "pthread_mutex_init failed: \(result)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
        value.deinitialize(count: 1)
        value.deallocate()
    }

    @inlinable @inline(__always)
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }

    /// Runs `body` if the lock is free right now; nil if another thread holds it.
    @inlinable @inline(__always)
    func withLockIfAvailable<R>(_ body: (inout Value) throws -> R) rethrows -> R? {
        if pthread_mutex_trylock(mutex) != 0 { return nil }
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}
