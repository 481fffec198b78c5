import Dispatch
import Foundation
import Synchronization
import Testing
@testable import WorkStealing

/// Every job submitted or spawned runs exactly once, with tiny rings so that overflow to the
/// injector, batch refills and stealing all happen constantly.
@Suite struct StealConservationTests {
    /// A job in a binary tree of spawns: `id` is its heap index inside tree `root`.
    struct TreeJob: Sendable {
        var root: Int
        var node: Int
    }

    static let treeDepth = 6  // 2^6 - 1 = 63 jobs per tree

    @Test(arguments: [(workers: 4, capacity: 2), (workers: 3, capacity: 4), (workers: 2, capacity: 256)])
    func submittersAndSpawnsRunEveryJobOnce(workers: Int, capacity: Int) {
        let submitters = 4
        let rootsPerSubmitter = 150
        let treeSize = (1 << Self.treeDepth) - 1
        let total = submitters * rootsPerSubmitter * treeSize
        let counts = Counters(total)
        let pool = WorkStealingPool<TreeJob>(workers: workers, localCapacity: capacity) { job, context in
            counts.increment(job.root * treeSize + job.node - 1)
            let left = job.node * 2
            if left <= treeSize {
                context.spawn(TreeJob(root: job.root, node: left))
                context.spawn(TreeJob(root: job.root, node: left + 1))
            }
        }
        onThreads(submitters) { s in
            for r in 0..<rootsPerSubmitter {
                pool.submit(TreeJob(root: s * rootsPerSubmitter + r, node: 1))
            }
        }
        pool.shutdown()
        #expect(counts.mismatches(expected: 1).isEmpty)
        #expect(counts.total == total)
    }

    /// One job spawns a long flat fan-out onto a 2-slot ring: nearly everything overflows or is
    /// stolen, and the children submit grandchildren through the injector.
    @Test func wideFanOutOverflowsAndIsStolen() {
        let children = 5_000
        let counts = Counters(1 + 2 * children)
        let workersSeen = Counters(4)
        let pool = WorkStealingPool<Int>(workers: 4, localCapacity: 2) { job, context in
            counts.increment(job)
            workersSeen.increment(context.workerIndex)
            if job == 0 {
                for child in 1...children { context.spawn(child) }
            } else if job <= children {
                context.spawn(children + job)
            }
        }
        pool.submit(0)
        pool.shutdown()
        #expect(counts.mismatches(expected: 1).isEmpty)
        #expect(workersSeen.total == 1 + 2 * children)
    }

    /// Jobs re-submit themselves from worker threads (the engine's "resume the parent" pattern)
    /// while external threads keep submitting.
    @Test func resubmissionFromJobsAndOutside() {
        let chains = 200
        let length = 50
        let counts = Counters(chains * length)
        let pool = WorkStealingPool<Int>(workers: 3, localCapacity: 4) { _, _ in }
        let chainPool = WorkStealingPool<Int>(workers: 3, localCapacity: 4) { job, context in
            counts.increment(job)
            if (job + 1) % length != 0 {
                if job % 2 == 0 { context.spawn(job + 1) } else { pool.submit(0); context.spawn(job + 1) }
            }
        }
        onThreads(4) { t in
            var chain = t
            while chain < chains {
                chainPool.submit(chain * length)
                chain += 4
            }
        }
        chainPool.shutdown()
        pool.shutdown()
        #expect(counts.mismatches(expected: 1).isEmpty)
    }

    @Test func singleWorkerRunsEverything() {
        let counts = Counters(1000)
        let pool = WorkStealingPool<Int>(workers: 1, localCapacity: 2) { job, context in
            counts.increment(job)
            if job < 500 { context.spawn(job + 500) }
        }
        for i in 0..<500 { pool.submit(i) }
        pool.shutdown()
        #expect(counts.mismatches(expected: 1).isEmpty)
    }
}
