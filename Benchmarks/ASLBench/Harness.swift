import ASL
import ASLJSON
import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Clocks and memory

enum Measure {
    static func nanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// User + system CPU seconds of every thread of this process.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    static func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }

    /// Resets this process's peak RSS (VmHWM) to its current RSS (Linux: `5` to clear_refs).
    static func resetPeakRSS() {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        if fd >= 0 { _ = write(fd, "5", 1); close(fd) }
    }

    /// This process's peak RSS in MB since the last reset (VmHWM), or -1.
    static func peakRSSMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? -1
            return kb / 1024
        }
        return -1
    }

    /// Machine load (1-minute average) for the report.
    static func loadAverage() -> Double {
        var loads = [Double](repeating: 0, count: 3)
        return getloadavg(&loads, 3) > 0 ? loads[0] : -1
    }

    static func percentile(_ sorted: UnsafeMutableBufferPointer<UInt64>, _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let index = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)
        return Double(sorted[max(0, index)]) / 1000  // µs
    }
}

// MARK: - In-process runs

struct InProcessResult {
    var executions = 0
    var succeeded = 0
    var wallSeconds = 0.0
    var cpuSeconds = 0.0
    var p50 = 0.0, p99 = 0.0, p999 = 0.0  // µs
    var peakRSS = -1.0
    var outputBytes = 0
}

/// Counts `*StateEntered` events (state transitions) per execution.
final class TransitionCounter: LogSink, @unchecked Sendable {
    let entered = Mutex<[String: Int]>([:])
    func write(_ event: LogEvent) {
        if event.type.hasSuffix("StateEntered") { entered.withLock { $0[event.executionArn, default: 0] += 1 } }
    }
}

enum InProcess {
    static func configuration(_ w: Workload, workers: Int, virtualClock: Bool) -> EngineConfiguration {
        var c = EngineConfiguration()
        c.workers = workers
        c.clock = virtualClock ? .virtual : .system
        c.mockConfig = w.mockConfig
        c.mockTestCase = w.testCase
        return c
    }

    /// State transitions per execution (StateEntered events), averaged over the executions of up
    /// to 20 events that succeeded. (Only succeeded ones: on the virtual clock an execution can
    /// time out spuriously — see Benchmarks/README.md.)
    static func transitionsPerExecution(_ w: Workload) -> Double {
        var c = configuration(w, workers: 1, virtualClock: w.timerBound)
        let counter = TransitionCounter()
        c.logSink = counter
        c.logLevel = .all
        let engine = Engine(c)
        let sample = Array(w.lines.prefix(20))
        let done = DispatchSemaphore(value: 0)
        let succeeded = Mutex<[String]>([])
        for line in sample {
            let input = try! JSONParser.parse(line)
            engine.start(w.machine, input: input) { outcome in
                if outcome.status == .succeeded { succeeded.withLock { $0.append(outcome.executionArn) } }
                done.signal()
            }
        }
        for _ in sample { done.wait() }
        let arns = succeeded.withLock { $0 }
        let counts = counter.entered.withLock { $0 }
        guard !arns.isEmpty else { return Double(counts.values.reduce(0, +)) / Double(max(1, counts.count)) }
        return Double(arns.reduce(0) { $0 + (counts[$1] ?? 0) }) / Double(arns.count)
    }

    /// ``pump(_:_:_:)`` on a fresh engine with `window` running slots (`--max-in-flight`).
    static func run(_ w: Workload, workers: Int, window: Int, virtualClock: Bool, count: Int? = nil) -> InProcessResult {
        let lines = count.map { Array(w.lines.prefix($0)) } ?? w.lines
        var c = configuration(w, workers: workers, virtualClock: virtualClock)
        c.maxInFlight = window
        let engine = Engine(c)
        Measure.resetPeakRSS()
        var r = pump(engine, w.machine, lines)
        r.peakRSS = Measure.peakRSSMegabytes()
        return r
    }

