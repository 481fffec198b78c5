import ASL
import ASLJSON
import Dispatch
import Foundation
import Synchronization

/// The processes behind one `--task RESOURCE=COMMAND`.
///
/// Each worker is a long-lived `/bin/sh -c COMMAND` speaking NDJSON: one request per line on
/// its stdin, `{"id": N, "resource": RESOURCE, "input": …, "context": {…}}` (`id` always
/// comes first), and one response per line on its stdout, `{"id": N, "output": …}` or
/// `{"id": N, "error": "…", "cause": "…"}`, in any order; many requests may be in flight per
/// worker. A request goes to the live worker with the fewest requests in flight. A worker
/// that exits, closes its stdout or writes a line that is not a response is killed, its
/// in-flight tasks fail with `States.TaskFailed`, and a new process takes its slot at the
/// next request.
final class TaskWorkerPool: Sendable {
    /// RESOURCE as given on the command line: a full ARN or a Lambda function name.
    let resource: String
    let command: String
    private let slots: Mutex<[WorkerProcess?]>
    private let nextId = Atomic<Int>(0)

    init(resource: String, command: String, workers: Int) {
        self.resource = resource
        self.command = command
        slots = Mutex(Array(repeating: nil, count: max(1, workers)))
    }

    /// The engine's handler for this resource.
    var handler: ResourceHandler {
        { [self] request in try await call(request) }
    }

    func call(_ request: TaskRequest) async throws -> JSONValue {
        let id = nextId.wrappingAdd(1, ordering: .relaxed).newValue
        // For a Lambda function behind lambda:invoke the engine already hands over just the Payload.
        let input = request.input
        var context = JSONObject(minimumCapacity: 5)
        context["executionArn"] = .string(request.executionArn)
        context["stateName"] = .string(request.stateName)
        context["stateResource"] = .string(request.resource)
        if let t = request.timeoutSeconds { context["timeoutSeconds"] = .double(t) }
        if let c = request.credentials { context["credentials"] = c }
        var w = JSONWriter(capacity: 256)
        w.appendRaw("{\"id\":")
        w.write(.number(.int(Int64(id))))
        w.appendRaw(",\"resource\":")
        w.write(string: resource)
        w.appendRaw(",\"input\":")
        w.write(input)
        w.appendRaw(",\"context\":")
        w.write(.object(context))
        w.appendRaw("}\n")
        let line = w.bytes
        return try await withCheckedThrowingContinuation { continuation in
            do {
                try worker().send(id: id, line: line, continuation: continuation)
            } catch {
                continuation.resume(throwing: StatesError(StatesError.taskFailed, "Cannot start task worker '\(command)' for '\(resource)': \(error)"))
            }
        }
    }

    /// A live worker with the fewest requests in flight, starting one where a slot is empty or dead.
    private func worker() throws -> WorkerProcess {
        try slots.withLock { slots in
            var best: (index: Int, load: Int)?
            for (i, slot) in slots.enumerated() {
                guard let w = slot, w.isAlive else {
                    let fresh = try WorkerProcess(command: command, label: resource)
                    slots[i] = fresh
                    return fresh
                }
                let load = w.inFlight
                if best == nil || load < best!.load { best = (i, load) }
            }
            return slots[best!.index]!
        }
    }

    /// Closes every worker's stdin and waits briefly for it to exit; kills stragglers.
    func shutdown() {
        let workers = slots.withLock { $0.compactMap { $0 } }
        for w in workers { w.close() }
        let deadline = DispatchTime.now() + .seconds(2)
        for w in workers { w.waitForExit(until: deadline) }
    }
}

/// One worker process: a writer thread feeding its stdin, a reader thread matching responses.
final class WorkerProcess: Sendable {
    private struct State {
        var inFlight: [Int: CheckedContinuation<JSONValue, any Error>] = [:]
        var queue: [[UInt8]] = []
        var alive = true
        var closing = false
    }
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    private let command: String
    private let label: String
    private let process: Process
    let pid: Int32

