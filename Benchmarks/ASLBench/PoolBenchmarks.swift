import Foundation
import Synchronization
import WorkStealing

/// Benchmarks for the WorkStealing pool: `swift run -c release ASLBench pool [--quick]`.
///
/// Throughput is wall time from the first submission until `shutdown()` returns (all jobs done,
/// threads joined). Only numbers from the same machine and session are comparable.
enum PoolBenchmarks {
    static func run(_ arguments: [String]) {
        let quick = arguments.contains("--quick")
        let scale = quick ? 10 : 1
        print("Pool (WorkStealing), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print(pad("benchmark", 40) + pad("workers", 8) + pad("jobs", 10) + pad("ms", 10) + "jobs/s")

        for workers in [1, 2] {
            tinySubmitted(workers: workers, jobs: 1_000_000 / scale)
        }
        for workers in [1, 2] {
            spawnFanOut(workers: workers, depth: quick ? 16 : 20)
        }
        for workers in [1, 2] {
            spawnChains(workers: workers, chains: 64, length: 20_000 / scale)
        }
        print("")
        print(pad("timers", 40) + pad("workers", 8) + pad("timers", 10) + pad("wall ms", 10)
              + "lateness ms min / p50 / p90 / p99 / max")
        timers(workers: 2, count: 100_000 / scale, delay: 1_000_000_000, load: false)
        timers(workers: 2, count: 1_000, delay: 1_000_000_000, load: false)
        timers(workers: 2, count: 2_000, delay: 0, load: true)
        virtualTimers(count: 100_000 / scale)
    }

    /// Empty jobs submitted one by one from the main thread (the injector path).
    static func tinySubmitted(workers: Int, jobs: Int) {
        let pool = WorkStealingPool<Int>(workers: workers) { _, _ in }
        let start = DispatchTime.now()
        for i in 0..<jobs { pool.submit(i) }
        pool.shutdown()
        report("tiny jobs, submitted from outside", workers, jobs, start)
    }

    /// One root job spawning a binary tree: almost every job is pushed and popped locally, and
    /// the other worker gets work only by stealing.
    static func spawnFanOut(workers: Int, depth: Int) {
        let jobs = (1 << depth) - 1
        let pool = WorkStealingPool<Int>(workers: workers) { level, context in
            if level > 1 {
                context.spawn(level - 1)
                context.spawn(level - 1)
            }
        }
        let start = DispatchTime.now()
        pool.submit(depth)
        pool.shutdown()
        report("spawn fan-out (binary tree)", workers, jobs, start)
    }

    /// Chains in which each job spawns its successor (an execution resuming itself).
    static func spawnChains(workers: Int, chains: Int, length: Int) {
        let pool = WorkStealingPool<Int>(workers: workers) { remaining, context in
            if remaining > 1 { context.spawn(remaining - 1) }
        }
        let start = DispatchTime.now()
        for _ in 0..<chains { pool.submit(length) }
        pool.shutdown()
        report("spawn chains (\(chains) chains)", workers, chains * length, start)
    }

    /// `count` timers; with `load`, spread over 1.5 s while both workers run a stream of tiny
    /// jobs, otherwise all at `delay` after scheduling starts.
    static func timers(workers: Int, count: Int, delay: UInt64, load: Bool) {
        let lateness = Samples(count)
        let stop = Atomic<Bool>(false)
        enum Job: Sendable { case timer(Int, UInt64), busy }
        let pool = WorkStealingPool<Job>(workers: workers) { job, context in
            switch job {
            case .timer(let index, let deadline):
                lateness.record(index, context.now &- deadline)
            case .busy:
                // Roughly 2 µs of work, then resume (a CPU-bound stream that never idles).
                var x = 0
                for i in 0..<400 { x &+= i &* i }
                if x != 1, !stop.load(ordering: .relaxed) { context.spawn(.busy) }
            }
        }
        if load { for _ in 0..<(workers * 4) { pool.submit(.busy) } }
        let start = DispatchTime.now()
        let base = pool.now
        for i in 0..<count {
            let deadline = load ? base + UInt64(i) * 1_500_000_000 / UInt64(count) : base + delay
            pool.schedule(.timer(i, deadline), at: deadline)
        }
        if load {
            Thread.sleep(forTimeInterval: 1.6)
            stop.store(true, ordering: .relaxed)
        }
        pool.shutdown()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
        let name = load ? "2k timers over 1.5 s, workers saturated" : "\(count) timers at +1 s, idle pool"
        print(pad(name, 40) + pad("\(workers)", 8) + pad("\(count)", 10)
              + pad(String(format: "%.0f", wall), 10) + lateness.percentiles())
    }

    /// Timers on the virtual clock: 100k executions each waiting 1 s, 10 times.
    static func virtualTimers(count: Int) {
        let pool = WorkStealingPool<Int>(workers: 2, clock: .virtual) { step, context in
            if step < 0 {
                for _ in 0..<count { context.spawn(0) }
            } else if step < 10 {
                context.schedule(step + 1, at: context.now + 1_000_000_000)
            }
        }
        let start = DispatchTime.now()
        pool.submit(-1)
        pool.shutdown()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
        print(pad("\(count) x 10 waits of 1 s, virtual clock", 40) + pad("2", 8)
              + pad("\(count * 10)", 10) + pad(String(format: "%.0f", wall), 10)
              + "virtual time at end: \(pool.now / 1_000_000_000) s")
    }

    // MARK: - Helpers

    static func report(_ name: String, _ workers: Int, _ jobs: Int, _ start: DispatchTime) {
        let ns = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds)
        print(pad(name, 40) + pad("\(workers)", 8) + pad("\(jobs)", 10)
              + pad(String(format: "%.1f", ns / 1e6), 10)
              + String(format: "%.2fM", Double(jobs) / ns * 1e3))
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }

    /// One slot per timer; each written by exactly one job, read after `shutdown()` joined the
    /// workers (so plain memory is enough).
    final class Samples: @unchecked Sendable {
        private let values: UnsafeMutablePointer<UInt64>
        let count: Int
        init(_ count: Int) {
            self.count = count
            values = .allocate(capacity: count)
            values.initialize(repeating: .max, count: count)
        }
        deinit { values.deallocate() }
        func record(_ i: Int, _ v: UInt64) { values[i] = v }
        func percentiles() -> String {
            let sorted = (0..<count).map { values[$0] }.sorted()
            guard sorted.last != .max else { return "MISSING TIMERS" }
            func at(_ p: Double) -> String {
                String(format: "%.2f", Double(sorted[min(count - 1, Int(Double(count) * p))]) / 1e6)
            }
            return "\(at(0.0)) / \(at(0.5)) / \(at(0.9)) / \(at(0.99)) / \(at(1.0))"
        }
    }
}