    /// Runs every line through `engine` as `aslx run` does (Documentation/Scheduler.md, "`aslx
    /// run`'s pipeline"), without the reading of stdin and the writing of stdout: batches of 64
    /// lines go to engine workers (`Engine.onWorker`), where each line is parsed, run on that
    /// worker (`EngineWorker.start`) and its record formatted (`RecordFormatter.recordBytes`);
    /// running slots come from the engine's `Admission` in groups, as `aslx run`'s reader takes
    /// them. Waits for the last record.
    static func pump(_ engine: Engine, _ machine: StateMachine, _ lines: [[UInt8]]) -> InProcessResult {
        let n = lines.count
        var latencies = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: n)
        defer { latencies.deallocate() }
        latencies.initialize(repeating: 0)
        let startTimes = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: n)
        defer { startTimes.deallocate() }
        startTimes.initialize(repeating: 0)
        let lat = UncheckedBox(latencies), starts = UncheckedBox(startTimes)
        let finished = DispatchSemaphore(value: 0)
        let completed = Atomic<Int>(0), succeeded = Atomic<Int>(0), bytes = Atomic<Int>(0)

        let cpu0 = Measure.processCPUSeconds()
        let t0 = Measure.nanos()
        var batch: [Int] = []
        func submit() {
            guard !batch.isEmpty else { return }
            let indices = batch
            batch.removeAll(keepingCapacity: true)
            engine.onWorker { worker in
                for i in indices {
                    let input = lines[i].withUnsafeBufferPointer { try! JSONParser.parse(buffer: $0) }
                    worker.start(machine, input: input, name: "line-\(i + 1)", admitted: true) { outcome in
                        let record = RecordFormatter.recordBytes(outcome)
                        lat.value[i] = Measure.nanos() &- starts.value[i]
                        bytes.add(record.count, ordering: .relaxed)
                        if outcome.status == .succeeded { succeeded.add(1, ordering: .relaxed) }
                        if completed.add(1, ordering: .acquiringAndReleasing).newValue == n { finished.signal() }
                    }
                }
            }
        }
        let admission = engine.admission
        let group = max(1, min(64, admission.maxRunning / 8))
        var slots = 0
        for i in 0..<n {
            if slots == 0 {
                if !admission.tryEnter(count: group) {
                    submit()
                    admission.enterBlocking(count: group)
                }
                slots = group
            }
            slots -= 1
            starts.value[i] = Measure.nanos()
            batch.append(i)
            if batch.count == 64 { submit() }
        }
        submit()
        if slots > 0 { admission.leave(count: slots) }
        if n > 0 { finished.wait() }
        let wall = Double(Measure.nanos() - t0) / 1e9
        let cpu = Measure.processCPUSeconds() - cpu0
        var r = InProcessResult()
        r.executions = n
        r.succeeded = succeeded.load(ordering: .relaxed)
        r.wallSeconds = wall
        r.cpuSeconds = cpu
        r.outputBytes = bytes.load(ordering: .relaxed)
        latencies.sort()
        r.p50 = Measure.percentile(latencies, 0.5)
        r.p99 = Measure.percentile(latencies, 0.99)
        r.p999 = Measure.percentile(latencies, 0.999)
        return r
    }
}

/// Carries a pointer into `@Sendable` closures (each slot is written by one thread, read after
/// the completion count's acquire).
struct UncheckedBox<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

// MARK: - Floors

enum Floors {
    /// Events/s and CPU µs/event for the JSON engine parsing and serializing each line
    /// (one thread; best of `repeats` passes by thread CPU time).
    static func aslxJSON(_ lines: [[UInt8]], repeats: Int) -> (eventsPerSecond: Double, cpuMicros: Double, wallEventsPerSecond: Double) {
        best(lines.count, repeats) { JSONBenchmarks.parseAndSerialize(lines) }
    }

