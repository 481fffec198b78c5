import ASL
import ASLJSON
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The engine benchmark: standard workloads (Benchmarks/Workloads) or a user's machine + NDJSON,
/// in process (the library) over 1..N workers and end to end through `aslx run`, beside the
/// JSON floors measured in the same run. See Benchmarks/README.md.
enum EngineBenchmarks {
    static let usage = """
    swift run -c release ASLBench engine [options]

      --quick                  smoke run (small counts)
      --workloads a,b          standard workloads to run (default: \(Workloads.standardNames.joined(separator: ",")))
      --machine FILE --events FILE   a user's machine and NDJSON events instead
      --mock-config FILE --test-case NAME   mock config for --machine
      --timer-bound            --machine waits/retries in real time (in-process uses the virtual clock)
      --workers 1,2            in-process worker counts (default 1..cores)
      --count N                events per in-process run (default 20000; map10 and parallel3 a quarter)
      --e2e-count N            events per `aslx run` (default 30000; map10 and parallel3 10000; timer-bound 2048)
      --window N               in-flight executions in process (default 1024, as `aslx run`)
      --aslx PATH              the aslx binary (default: next to ASLBench, else `swift build -c release --show-bin-path`)
      --no-e2e / --no-alloc / --no-floors    skip parts
      --memory N               only: pass5 through `aslx run` over a pipe with N events; peak RSS
      --profile NAME           only: NAME in process, 1 worker, --count events (for callgrind/perf)
      --json / --csv           machine-readable output on stdout (the table goes to stderr)
      --generate NAME          only: write NAME's events (--count, default 10000) as NDJSON to stdout
    """

    struct Options {
        var quick = false
        var workloads = Workloads.standardNames
        var machine: String?, events: String?, mockConfig: String?, testCase: String?
        var timerBound = false
        var workers: [Int] = Array(1...max(1, ProcessInfo.processInfo.activeProcessorCount))
        var count: Int?
        var e2eCount: Int?
        var window = 1024
        var aslx: String?
        var e2e = true, alloc = true, floors = true
        var memory: Int?
        var profile: String?
        var json = false, csv = false
        var allocProbe = false
        var generate: String?
    }

