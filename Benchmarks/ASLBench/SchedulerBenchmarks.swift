import ASL
import ASLJSON
import Foundation
import Synchronization

/// Scheduler measurements at the engine level (issue 5): many parked executions on real timers,
/// and how late execution deadlines fire while the workers are saturated.
enum SchedulerBenchmarks {
    static func run(_ arguments: [String]) {
        let quick = arguments.contains("--quick")
        parkedWaits(count: quick ? 10_000 : 100_000)
        deadlineLateness(deadlines: quick ? 200 : 2_000, busy: quick ? 2_000 : 20_000)
    }

    /// Starts `count` executions that each wait 1 s (system clock) and times until all are done.
    static func parkedWaits(count: Int) {
        let machine = try! StateMachine(definition: """
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "P"}, "P": {"Type": "Pass", "End": true}}}
            """, name: "wait1")
        let engine = Engine(EngineConfiguration())
        let done = DispatchSemaphore(value: 0)
        let remaining = Atomic<Int>(count)
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<count {
            engine.start(machine, input: ["i": .int(i)]) { outcome in
                precondition(outcome.status == .succeeded)
                // Relaxed: only the count matters; the semaphore publishes completion.
                if remaining.wrappingSubtract(1, ordering: .relaxed).newValue == 0 { done.signal() }
            }
        }
        let submitted = DispatchTime.now().uptimeNanoseconds
        done.wait()
        let end = DispatchTime.now().uptimeNanoseconds
        print(String(format: "scheduler: %d executions each waiting 1 s: all done in %.3f s wall (submitting took %.3f s; target < 2 s); RSS peak %d MB",
                     count, Double(end - start) / 1e9, Double(submitted - start) / 1e9, peakRSSMegabytes()))
    }

    /// Runs `busy` CPU-heavy executions (map10-like) while `deadlines` executions with
    /// `TimeoutSeconds: 1` wait far longer; reports how late each TIMED_OUT came.
    static func deadlineLateness(deadlines: Int, busy: Int) {
        let timeout = try! StateMachine(definition: """
            {"TimeoutSeconds": 1, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}}
            """, name: "deadline")
        let work = try! StateMachine(definition: """
            {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items",
              "ItemProcessor": {"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"v.$": "$", "s.$": "States.Format('item {}', $)"}, "Next": "B"},
                                                           "B": {"Type": "Pass", "ResultPath": "$.b", "Result": {"ok": true}, "End": true}}},
              "End": true}}}
            """, name: "busy")
        let engine = Engine(EngineConfiguration())
        let items = JSONValue.array((0..<10).map { .int($0) })
        let group = DispatchGroup()
        let lateness = Mutex<[Int64]>([])
        let busyRemaining = Atomic<Int>(busy)
        // Keep the workers saturated: a steady stream of busy executions, refilled as they finish.
        @Sendable func startBusy() {
            // Relaxed: a budget counter, nothing is published through it.
            guard busyRemaining.wrappingSubtract(1, ordering: .relaxed).oldValue > 0 else { return }
            group.enter()
            engine.start(work, input: ["items": items]) { _ in startBusy(); group.leave() }
        }
        for _ in 0..<256 { startBusy() }
        for _ in 0..<deadlines {
            group.enter()
            engine.start(timeout, input: [:]) { outcome in
                precondition(outcome.status == .timedOut)
                let late = outcome.stopDate - outcome.startDate - 1000
                lateness.withLock { $0.append(late) }
                group.leave()
            }
        }
        group.wait()
        let sorted = lateness.withLock { $0.sorted() }
        func pct(_ p: Double) -> Int64 { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        print("scheduler: deadline lateness of \(deadlines) TimeoutSeconds=1 executions under \(busy) concurrent Map executions (ms): " +
              "p50 \(pct(0.5)), p99 \(pct(0.99)), max \(sorted.last ?? 0) (target: within 10 ms)")
    }

    static func peakRSSMegabytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
        }
        return 0
    }
}
