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
/// `@unchecked Sendable`: `value` is only accessed between `pthread_mutex_lock` and
/// `pthread_mutex_unlock` of `mutex`.
final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let result = pthread_mutex_init(mutex, nil)
        precondition(result == 0, "pthread_mutex_init failed: \(result)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    @inline(__always)
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }

    /// Runs `body` if the lock is free right now; nil if another thread holds it.
    @inline(__always)
    func withLockIfAvailable<R>(_ body: (inout Value) throws -> R) rethrows -> R? {
        if pthread_mutex_trylock(mutex) != 0 { return nil }
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
