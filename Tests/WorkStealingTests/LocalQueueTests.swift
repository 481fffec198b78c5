import Dispatch
import Foundation
import Synchronization
import Testing
@testable import WorkStealing

@Suite struct LocalQueueTests {
    /// Capacities and start indices swept by the exhaustive tests; the start indices put the
    /// 32-bit head and tail just below their wrap-around point.
    static let capacities = [2, 4, 8]
    static let starts: [UInt32] = [0, .max - 2, .max - 7]

    @Test func pushThenPopIsFIFO() {
        let injector = Injector<Int>()
        let queue = LocalQueue<Int>(capacity: 8)
        for i in 0..<5 { queue.push(i, overflow: injector) }
        #expect(queue.count == 5)
        var popped: [Int] = []
        while let job = queue.pop() { popped.append(job) }
        #expect(popped == [0, 1, 2, 3, 4])
        #expect(queue.isEmpty)
        #expect(injector.isEmpty)
    }

    @Test(arguments: capacities, starts)
    func overflowMovesOlderHalfAndNewJobToInjector(capacity: Int, start: UInt32) {
        let injector = Injector<Int>()
        let queue = LocalQueue<Int>(capacity: capacity, startIndex: start)
        for i in 0..<capacity { queue.push(i, overflow: injector) }
        #expect(injector.isEmpty)
        queue.push(capacity, overflow: injector)  // full: overflow
        #expect(injector.drain() == Array(0..<capacity / 2) + [capacity])
        var rest: [Int] = []
        while let job = queue.pop() { rest.append(job) }
        #expect(rest == Array(capacity / 2..<capacity))
    }

