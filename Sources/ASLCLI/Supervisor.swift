import ASL
import ASLJSON
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `aslx run --supervise`: a thin parent that runs the engine as a child process and restarts
/// it from the journal after an abnormal exit (a signal: a trap, an OOM kill).
///
/// The input line that brought the engine down is found the way Hadoop's skip mode finds a bad
/// record: after two abnormal exits in a row, the next child runs in isolation (one execution at
/// a time, the journal written after each result, for ``isolationLines`` lines). If it dies
/// there, the line in flight is the first the journal does not cover; it was in flight at the
/// earlier exits too, so the parent writes its FAILED record itself (`States.Runtime`, "the
/// executor stopped abnormally while running this execution (signal N)"), moves the journal
/// past it and carries on. N lines in, N records out.
///
/// stdin as a regular file is handed to each child as it is (the child seeks to the journal's
/// offset). A pipe cannot be re-read, so the parent reads it, forwards it to the child, and
/// holds the bytes from the journal's offset on until the journal passes them.
struct Supervisor {
    let options: RunOptions
    /// The child's arguments (the parent's, without `--supervise`).
    let childArguments: [String]

    /// Lines a child runs one at a time after two abnormal exits in a row.
    static let isolationLines = 256
    /// Exit status of a child that stopped after its isolation lines (not an error).
    static let isolationDone: Int32 = 75

    func run() throws -> Int32 {
        guard let journalPath = options.journalPath else { throw UsageError("--supervise needs --journal FILE (it resumes from it)") }
        signal(SIGPIPE, SIG_IGN)
        let machine = try MachineLoader.load(options.machinePath, name: options.machineName)
        let formatter = RecordFormatter(format: options.format, stateMachineArn: machine.arn)
        let journal = Journal(path: journalPath)
        let input = InputIdentity.of(0) == nil ? HeldInput() : nil
        input?.startReading()
        // Results to a pipe cannot be cut back after a crash: relay them, dropping repeats and torn lines.
        let relay = OutputMark.of(1) == nil ? OutputRelay() : nil
        var reset = options.journalReset
        var abnormalInARow = 0
        var isolating = false
        var stalled = 0
        var lastPosition: Int64 = -1
        while true {
            var arguments = childArguments
            if reset { reset = false } else { arguments.removeAll { $0 == "--journal-reset" } }
            if isolating { arguments += ["--isolate", String(Self.isolationLines)] }
            if relay != nil { arguments.append("--tag-lines") }
            var base = (offset: Int64(0), line: 0)
            if let input {
                let state = try readJournal(journal)
                base = (state?.offset ?? 0, state?.line ?? 0)
                if !input.rebase(to: base.offset) { base = (input.baseOffset, input.baseLine) }
                arguments += ["--input-base", "\(base.offset):\(base.line)"]
            }
            let status = try runChild(arguments, input: input, relay: relay)
            guard status.signal != 0 else {
                if status.code == Self.isolationDone {
                    isolating = false
                    abnormalInARow = 0
                    continue
                }
                return status.code
            }
            if forwardedSignal.load(ordering: .relaxed) != 0 {
                // We were told to stop and passed it on: stop the same way.
                return 128 + status.signal
            }
            printError("the executor stopped abnormally (signal \(status.signal)); resuming from the journal")
            let state = try readJournal(journal) ?? JournalState()
            if state.offset == lastPosition { stalled += 1 } else { stalled = 0 }
            lastPosition = state.offset
            if isolating {
                isolating = false
                abnormalInARow = 0
                if try failCulprit(state, signal: status.signal, journal: journal, formatter: formatter, input: input, relay: relay) {
                    stalled = 0
                    continue
                }
            }
            if stalled >= 4 {
                printError("the executor keeps stopping abnormally without progress; giving up")
                return 70
            }
            abnormalInARow += 1
            if abnormalInARow >= 2 { isolating = true }
        }
    }

    private func readJournal(_ journal: Journal) throws -> JournalState? {
        do throws(JournalError) {
            return try journal.read()
        } catch {
            throw MachineLoadError(description: error.description, exitCode: error.exitCode)
        }
    }