    init(command: String, label: String) throws {
        self.command = command
        self.label = label
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.standardError
        let writeFD = stdin.fileHandleForWriting.fileDescriptor
        let readFD = stdout.fileHandleForReading.fileDescriptor
        // Our ends must not leak into later workers, or a worker never sees EOF on its stdin.
        for fd in [writeFD, readFD, stdin.fileHandleForReading.fileDescriptor, stdout.fileHandleForWriting.fileDescriptor] {
            _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC)
        }
        try process.run()
        self.process = process
        pid = process.processIdentifier
        // The FileHandles own the descriptors: close through them (never `close(fd)`, which
        // would close again on deallocation, possibly a newer worker's reused descriptor).
        let writer = Thread { [self] in writeLoop(fd: writeFD); try? stdin.fileHandleForWriting.close() }
        writer.name = "aslx-worker-in"
        writer.start()
        let reader = Thread { [self] in
            readLoop(fd: readFD)
            try? stdout.fileHandleForReading.close()
            exited.signal()
        }
        reader.name = "aslx-worker-out"
        reader.start()
    }

    var isAlive: Bool { state.withLock { $0.alive } }
    var inFlight: Int { state.withLock { $0.inFlight.count } }

    func send(id: Int, line: [UInt8], continuation: CheckedContinuation<JSONValue, any Error>) {
        let accepted = state.withLock { s -> Bool in
            guard s.alive, !s.closing else { return false }
            s.inFlight[id] = continuation
            s.queue.append(line)
            return true
        }
        if accepted {
            wake.signal()
        } else {
            continuation.resume(throwing: StatesError(StatesError.taskFailed, "Task worker '\(command)' (pid \(pid)) for '\(label)' is not running"))
        }
    }

    /// No more requests: the writer closes the worker's stdin once the queue is written.
    func close() {
        state.withLock { $0.closing = true }
        wake.signal()
    }

    func waitForExit(until deadline: DispatchTime) {
        if exited.wait(timeout: deadline) == .timedOut {
            kill(pid, SIGKILL)
            exited.wait()
        }
    }

    private func writeLoop(fd: Int32) {
        while true {
            wake.wait()
            let (batch, alive, closing) = state.withLock { s -> ([[UInt8]], Bool, Bool) in
                let b = s.queue
                s.queue.removeAll(keepingCapacity: true)
                return (b, s.alive, s.closing)
            }
            guard alive else { return }
            if !batch.isEmpty {
                let bytes = Array(batch.joined())
                let error = bytes.withUnsafeBytes { raw -> Int32 in
                    var offset = 0
                    while offset < raw.count {
                        let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                        if n < 0 { if errno == EINTR { continue }; return errno }
                        offset += n
                    }
                    return 0
                }
                if error != 0 {
                    die("stopped reading its stdin (\(errnoText(error)))")
                    return
                }
            }
            if closing && state.withLock({ $0.queue.isEmpty }) { return }
        }
    }

    private func readLoop(fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var line: [UInt8] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            var start = 0
            for i in 0..<n where buffer[i] == 0x0A {
                line.append(contentsOf: buffer[start..<i])
                start = i + 1
                if !handle(line) {
                    reap()
                    return
                }
                line.removeAll(keepingCapacity: true)
            }
            line.append(contentsOf: buffer[start..<n])
            if line.count > 16 << 20 {
                die("wrote a line over 16 MiB without a newline")
                reap()
                return
            }
        }
        // End of its stdout: it exited (or closed stdout, which is as good as dead to us).
        let status = reap()
        if !state.withLock({ $0.closing }) || inFlight > 0 {
            die(status)
        } else {
            state.withLock { $0.alive = false }
            wake.signal()
        }
    }

    /// Waits for the process to end (killing it if it lingers) and describes how it ended.
    @discardableResult
    private func reap() -> String {
        for _ in 0..<20 where process.isRunning { usleep(5_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        switch process.terminationReason {
        case .exit: return "exited with status \(process.terminationStatus)"
        case .uncaughtSignal: return "was killed by signal \(process.terminationStatus)"
        @unknown default: return "ended"
        }
    }

    /// Matches one response line to its request; false if the line is garbage (the worker was killed).
    private func handle(_ line: [UInt8]) -> Bool {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return true }
        let value: JSONValue
        do { value = try JSONParser.parse(line) } catch {
            die("wrote a line that is not JSON (\(error.message) at column \(error.column)): \(Self.excerpt(line))")
            return false
        }
        guard case .object(let o) = value, let id = Self.id(o["id"]) else {
            die("wrote a line that is not a response ({\"id\", \"output\"} or {\"id\", \"error\", \"cause\"}): \(Self.excerpt(line))")
            return false
        }
        // An unknown id is a response to a request that already failed; nothing waits for it.
        guard let continuation = state.withLock({ $0.inFlight.removeValue(forKey: id) }) else { return true }
        if let error = o["error"], !error.isNull {
            var cause: String?
            switch o["cause"] {
            case .string(let s)?: cause = s
            case nil, .null?: cause = nil
            case let other?: cause = JSONWriter.string(other)
            }
            continuation.resume(throwing: StatesError(error.stringValue ?? JSONWriter.string(error), cause))
        } else {
            continuation.resume(returning: o["output"] ?? .null)
        }
        return true
    }

    /// Marks the worker dead, kills it if it still runs, and fails its in-flight tasks with States.TaskFailed.
    private func die(_ reason: String) {
        let (wasAlive, orphans) = state.withLock { s -> (Bool, [CheckedContinuation<JSONValue, any Error>]) in
            let wasAlive = s.alive
            s.alive = false
            let all = Array(s.inFlight.values)
            s.inFlight.removeAll()
            return (wasAlive, all)
        }
        wake.signal()
        guard wasAlive else { return }
        if process.isRunning { kill(pid, SIGKILL) }
        printError("task worker '\(command)' (pid \(pid)) \(reason)")
        let cause = "Task worker '\(command)' (pid \(pid)) for '\(label)' \(reason); it is restarted, and the tasks it had in flight failed"
        for c in orphans { c.resume(throwing: StatesError(StatesError.taskFailed, cause)) }
    }

    private static func id(_ value: JSONValue?) -> Int? {
        switch value {
        case .number(let n)?: return n.int64Value.map { Int($0) }
        case .string(let s)?: return Int(s)
        default: return nil
        }
    }

    private static func excerpt(_ line: [UInt8]) -> String {
        let text = String(decoding: line.prefix(200), as: UTF8.self)
        return line.count > 200 ? text + "…" : text
    }
}