    static func foundation(_ lines: [[UInt8]], repeats: Int) -> (eventsPerSecond: Double, cpuMicros: Double, wallEventsPerSecond: Double) {
        let datas = lines.map { Data($0) }
        return best(lines.count, repeats) {
            var n = 0
            for data in datas {
                let object = try! JSONSerialization.jsonObject(with: data)
                n &+= try! JSONSerialization.data(withJSONObject: object).count
            }
            return n
        }
    }

    static func best(_ count: Int, _ repeats: Int, _ body: () -> Int) -> (eventsPerSecond: Double, cpuMicros: Double, wallEventsPerSecond: Double) {
        var sink = body()  // warm-up
        var bestCPU = Double.infinity, bestWall = Double.infinity
        for _ in 0..<max(1, repeats) {
            let c0 = Measure.threadCPUSeconds(), w0 = Measure.nanos()
            sink &+= body()
            bestCPU = min(bestCPU, Measure.threadCPUSeconds() - c0)
            bestWall = min(bestWall, Double(Measure.nanos() - w0) / 1e9)
        }
        if sink == 42 { print("") }
        return (Double(count) / bestCPU, bestCPU / Double(count) * 1e6, Double(count) / bestWall)
    }
}

// MARK: - End to end (`aslx run`)

@_silgen_name("memmem") private func glibcMemmem(_ haystack: UnsafeRawPointer, _ haystackLength: Int,
                                                  _ needle: UnsafeRawPointer, _ needleLength: Int) -> UnsafeMutableRawPointer?

struct EndToEndResult {
    var executions = 0
    var succeeded = 0
    var records = 0
    var wallSeconds = 0.0
    var cpuSeconds = 0.0   // the aslx child's user + system
    var peakRSS = -1.0     // the aslx child's peak RSS (VmHWM polled every 20 ms), MB
    var exitStatus: Int32 = 0
}

