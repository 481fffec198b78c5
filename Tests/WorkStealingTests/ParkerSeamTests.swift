import Dispatch
import Foundation
import Synchronization
import Testing
@testable import WorkStealing

/// Forced interleavings of the parking protocol, with no reliance on wall-clock timing.
@Suite struct ParkerSeamTests {
    @Test func unparkBeforeParkMakesParkReturn() {
        let parker = Parker()
        parker.unpark()
        parker.unpark()  // notifications do not accumulate
        let first = parker.park(timeout: 10_000_000_000)
        #expect(first, "the pending notification is consumed")
        // Had the second unpark left a notification behind, this park would consume it too.
        let second = parker.park(timeout: 1_000_000)
        #expect(!second, "nothing pending: the timed park times out")
    }

    /// 1. the owner marks itself parked and stops in the seam, before blocking;
    /// 2. another thread unparks it (sees `parked`, signals);
    /// 3. the owner blocks and must return at once. A lost wake-up would hang the test.
    @Test func unparkBetweenMarkingParkedAndBlocking() {
        let parker = Parker()
        let inSeam = DispatchSemaphore(value: 0)
        let unparked = DispatchSemaphore(value: 0)
        parker._afterParkedBeforeWait = {
            inSeam.signal()
            unparked.wait()
        }
        let done = DispatchSemaphore(value: 0)
        let notified = Atomic<Bool>(false)
        Thread.detachNewThread {
            // Timed, so a lost wake-up fails the test instead of hanging it.
            let woke = parker.park(timeout: 30_000_000_000)
            // Releasing: pairs with the acquiring load below, after `done`.
            notified.store(woke, ordering: .releasing)
            done.signal()
        }
        inSeam.wait()
        parker.unpark()
        unparked.signal()
        done.wait()
        let woke = notified.load(ordering: .acquiring)
        #expect(woke, "park returned on the unpark, not on its timeout")
    }

    /// A timed-out park that races an unpark consumes the signal, so the next untimed park blocks
    /// until the next unpark instead of returning on a stale signal.
    @Test func timeoutRacingUnparkKeepsSemaphoreBalanced() {
        let parker = Parker()
        for _ in 0..<200 {
            let t = Thread { parker.unpark() }
            t.start()
            parker.park(timeout: 1_000)
        }
        // Whatever happened above, at most one notification is pending: drain it with a short
        // timed park, then check that an explicit unpark is still needed and sufficient.
        parker.park(timeout: 1_000_000)
        let woke = Atomic<Bool>(false)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            parker.park()
            woke.store(true, ordering: .releasing)
            done.signal()
        }
        parker.unpark()
        done.wait()
        let didWake = woke.load(ordering: .acquiring)
        #expect(didWake)
    }

    /// A worker that has re-checked the queues and decided to block is held in the seam while a
    /// job is submitted; once released it must be woken and run the job.
    /// 1. the single worker finds nothing and reaches `_beforeBlock`;
    /// 2. `submit` pushes to the injector and unparks it (the worker is listed as parked);
    /// 3. the worker blocks, returns at once (notified) and runs the job.
    @Test func submitWhileWorkerIsAboutToBlock() {
        let reachedSeam = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let armed = Atomic<Bool>(true)
        let ran = DispatchSemaphore(value: 0)
        let pool = WorkStealingPool<Int>(
            workers: 1, localCapacity: 4, clock: .system,
            beforeBlock: { _ in
                // Only the first time: later parks (after the job) proceed normally.
                if armed.exchange(false, ordering: .acquiringAndReleasing) {
                    reachedSeam.signal()
                    release.wait()
                }
            },
            run: { _, _ in ran.signal() })
        reachedSeam.wait()
        pool.submit(1)
        release.signal()
        ran.wait()
        pool.shutdown()
        let seamUsed = !armed.load(ordering: .acquiring)
        #expect(seamUsed)
    }
}