    static func parse(_ arguments: [String]) -> Options {
        var o = Options()
        var i = 0
        func value() -> String {
            i += 1
            guard i < arguments.count else { fail("\(arguments[i - 1]) needs a value") }
            return arguments[i]
        }
        func int(_ s: String) -> Int { guard let n = Int(s.replacingOccurrences(of: "_", with: "")), n > 0 else { fail("not a positive integer: \(s)") }; return n }
        while i < arguments.count {
            switch arguments[i] {
            case "--quick": o.quick = true
            case "--workloads": o.workloads = value().split(separator: ",").map(String.init)
            case "--machine": o.machine = value()
            case "--events": o.events = value()
            case "--mock-config": o.mockConfig = value()
            case "--test-case": o.testCase = value()
            case "--timer-bound": o.timerBound = true
            case "--workers": o.workers = value().split(separator: ",").map { int(String($0)) }
            case "--count": o.count = int(value())
            case "--e2e-count": o.e2eCount = int(value())
            case "--window": o.window = int(value())
            case "--aslx": o.aslx = value()
            case "--no-e2e": o.e2e = false
            case "--no-alloc": o.alloc = false
            case "--no-floors": o.floors = false
            case "--memory": o.memory = int(value())
            case "--profile": o.profile = value()
            case "--json": o.json = true
            case "--csv": o.csv = true
            case "--alloc-probe": o.allocProbe = true
            case "--generate": o.generate = value()
            case "-h", "--help": print(usage); exit(0)
            default: fail("unknown option \(arguments[i])\n\(usage)")
            }
            i += 1
        }
        if (o.machine == nil) != (o.events == nil) { fail("--machine and --events go together") }
        return o
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("ASLBench engine: \(message)\n".utf8))
        exit(2)
    }

    /// Progress and the table: stdout normally, stderr when stdout carries --json/--csv.
    nonisolated(unsafe) static var toStderr = false
    static func say(_ s: String) {
        (toStderr ? FileHandle.standardError : FileHandle.standardOutput).write(Data((s + "\n").utf8))
    }

    /// Events per in-process run for a workload.
    static func inProcessCount(_ name: String, _ o: Options) -> Int {
        if let c = o.count { return c }
        let base = o.quick ? 4000 : 20_000
        return name == "map10" || name == "parallel3" ? base / 4 : base
    }

    static func e2eCount(_ w: Workload, _ o: Options) -> Int {
        if let c = o.e2eCount { return c }
        if w.timerBound { return o.quick ? 1024 : 2048 }
        return o.quick ? 10_000 : (w.name == "map10" || w.name == "parallel3" ? 10_000 : 30_000)
    }

    static func loadWorkloads(_ o: Options, count: (String) -> Int) -> [Workload] {
        do {
            if let machine = o.machine, let events = o.events {
                return [try Workloads.user(machinePath: machine, eventsPath: events, mockConfigPath: o.mockConfig,
                                           testCase: o.testCase, timerBound: o.timerBound)]
            }
            return try o.workloads.map { name in
                guard Workloads.standardNames.contains(name) else { fail("unknown workload '\(name)' (have \(Workloads.standardNames.joined(separator: ", ")))") }
                return try Workloads.standard(name, count: count(name))
            }
        } catch { fail("\(error)") }
    }

    static func run(_ arguments: [String]) {
        let o = parse(arguments)
        toStderr = o.json || o.csv

        if let name = o.generate {
            var go = o
            go.workloads = [name]
            guard let w = loadWorkloads(go, count: { _ in o.count ?? 10_000 }).first else { return }
            EndToEnd.feed(1, lines: w.lines, total: w.lines.count)
            return
        }

        if o.allocProbe {
            // Child mode (LD_PRELOAD=libc_malloc_debug.so.0): allocations per execution through the
            // in-process pipeline (parse, engine, record serialization), 1 worker.
            for w in loadWorkloads(o, count: { _ in o.count ?? 2000 }) {
                var c = InProcess.configuration(w, workers: 1, virtualClock: w.timerBound)
                c.maxInFlight = 64
                let engine = Engine(c)
                _ = InProcess.pump(engine, w.machine, Array(w.lines.prefix(200)))  // warm-up
                let n = Allocations.count { _ = InProcess.pump(engine, w.machine, w.lines) }
                print("\(w.name)\t\(n < 0 ? -1 : Double(n) / Double(w.lines.count))")
                var floorCount = 0
                let f = Allocations.count {
                    var writer = JSONWriter(capacity: 4096)
                    for line in w.lines {
                        let v = try! JSONParser.parse(line)
                        writer.reset(); writer.write(v); floorCount &+= writer.bytes.count
                    }
                }
                print("\(w.name)/floor\t\(f < 0 ? -1 : Double(f) / Double(w.lines.count))")
            }
            return
        }

        if let name = o.profile {
            // One in-process run, nothing else: `valgrind --tool=callgrind ASLBench engine --profile pass5 --count N`.
            var po = o
            po.workloads = [name]
            // At most 2,000 distinct events, cycled up to N: the difference between two runs
            // (callgrind at N = 2,000 and 12,000) is then the cost of N executions alone.
            let n = o.count ?? 10_000
            guard var w = loadWorkloads(po, count: { _ in min(n, 2000) }).first else { return }
            let distinct = w.lines
            w.lines = (0..<n).map { distinct[$0 % distinct.count] }
            let r = InProcess.run(w, workers: o.workers.first ?? 1, window: o.window, virtualClock: w.timerBound)
            say("profile \(w.name): \(r.executions) executions, \(r.succeeded) succeeded, \(Report.f(Double(r.executions) / r.wallSeconds, 0)) exec/s, \(Report.f(r.cpuSeconds / Double(r.executions) * 1e6, 2)) cpu µs/exec")
            return
        }

        if let n = o.memory {
            memoryRun(o, events: n)
            return
        }

        let workloads = loadWorkloads(o, count: { inProcessCount($0, o) })
        let cores = ProcessInfo.processInfo.activeProcessorCount
        say("ASLBench engine — \(Date()) — \(cores) cores, load \(Report.f(Measure.loadAverage(), 2)) (1-min average; the machine is shared)")

        var allocations: [String: Double] = [:]
        if o.alloc {
            var probeArgs = ["--count", o.quick ? "100" : "200"]
            if let m = o.machine, let e = o.events {
                probeArgs += ["--machine", m, "--events", e]
                if let c = o.mockConfig, let t = o.testCase { probeArgs += ["--mock-config", c, "--test-case", t] }
                if o.timerBound { probeArgs.append("--timer-bound") }
            } else {
                probeArgs += ["--workloads", o.workloads.joined(separator: ",")]
            }
            allocations = Allocations.probe(probeArgs)
            if o.machine == nil {
                // One child per missing workload, once more: the mtrace child sometimes dies (SIGSEGV,
                // see README), which would lose every workload after it.
                for name in o.workloads where allocations[name] == nil {
                    var args = probeArgs
                    args[args.count - 1] = name
                    allocations.merge(Allocations.probe(args)) { a, _ in a }
                }
            }
            if allocations.isEmpty { say("allocations: not measured (needs glibc's \(Allocations.library))") }
        }

        var binary: String?
        var workersFlag: String?
        if o.e2e {
            binary = EndToEnd.findBinary(o.aslx)
            if let binary {
                workersFlag = EndToEnd.workersFlag(binary)
                say("aslx: \(binary)" + (workersFlag.map { " (threads set with \($0))" } ?? " (no thread-count flag: 1-CPU runs use taskset -c 0; aslx still starts one worker per core)"))
            } else {
                say("aslx: release binary not found (swift build -c release --product aslx, or --aslx PATH); end-to-end runs skipped")
            }
        }

        var rows: [Row] = []
        let tmp = NSTemporaryDirectory() + "aslbench-\(getpid())"
        try? FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }

        for w in workloads {
            let transitions = InProcess.transitionsPerExecution(w)
            say("\(w.name): \(w.lines.count) events, avg \(w.averageEventBytes) bytes, \(Report.f(transitions, 1)) state transitions per execution\(w.timerBound ? ", timer-bound (~1 s of Wait/Retry per execution)" : "")")
            var floorRate: Double?, floorCPU: Double?
            if o.floors {
                let repeats = o.quick ? 2 : 3
                let a = Floors.aslxJSON(w.lines, repeats: repeats)
                floorRate = a.eventsPerSecond; floorCPU = a.cpuMicros
                rows.append(Row(workload: w.name, mode: "floor-aslx-json", workers: 1, executions: w.lines.count, succeeded: w.lines.count,
                                wallSeconds: Double(w.lines.count) / a.eventsPerSecond, executionsPerSecond: a.eventsPerSecond,
                                cpuMicrosPerExecution: a.cpuMicros, allocationsPerExecution: allocations[w.name + "/floor"],
                                ratioToJSONFloor: 1, cpuRatioToJSONFloor: 1, load: Measure.loadAverage(), note: "parse+serialize, best of \(repeats) by thread CPU"))
                let fdn = Floors.foundation(w.lines, repeats: repeats)
                rows.append(Row(workload: w.name, mode: "floor-foundation", workers: 1, executions: w.lines.count, succeeded: w.lines.count,
                                wallSeconds: Double(w.lines.count) / fdn.eventsPerSecond, executionsPerSecond: fdn.eventsPerSecond,
                                cpuMicrosPerExecution: fdn.cpuMicros, ratioToJSONFloor: fdn.eventsPerSecond / a.eventsPerSecond,
                                cpuRatioToJSONFloor: a.cpuMicros / fdn.cpuMicros, load: Measure.loadAverage(), note: "JSONSerialization"))
            }
            func ratios(_ rate: Double, _ cpu: Double) -> (Double?, Double?) {
                (floorRate.map { rate / $0 }, floorCPU.map { $0 / cpu })
            }
            for workers in o.workers {
                _ = InProcess.run(w, workers: workers, window: o.window, virtualClock: w.timerBound, count: min(w.lines.count, 1000))  // warm-up
                let r = InProcess.run(w, workers: workers, window: o.window, virtualClock: w.timerBound)
                let rate = Double(r.executions) / r.wallSeconds
                let cpu = r.cpuSeconds / Double(r.executions) * 1e6
                let (ratio, cpuRatio) = ratios(rate, cpu)
                rows.append(Row(workload: w.name, mode: "in-process", workers: workers, executions: r.executions, succeeded: r.succeeded,
                                wallSeconds: r.wallSeconds, executionsPerSecond: rate, transitionsPerSecond: rate * transitions,
                                cpuMicrosPerExecution: cpu, p50: r.p50, p99: r.p99, p999: r.p999,
                                allocationsPerExecution: allocations[w.name], peakRSSMegabytes: r.peakRSS,
                                ratioToJSONFloor: ratio, cpuRatioToJSONFloor: cpuRatio, load: Measure.loadAverage(),
                                note: w.timerBound ? "virtual clock" : ""))
                say(Report.table([rows.last!]).split(separator: "\n").last.map(String.init) ?? "")
            }
            if let binary {
                let n = e2eCount(w, o)
                let file = "\(tmp)/\(w.name).ndjson"
                let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                EndToEnd.feed(fd, lines: w.lines, total: n)
                close(fd)
                let inFlight = w.timerBound ? n : nil
                var runs: [(String, EndToEnd.Input, Int?)] = []
                if !w.timerBound && cores > 1 { runs.append(("e2e-file", .file(file), 1)) }
                runs.append(("e2e-file", .file(file), workersFlag == nil ? nil : cores))
                runs.append(("e2e-pipe", .pipe(lines: w.lines, total: n), workersFlag == nil ? nil : cores))
                for (mode, input, workers) in runs {
                    do {
                        let r = try EndToEnd.run(binary: binary, workload: w, input: input, workers: workers,
                                                 workersFlag: workersFlag, maxInFlight: inFlight)
                        let rate = Double(n) / r.wallSeconds
                        let cpu = r.cpuSeconds / Double(n) * 1e6
                        let (ratio, cpuRatio) = ratios(rate, cpu)
                        var note = w.timerBound ? "--max-in-flight \(n), real time" : ""
                        if r.records != n { note += " \(r.records) records!" }
                        if r.exitStatus != 0 { note += " exit status \(r.exitStatus)" }
                        if workers == 1 && workersFlag == nil { note += " taskset 1 CPU" }
                        rows.append(Row(workload: w.name, mode: mode, workers: workers ?? cores, executions: n, succeeded: r.succeeded,
                                        wallSeconds: r.wallSeconds, executionsPerSecond: rate, transitionsPerSecond: rate * transitions,
                                        cpuMicrosPerExecution: cpu, peakRSSMegabytes: r.peakRSS,
                                        ratioToJSONFloor: ratio, cpuRatioToJSONFloor: cpuRatio, load: Measure.loadAverage(),
                                        note: note.trimmingCharacters(in: .whitespaces)))
                        say(Report.table([rows.last!]).split(separator: "\n").last.map(String.init) ?? "")
                    } catch { say("\(w.name) \(mode): \(error)") }
                }
                unlink(file)
            }
        }

        say("")
        say(Report.table(rows))
        say(legend)
        if o.json {
            print(Report.json(rows, metadata: ["date": ISO8601DateFormatter().string(from: Date()), "cores": cores,
                                               "load1_at_end": Measure.loadAverage(), "window": o.window,
                                               "aslx": binary ?? NSNull()]))
        }
        if o.csv { print(Report.csv(rows), terminator: "") }
    }

    static let legend = """
    exec/s: executions per wall-clock second; trans/s: exec/s × state transitions per execution (StateEntered
    events, Map iterations and Parallel branches included). cpu µs/ex: user+system CPU of the whole process
    (all threads; for e2e the aslx child) per execution. p50/p99/p999: in-process latency from a line's parse to
    its record serialized, with up to --window executions in flight. allocs/ex: heap allocations per execution
    (glibc mtrace, 1 worker, parse + engine + record). RSS: peak resident set (in-process: VmHWM reset per run;
    e2e: the aslx child's VmHWM, polled). ×floor: exec/s ÷ the aslx JSON floor's events/s (parse+serialize, 1 thread);
    cpu×floor: floor CPU per event ÷ CPU per execution (per-core efficiency). thr: engine workers in process;
    for e2e the CPUs given to aslx. load: 1-minute load average when the row finished (2 cores shared).
    """

    /// `aslx run` over a pipe with `events` pass5 events (cycling 10,000 generated ones): peak RSS.
    static func memoryRun(_ o: Options, events: Int) {
        guard let binary = EndToEnd.findBinary(o.aslx) else { fail("aslx release binary not found") }
        let w: Workload
        do { w = try Workloads.standard("pass5", count: 10_000) } catch { fail("\(error)") }
        say("memory: pass5, \(events) events through \(binary) run over a pipe, load \(Report.f(Measure.loadAverage(), 2))")
        do {
            let r = try EndToEnd.run(binary: binary, workload: w, input: .pipe(lines: w.lines, total: events), workers: nil,
                                     workersFlag: nil, maxInFlight: nil)
            say("records \(r.records), succeeded \(r.succeeded), wall \(Report.f(r.wallSeconds, 1)) s, \(Report.count(Double(events) / r.wallSeconds)) exec/s, peak RSS \(Report.f(r.peakRSS, 1)) MB, cpu \(Report.f(r.cpuSeconds, 1)) s, load \(Report.f(Measure.loadAverage(), 2))")
        } catch { fail("\(error)") }
    }
}