enum EndToEnd {
    /// The release `aslx` binary: `--aslx PATH`, else `swift build -c release --show-bin-path`.
    static func findBinary(_ explicit: String?) -> String? {
        if let explicit { return FileManager.default.isExecutableFile(atPath: explicit) ? explicit : nil }
        // This benchmark is normally built into the same directory.
        let own = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("aslx").path
        if FileManager.default.isExecutableFile(atPath: own) { return own }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["swift", "build", "-c", "release", "--show-bin-path"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let dir = String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let path = dir + "/aslx"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// The thread-count flag `aslx run` takes (`--threads` or `--workers`), or nil (then 1-CPU
    /// runs use `taskset`).
    static func workersFlag(_ binary: String) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["run", "--help"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        guard (try? p.run()) != nil else { return nil }
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let help = String(decoding: out, as: UTF8.self)
        return ["--threads", "--workers"].first { help.contains($0 + " ") }
    }

    enum Input { case file(String), pipe(lines: [[UInt8]], total: Int) }

    /// Runs `aslx run` once; stdout is drained by a thread that counts records and SUCCEEDED ones.
    static func run(binary: String, workload w: Workload, input: Input, workers: Int?, workersFlag: String?,
                    maxInFlight: Int?) throws -> EndToEndResult {
        var argv: [String] = []
        if let workers, workersFlag == nil {
            argv = ["/usr/bin/taskset", "-c", (0..<workers).map(String.init).joined(separator: ",")]
        }
        argv += [binary, "run", w.machinePath] + w.aslxArguments
        if let workers, let workersFlag { argv += [workersFlag, String(workers)] }
        if let maxInFlight { argv += ["--max-in-flight", String(maxInFlight)] }

        var stdinPipe: [Int32] = [-1, -1], stdoutPipe: [Int32] = [-1, -1]
        guard pipe(&stdoutPipe) == 0 else { throw BenchError("pipe failed") }
        var inputFD: Int32
        var total: Int
        switch input {
        case .file(let path):
            inputFD = open(path, O_RDONLY)
            guard inputFD >= 0 else { throw BenchError("cannot open \(path)") }
            total = 0
        case .pipe(_, let n):
            guard pipe(&stdinPipe) == 0 else { throw BenchError("pipe failed") }
            inputFD = stdinPipe[0]
            total = n
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, inputFD, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_addclose(&actions, stdoutPipe[0])
        if stdinPipe[1] >= 0 { posix_spawn_file_actions_addclose(&actions, stdinPipe[1]) }
        defer { posix_spawn_file_actions_destroy(&actions) }
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }

        // The drain thread: counts newlines and `"status":"SUCCEEDED"` in stdout.
        let counts = Mutex<(records: Int, succeeded: Int)>((0, 0))
        let drained = DispatchSemaphore(value: 0)
        let readFD = stdoutPipe[0]
        let t0 = Measure.nanos()
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, &cArgs, environ)
        close(stdoutPipe[1])
        close(inputFD)
        guard rc == 0 else { throw BenchError("posix_spawn \(argv[0]) failed: \(rc)") }
        Thread.detachNewThread {
            counts.withLock { $0 = drain(readFD) }
            close(readFD)
            drained.signal()
        }
        // Peak RSS: the child's VmHWM, polled until it exits. (wait4's ru_maxrss would include this
        // process's RSS: posix_spawn's vfork shares our address space before the exec.)
        let peak = Mutex<Double>(-1)
        let exited = Atomic<Bool>(false)
        let statusPath = "/proc/\(pid)/status"
        Thread.detachNewThread {
            while !exited.load(ordering: .relaxed) {
                if let status = try? String(contentsOfFile: statusPath, encoding: .utf8),
                   let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                   let kb = line.split(separator: " ").compactMap({ Double($0) }).first {
                    peak.withLock { $0 = max($0, kb / 1024) }
                }
                usleep(20_000)
            }
        }
        if case .pipe(let lines, let n) = input {
            feed(stdinPipe[1], lines: lines, total: n)
            close(stdinPipe[1])
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let wall = Double(Measure.nanos() - t0) / 1e9
        exited.store(true, ordering: .relaxed)
        drained.wait()
        var r = EndToEndResult()
        (r.records, r.succeeded) = counts.withLock { $0 }
        r.executions = total
        r.wallSeconds = wall
        r.cpuSeconds = Measure.seconds(usage.ru_utime) + Measure.seconds(usage.ru_stime)
        r.peakRSS = peak.withLock { $0 }
        r.exitStatus = status
        return r
    }

    /// Writes `total` lines (cycling through `lines`) to `fd` in ~1 MB chunks.
    static func feed(_ fd: Int32, lines: [[UInt8]], total: Int) {
        var chunk = [UInt8]()
        chunk.reserveCapacity(1 << 20 + 300_000)
        var i = 0
        func flush() {
            chunk.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = write(fd, raw.baseAddress! + off, raw.count - off)
                    if n <= 0 { if errno == EINTR { continue }; return }
                    off += n
                }
            }
            chunk.removeAll(keepingCapacity: true)
        }
        while i < total {
            chunk.append(contentsOf: lines[i % lines.count])
            chunk.append(0x0A)
            i += 1
            if chunk.count >= 1 << 20 { flush() }
        }
        flush()
    }

