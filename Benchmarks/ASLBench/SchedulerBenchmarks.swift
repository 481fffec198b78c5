import ASL
import ASLJSON
import Foundation
import Synchronization

/// Scheduler measurements at the engine level (issue 5): many parked executions on real timers,
/// and how late execution deadlines fire while the workers are saturated.
enum SchedulerBenchmarks {
    static func run(_ arguments: [String]) {
        let quick = arguments.contains("--quick")
        scaling(count: quick ? 20_000 : 200_000)
        parkedWaits(count: quick ? 10_000 : 100_000)
        deadlineLateness(deadlines: quick ? 200 : 2_000, busy: quick ? 2_000 : 20_000)
    }

    /// Executions/s of a 5-state Pass chain vs worker count: inputs are parsed up front and results
    /// are not serialized, so the figure is the engine and its scheduler alone.
    static func scaling(count: Int) {
        let machine = try! StateMachine(definition: """
            {"StartAt": "A", "States": {
              "A": {"Type": "Pass", "Parameters": {"id.$": "$.id", "name.$": "$.name"}, "Next": "B"},
              "B": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('Hello {}', $.name)", "id.$": "$.id"}, "ResultPath": "$.g", "Next": "C"},
              "C": {"Type": "Pass", "Result": {"ok": true}, "ResultPath": "$.status", "Next": "D"},
              "D": {"Type": "Pass", "OutputPath": "$", "Next": "E"},
              "E": {"Type": "Pass", "Parameters": {"id.$": "$.id", "greeting.$": "$.g.greeting", "ok.$": "$.status.ok"}, "End": true}}}
            """, name: "chain5")
        let inputs: [JSONValue] = (0..<1000).map { ["id": .int($0), "name": .string("user\($0)"), "tags": ["a", "b"]] }
        var rates: [Int: Double] = [:]
        let cores = ProcessInfo.processInfo.activeProcessorCount
        for workers in Array(Set([1, 2, cores])).sorted() {
            // N workers get N cores: the submitting thread (which runs Engine.start) shares them,
            // so "1 worker" is not quietly helped by a second core.
            restrictToCPUs(min(workers, cores))
            defer { restrictToCPUs(cores) }
            var configuration = EngineConfiguration()
            configuration.workers = workers
            let engine = Engine(configuration)
            let window = DispatchSemaphore(value: 4096)
            let done = DispatchGroup()
            let start = DispatchTime.now().uptimeNanoseconds
            for i in 0..<count {
                window.wait()
                done.enter()
                engine.start(machine, input: inputs[i % inputs.count], name: "e") { _ in window.signal(); done.leave() }
            }
            done.wait()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            rates[workers] = Double(count) / seconds
            print(String(format: "scheduler: 5-state Pass chain, %d workers on %d CPUs: %.0f executions/s (%d executions, %.2f s)", workers, min(workers, cores), rates[workers]!, count, seconds))
        }
        if let one = rates[1], let two = rates[2] {
            print(String(format: "scheduler: 1 → 2 workers: %.2f× (target ≥ 1.8×)", two / one))
        }
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

    /// Limits this thread (and threads it creates later) to CPUs 0..<n.
    static func restrictToCPUs(_ n: Int) {
        #if canImport(Glibc)
        var set = cpu_set_t()
        withUnsafeMutableBytes(of: &set) { raw in
            for cpu in 0..<n { raw[cpu / 8] |= UInt8(1 << (cpu % 8)) }
        }
        // sched_setaffinity is a GNU extension the Glibc module does not import; look it up.
        typealias SetAffinity = @convention(c) (Int32, Int, UnsafeRawPointer) -> Int32
        guard let symbol = dlsym(nil, "sched_setaffinity") else { return }
        let setAffinity = unsafeBitCast(symbol, to: SetAffinity.self)
        _ = withUnsafeBytes(of: &set) { setAffinity(0, MemoryLayout<cpu_set_t>.size, $0.baseAddress!) }
        #endif
    }

    static func peakRSSMegabytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
        }
        return 0
    }
}