    /// Writes the FAILED record of the first line the journal does not cover and moves the
    /// journal past it; false if there is no such line.
    private func failCulprit(_ state: JournalState, signal: Int32, journal: Journal, formatter: RecordFormatter,
                             input: HeldInput?, relay: OutputRelay?) throws -> Bool {
        var skipper = LineSkipper(state.done)
        var offset = state.offset
        var number = state.line
        while true {
            guard let line = input?.line(at: offset) ?? Self.fileLine(at: offset) else { return false }
            number += 1
            offset += Int64(line.count)
            var text = line
            if text.last == 0x0A { text.removeLast() }
            if text.last == 0x0D { text.removeLast() }
            if NDJSONReader.isBlank(text) || skipper.skips(number) { continue }
            let name = ExecutionName.of(try? JSONParser.parse(text), path: options.namePath, line: number)
            let record = formatter.rejected(
                name: (try? name.get()) ?? "line-\(number)", input: text, error: StatesError.runtime,
                cause: "the executor stopped abnormally while running this execution (signal \(signal))",
                now: WallClock.nowMilliseconds())
            if let relay { relay.markWritten(number) } else { Runner.repairOutput(state.output) }
            for (fd, bytes) in [(Int32(1), record.stdout), (2, record.stderr)] {
                if let bytes { _ = writeFully(fd, bytes + [0x0A]) }
            }
            if OutputMark.of(1) != nil { _ = fsync(1) }
            var next = state
            next.offset = offset
            next.line = number
            next.done = ResultEmitter.ranges(carried: state.done, above: number, plus: [])
            next.output = OutputMark.of(1)
            var j = journal
            do throws(JournalError) { try j.write(next) } catch {
                throw MachineLoadError(description: error.description, exitCode: error.exitCode)
            }
            return true
        }
    }

    /// The line of the stdin file starting at `offset` (with its newline), nil at the end.
    static func fileLine(at offset: Int64) -> [UInt8]? {
        var line: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var at = offset
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(0, $0.baseAddress, $0.count, off_t(at)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return line.isEmpty ? nil : line }
            if let newline = buffer[0..<n].firstIndex(of: 0x0A) {
                line.append(contentsOf: buffer[0...newline])
                return line
            }
            line.append(contentsOf: buffer[0..<n])
            at += Int64(n)
            if line.count > 16 << 20 { return line }
        }
    }

    /// Runs one child to its end; its exit code, or the signal that ended it.
    private func runChild(_ arguments: [String], input: HeldInput?, relay: OutputRelay?) throws -> (code: Int32, signal: Int32) {
        let child: ChildProcess
        do throws(ChildProcess.SpawnError) {
            child = try ChildProcess.spawnEngine([Self.executable] + arguments, pipeStdin: input != nil, pipeStdout: relay != nil)
        } catch {
            throw MachineLoadError(description: "cannot start the executor: \(error)", exitCode: ExitCode.ioError)
        }
        supervisedChild.store(child.pid, ordering: .relaxed)
        let feeder = input.map { $0.feed(child.stdin) }
        let relaying = relay?.start(child.stdout)
        let polling = input != nil || relay != nil
        var status: Int32 = 0
        var polls = 0
        while true {
            let r = waitpid(child.pid, &status, polling ? WNOHANG : 0)
            if r == child.pid { break }
            if r < 0 && errno != EINTR { break }
            if r == 0 {
                // A piped input is held only until the journal passes it.
                usleep(20_000)
                polls += 1
                if polls % 25 == 0, let state = try? Journal(path: options.journalPath!).read() {
                    _ = input?.rebase(to: state.offset)
                    relay?.forget(through: state.line)
                }
            }
        }
        supervisedChild.store(0, ordering: .relaxed)
        if let feeder { input?.stopFeeding(feeder) }
        // The child is gone, so its stdout ends: the relay has passed on every complete line.
        relaying?.wait()
        let signal = status & 0x7f
        return signal == 0 ? ((status >> 8) & 0xff, 0) : (0, signal)
    }

    /// This program, to start the child.
    static var executable: String {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        #endif
        return CommandLine.arguments[0]
    }

    /// Passes SIGINT, SIGTERM and SIGHUP on to the child (which then ends, and so does the parent).
    static func forwardSignals() {
        for s in [SIGINT, SIGTERM, SIGHUP] {
            signal(s) { received in
                forwardedSignal.store(received, ordering: .relaxed)
                let pid = supervisedChild.load(ordering: .relaxed)
                if pid > 0 { kill(pid, received) }
            }
        }
    }
}

// Read by the signal handler (relaxed: a lone word, no other memory depends on it).
private let supervisedChild = Atomic<Int32>(0)
// Set by the signal handler (relaxed: read after waitpid, which orders nothing we rely on beyond the value).
private let forwardedSignal = Atomic<Int32>(0)