    /// Every split of a queue between pops, a steal, and later pushes keeps each job exactly once.
    @Test(arguments: capacities, starts)
    func stealTakesHalfRoundedUp(capacity: Int, start: UInt32) {
        for filled in 0...capacity {
            for poppedFirst in 0...filled {
                let injector = Injector<Int>()
                let victim = LocalQueue<Int>(capacity: capacity, startIndex: start)
                let thief = LocalQueue<Int>(capacity: capacity, startIndex: start &+ 1)
                for i in 0..<filled { victim.push(i, overflow: injector) }
                var seen: [Int] = []
                for _ in 0..<poppedFirst { seen.append(victim.pop()!) }
                let available = filled - poppedFirst
                switch victim.stealer.steal(into: thief) {
                case .empty:
                    #expect(available == 0)
                case .retry:
                    Issue.record("retry without a concurrent thief")
                case .success(let job):
                    let expected = available - available / 2
                    #expect(thief.count == expected - 1)
                    #expect(job == poppedFirst + expected - 1)
                    seen.append(job)
                }
                while let job = thief.pop() { seen.append(job) }
                // The victim's ring has room again.
                victim.push(100, overflow: injector)
                while let job = victim.pop() { seen.append(job) }
                seen.append(contentsOf: injector.drain())
                #expect(seen.sorted() == Array(0..<filled) + [100],
                        "capacity \(capacity) start \(start) filled \(filled) popped \(poppedFirst)")
            }
        }
    }

    @Test func stealIntoAFullishQueueDoesNothing() {
        let injector = Injector<Int>()
        let victim = LocalQueue<Int>(capacity: 4)
        let thief = LocalQueue<Int>(capacity: 4)
        for i in 0..<4 { victim.push(i, overflow: injector) }
        for i in 10..<13 { thief.push(i, overflow: injector) }
        guard case .empty = victim.stealer.steal(into: thief) else {
            Issue.record("stole into a queue more than half full")
            return
        }
        #expect(victim.count == 4)
    }

    @Test func batchPushFromInjectorRefillsWithOneRelease() {
        let injector = Injector<Int>()
        injector.push(contentsOf: 0..<10)
        let queue = LocalQueue<Int>(capacity: 8)
        let first = injector.pop(into: queue, limit: 4)
        #expect(first == 0)
        #expect(queue.count == 3)
        #expect(injector.count == 6)
        var rest: [Int] = []
        while let job = queue.pop() { rest.append(job) }
        #expect(rest == [1, 2, 3])
    }

    @Test func remainingJobsAreReleasedWithTheQueue() {
        final class Tracked: Sendable {
            let counter: Counters
            init(_ counter: Counters) { self.counter = counter }
            deinit { counter.increment(0) }
        }
        let deinits = Counters(1)
        do {
            let injector = Injector<Tracked>()
            let queue = LocalQueue<Tracked>(capacity: 4, startIndex: .max - 1)
            for _ in 0..<3 { queue.push(Tracked(deinits), overflow: injector) }
            _ = queue.pop()
        }
        #expect(deinits[0] == 3)
    }

    /// Forced interleaving: a thief stops after claiming, so the victim sees a steal in progress.
    /// 1. the victim holds 4 jobs; the thief claims 2 and blocks in the seam;
    /// 2. the owner pops the other 2 (allowed), then pushes 4 more: the ring still counts the
    ///    claimed slots as occupied, and with a steal in progress a push to a full ring sends just
    ///    that job to the injector (no overflow batch, no waiting);
    /// 3. a second thief gets `.retry`;
    /// 4. the first thief resumes and finishes; the ring has room again; every job is seen once.
    @Test func ownerAndThievesDuringAnInProgressSteal() {
        let injector = Injector<Int>()
        let victim = LocalQueue<Int>(capacity: 4)
        for i in 0..<4 { victim.push(i, overflow: injector) }
        let claimed = DispatchSemaphore(value: 0)
        let resume = DispatchSemaphore(value: 0)
        victim.buffer._afterStealClaim = {
            claimed.signal()
            resume.wait()
        }
        let stolen = StolenBox()
        let thiefDone = DispatchSemaphore(value: 0)
        let victimStealer = victim.stealer
        Thread.detachNewThread {
            let thief = LocalQueue<Int>(capacity: 4)
            var got: [Int] = []
            if case .success(let job) = victimStealer.steal(into: thief) { got.append(job) }
            while let job = thief.pop() { got.append(job) }
            stolen.set(got)
            thiefDone.signal()
        }
        claimed.wait()
        victim.buffer._afterStealClaim = nil  // the thief already passed the read of the seam

        var seen: [Int] = []
        while let job = victim.pop() { seen.append(job) }
        #expect(seen == [2, 3])
        for i in 4..<8 { victim.push(i, overflow: injector) }
        #expect(injector.drain() == [4, 5, 6, 7])

        let other = LocalQueue<Int>(capacity: 4)
        guard case .retry = victim.stealer.steal(into: other) else {
            Issue.record("expected retry while another thief holds the claim")
            resume.signal()
            thiefDone.wait()
            return
        }

        resume.signal()
        thiefDone.wait()
        #expect(stolen.get().sorted() == [0, 1])
        victim.push(8, overflow: injector)
        while let job = victim.pop() { seen.append(job) }
        #expect(seen == [2, 3, 8])
        #expect(injector.isEmpty)
    }

    /// One owner pushing and popping against three thieves: every job is taken exactly once.
    @Test(arguments: [2, 4, 256])
    func concurrentOwnerAndThievesConserveJobs(capacity: Int) {
        let total = 20_000
        let counts = Counters(total)
        let injector = Injector<Int>()
        let victim = LocalQueue<Int>(capacity: capacity)
        let stealer = victim.stealer
        let ownerDone = Atomic<Bool>(false)
        let thieves = 3
        let group = DispatchGroup()
        for _ in 0..<thieves {
            group.enter()
            Thread.detachNewThread {
                let mine = LocalQueue<Int>(capacity: capacity)
                while true {
                    // Acquiring: pairs with the owner's releasing store below.
                    let done = ownerDone.load(ordering: .acquiring)
                    if case .success(let job) = stealer.steal(into: mine) {
                        counts.increment(job)
                        while let job = mine.pop() { counts.increment(job) }
                    } else if done {
                        break
                    }
                }
                group.leave()
            }
        }
        for i in 0..<total {
            victim.push(i, overflow: injector)
            if i % 3 == 0, let job = victim.pop() { counts.increment(job) }
        }
        while let job = victim.pop() { counts.increment(job) }
        ownerDone.store(true, ordering: .releasing)
        group.wait()
        for job in injector.drain() { counts.increment(job) }
        #expect(counts.mismatches(expected: 1).isEmpty)
        #expect(counts.total == total)
    }
}

/// A value handed from a helper thread to the test.
final class StolenBox: @unchecked Sendable {
    // @unchecked: written once before a semaphore signal, read after the matching wait.
    private var value: [Int] = []
    func set(_ v: [Int]) { value = v }
    func get() -> [Int] { value }
}