    static func drain(_ fd: Int32) -> (records: Int, succeeded: Int) {
        let size = 1 << 20
        let pattern = Array("\"status\":\"SUCCEEDED\"".utf8)
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: size + pattern.count)
        defer { buffer.deallocate() }
        var carry = 0, records = 0, succeeded = 0
        while true {
            let n = read(fd, buffer + carry, size)
            if n < 0 { if errno == EINTR { continue }; break }
            if n == 0 { break }
            // Newlines in the new bytes.
            var p = UnsafeRawPointer(buffer + carry), left = n
            while left > 0, let hit = memchr(p, 0x0A, left) {
                records += 1
                let advance = UnsafeRawPointer(hit) - p + 1
                p += advance; left -= advance
            }
            // Pattern matches over carry + new bytes.
            let end = carry + n
            var q = UnsafeRawPointer(buffer), remaining = end
            while remaining >= pattern.count, let hit = glibcMemmem(q, remaining, pattern, pattern.count) {
                succeeded += 1
                let advance = UnsafeRawPointer(hit) - q + pattern.count
                q += advance; remaining -= advance
            }
            // Keep the last pattern.count - 1 bytes (a match can straddle reads), unless consumed.
            let keep = min(pattern.count - 1, remaining)
            memmove(buffer, buffer + (end - keep), keep)
            carry = keep
        }
        return (records, succeeded)
    }
}

// MARK: - Allocation counting
//
// The method of JSONBenchmarks: a child process runs with `LD_PRELOAD=libc_malloc_debug.so.0`
// and wraps one pass in glibc's `mtrace()`/`muntrace()`; every malloc/calloc/realloc/memalign of
// any library and any thread (the engine's workers included) is logged and counted.

#if canImport(Glibc)
@_silgen_name("mtrace") private func glibcMtrace()
@_silgen_name("muntrace") private func glibcMuntrace()
#else
// No mtrace outside glibc: `tracing` is false there, so these are never reached.
private func glibcMtrace() {}
private func glibcMuntrace() {}
#endif

enum Allocations {
    static let library = "libc_malloc_debug.so.0"

    static var tracing: Bool { ProcessInfo.processInfo.environment["LD_PRELOAD"]?.contains("libc_malloc_debug") == true }

    /// Heap allocations made (by any thread) while `body` runs, or -1 without the preload.
    static func count(_ body: () -> Void) -> Int {
        guard tracing else { body(); return -1 }
        let path = NSTemporaryDirectory() + "aslbench-engine-mtrace-\(getpid()).txt"
        setenv("MALLOC_TRACE", path, 1)
        glibcMtrace()
        body()
        glibcMuntrace()
        defer { unlink(path) }
        guard let file = fopen(path, "r") else { return -1 }
        defer { fclose(file) }
        var count = 0
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        while getline(&line, &capacity, file) > 0 {
            // "@ caller + 0xADDR 0xSIZE" (malloc & co.), "@ caller > 0xADDR 0xSIZE" (realloc result).
            guard let l = line else { continue }
            var i = 0
            while l[i] != 0 && l[i] != 0x0A {
                if (l[i] == 0x2B || l[i] == 0x3E) && i > 0 && l[i - 1] == 0x20 && l[i + 1] == 0x20 { count += 1; break }
                i += 1
            }
        }
        free(line)
        return count
    }

    static var available: Bool {
        ["/lib/x86_64-linux-gnu/", "/usr/lib/x86_64-linux-gnu/", "/lib/aarch64-linux-gnu/", "/usr/lib/aarch64-linux-gnu/", "/lib64/", "/usr/lib64/"]
            .contains { FileManager.default.fileExists(atPath: $0 + library) }
    }

    /// Runs this executable again as `engine --alloc-probe ARGS` with the preload; parses
    /// "name\tallocations-per-execution" lines.
    /// Runs this executable again as `ASLBench SUITE --alloc-probe ARGUMENTS` with glibc's malloc
    /// debugging library preloaded, and reads back its `name<TAB>allocations` lines.
    static func probe(suite: String = "engine", _ arguments: [String]) -> [String: Double] {
        guard available else { return [:] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = [suite, "--alloc-probe"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LD_PRELOAD"] = library
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { return [:] }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var result: [String: Double] = [:]
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: "\t")
            if parts.count == 2, let v = Double(parts[1]), v >= 0 { result[String(parts[0])] = v }
        }
        return result
    }
}