/// A piped stdin, held from the journal's offset on so that a restarted child can be fed the
/// lines the last one had no result for.
final class HeldInput: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var bytes: [UInt8] = []
    /// Absolute offset and line number of `bytes[0]`.
    private(set) var baseOffset: Int64 = 0
    private(set) var baseLine = 0
    private var eof = false

    /// Reads stdin on a thread of its own into the held bytes.
    func startReading() {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                condition.lock()
                if n > 0 { bytes.append(contentsOf: buffer[0..<n]) } else { eof = true }
                condition.broadcast()
                condition.unlock()
                if n <= 0 { return }
            }
        }
        thread.name = "aslx-supervise-in"
        thread.start()
    }

    /// Drops the bytes before `offset` (the journal passed them); false if `offset` is not held.
    func rebase(to offset: Int64) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let drop = offset - baseOffset
        guard drop >= 0, drop <= Int64(bytes.count) else { return false }
        baseLine += bytes[0..<Int(drop)].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        bytes.removeFirst(Int(drop))
        baseOffset = offset
        return true
    }

    /// The held line starting at absolute `offset` (with its newline), nil past the end.
    func line(at offset: Int64) -> [UInt8]? {
        condition.lock()
        defer { condition.unlock() }
        let start = Int(offset - baseOffset)
        guard start >= 0, start < bytes.count else { return nil }
        let end = bytes[start...].firstIndex(of: 0x0A).map { $0 + 1 } ?? bytes.count
        return Array(bytes[start..<end])
    }

    /// Writes the held bytes, then everything read later, to `fd` (a child's stdin) on a thread;
    /// closes `fd` at the input's end.
    func feed(_ fd: Int32) -> FeedControl {
        let control = FeedControl()
        condition.lock()
        let start = baseOffset
        condition.unlock()
        let thread = Thread { [self] in
            var sent = start  // absolute offset of the next byte to send
            while !control.stop.load(ordering: .relaxed) {
                condition.lock()
                while sent - baseOffset == Int64(bytes.count) && !eof && !control.stop.load(ordering: .relaxed) {
                    _ = condition.wait(until: Date(timeIntervalSinceNow: 0.1))
                }
                let from = Int(sent - baseOffset)
                let chunk = Array(bytes[from...].prefix(256 * 1024))
                let atEnd = eof && from + chunk.count >= bytes.count
                condition.unlock()
                if !chunk.isEmpty {
                    if writeFully(fd, chunk) != 0 { break }  // the child is gone
                    sent += Int64(chunk.count)
                }
                if atEnd { break }
            }
            closeDescriptor(fd)
            control.done.signal()
        }
        thread.name = "aslx-supervise-feed"
        thread.start()
        return control
    }

    func stopFeeding(_ control: FeedControl) {
        control.stop.store(true, ordering: .relaxed)
        condition.lock()
        condition.broadcast()
        condition.unlock()
        control.done.wait()
    }
}

/// Passes the results of `--supervise` children (tagged "LINE\tRECORD") on to a piped stdout,
/// whole lines only and each input line's record once: a crashed child's torn last line is
/// dropped, and so are records a later child writes again for lines the journal had not covered.
final class OutputRelay: @unchecked Sendable {
    private let lock = NSLock()
    /// Lines whose record was passed on and that the journal may not cover yet (guarded by `lock`).
    private var written = Set<Int>()

    func markWritten(_ line: Int) {
        lock.lock()
        written.insert(line)
        lock.unlock()
    }

    /// The journal covers lines 1…`line`: no child writes them again.
    func forget(through line: Int) {
        lock.lock()
        written = written.filter { $0 > line }
        lock.unlock()
    }

    /// Relays `fd` to stdout on a thread until its end; wait on the result for that end.
    func start(_ fd: Int32) -> DispatchSemaphore {
        let ended = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            var line: [UInt8] = []
            var out: [UInt8] = []
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                var start = 0
                for i in 0..<n where buffer[i] == 0x0A {
                    line.append(contentsOf: buffer[start...i])
                    start = i + 1
                    pass(line, into: &out)
                    line.removeAll(keepingCapacity: true)
                }
                line.append(contentsOf: buffer[start..<n])
                if !out.isEmpty {
                    _ = writeFully(1, out)
                    out.removeAll(keepingCapacity: true)
                }
            }
            closeDescriptor(fd)
            ended.signal()
        }
        thread.name = "aslx-supervise-out"
        thread.start()
        return ended
    }

    /// Appends `line` ("N\tRECORD\n") without its tag to `out` unless line N was passed on already.
    private func pass(_ line: [UInt8], into out: inout [UInt8]) {
        guard let tab = line.firstIndex(of: 0x09), let number = Int(String(decoding: line[..<tab], as: UTF8.self)) else {
            if !NDJSONReader.isBlank(line.dropLast()) { out.append(contentsOf: line) }
            return
        }
        lock.lock()
        let fresh = written.insert(number).inserted
        lock.unlock()
        if fresh { out.append(contentsOf: line[(tab + 1)...]) }
    }
}

/// Stops a feeder thread and tells when it has ended.
final class FeedControl: Sendable {
    // relaxed: a lone flag the feeder polls; `done` orders the thread's end after it.
    let stop = Atomic<Bool>(false)
    let done = DispatchSemaphore(value: 0)
}
