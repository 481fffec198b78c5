import Dispatch
import Synchronization

/// Puts one worker thread to sleep until another thread unparks it (or a timeout passes).
///
/// A three-state machine as in tokio's `park.rs`, over a semaphore instead of a mutex and
/// condition variable:
///
/// - `empty`: nobody is parked and no notification is pending.
/// - `parked`: the owner is (about to be) blocked on `semaphore`.
/// - `notified`: an `unpark()` arrived; the next `park()` returns at once.
///
/// Only the owner moves the state to `empty` or `parked`; `unpark()` only ever exchanges in
/// `notified`, and signals the semaphore exactly when it replaced `parked`. So the semaphore's count
/// never exceeds one, and an unpark that lands anywhere between "decided to park" and "blocked" is
/// not lost: either `park()` sees `notified` in its CAS, or `unpark()` sees `parked` and signals.
@usableFromInline
final class Parker: Sendable {
    private static let empty = 0
    private static let parked = 1
    private static let notified = 2

    private let state = Atomic<Int>(Parker.empty)
    private let semaphore = DispatchSemaphore(value: 0)

    #if DEBUG
    /// Test seam: runs inside `park` after the state became `parked` and before the thread blocks.
    nonisolated(unsafe) var _afterParkedBeforeWait: (() -> Void)?
    #endif

    init() {}

    /// Blocks until `unpark()` is called (possibly before this call) or `timeout` nanoseconds pass.
    /// Returns `true` when it consumed a notification, `false` when the timeout passed first.
    /// Callers re-check their condition either way.
    @usableFromInline @discardableResult
    func park(timeout: UInt64? = nil) -> Bool {
        // Acquiring-and-releasing: acquiring pairs with the releasing exchange in `unpark`, so what
        // the unparker wrote before unparking (the job it pushed) is visible to us.
        if state.compareExchange(expected: Parker.notified, desired: Parker.empty,
                                 ordering: .acquiringAndReleasing).exchanged {
            return true
        }
        if !state.compareExchange(expected: Parker.empty, desired: Parker.parked,
                                  ordering: .acquiringAndReleasing).exchanged {
            // Only `unpark` changes the state behind our back, so it is `notified` now.
            // Acquiring: pairs with `unpark`'s releasing exchange.
            _ = state.exchange(Parker.empty, ordering: .acquiring)
            return true
        }

        #if DEBUG
        _afterParkedBeforeWait?()
        #endif

        if let timeout {
            let nanos = Int(clamping: min(timeout, UInt64(Int.max / 2)))
            if semaphore.wait(timeout: .now() + .nanoseconds(nanos)) == .timedOut {
                // Acquiring: if an unpark raced us, we need its writes (handled below instead).
                if state.compareExchange(expected: Parker.parked, desired: Parker.empty,
                                         ordering: .acquiring).exchanged {
                    return false
                }
                // `unpark` replaced `parked`, so it has signalled or is about to: consume that
                // signal to keep the semaphore at zero.
                semaphore.wait()
            }
        } else {
            semaphore.wait()
        }
        // The state is `notified`. Acquiring: pairs with the releasing exchange in `unpark`.
        _ = state.exchange(Parker.empty, ordering: .acquiring)
        return true
    }

    /// Wakes the owner if it is parked, or makes its next `park()` return immediately.
    @usableFromInline
    func unpark() {
        // Acquiring-and-releasing: releasing publishes the caller's earlier writes (the pushed job)
        // to the parked thread's acquiring loads of `state`.
        if state.exchange(Parker.notified, ordering: .acquiringAndReleasing) == Parker.parked {
            semaphore.signal()
        }
    }
}
