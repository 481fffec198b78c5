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

/// The processes behind one `--task RESOURCE=COMMAND`.
///
/// Each worker is a long-lived `/bin/sh -c COMMAND` speaking NDJSON: one request per line on
/// its stdin, `{"id": N, "resource": RESOURCE, "input": …, "context": {…}}` (`id` always
/// comes first), and one response per line on its stdout, `{"id": N, "output": …}` or
/// `{"id": N, "error": "…", "cause": "…"}`, in any order; many requests may be in flight per
/// worker. A request goes to the live worker with the fewest requests in flight.
///
/// A worker that dies (exits, closes its stdout, writes a line that is not a response or a line
/// over 16 MiB) is killed with its whole process group, and replaced. Its in-flight requests
/// are not failed: they are sent again to a fresh worker, without using a Retry attempt. A
/// request that was in flight at two worker deaths in a row is *suspected*: suspects are sent
/// one at a time to a quarantine worker of their own (Hadoop's skip-bad-records idea), so a
/// death there names its culprit, which alone fails with `States.TaskFailed` and a cause
/// giving the exit status or signal and the worker's last stderr line.
final class TaskWorkerPool: Sendable {
    /// RESOURCE as given on the command line: a full ARN or a Lambda function name.
    let resource: String
    let command: String
    /// How long `shutdown()` lets workers finish after closing their stdin before killing them.
    let grace: Double

    private struct State {
        var slots: [WorkerProcess?]
        var suspects: [PendingRequest] = []
        var quarantineRunning = false
        var closed = false
        /// Every worker ever started and not yet reaped (shutdown kills these).
        var live: [ObjectIdentifier: WorkerProcess] = [:]
    }
    private let state: Mutex<State>
    private let nextId = Atomic<Int>(0)

    init(resource: String, command: String, workers: Int, grace: Double = 2) {
        self.resource = resource
        self.command = command
        self.grace = grace
        state = Mutex(State(slots: Array(repeating: nil, count: max(1, workers))))
    }

    /// The engine's handler for this resource.
    var handler: ResourceHandler {
        { [self] request in try await call(request) }
    }

    func call(_ request: TaskRequest) async throws -> JSONValue {
        let id = nextId.wrappingAdd(1, ordering: .relaxed).newValue
        // For a Lambda function behind lambda:invoke the engine already hands over just the Payload.
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
        w.write(request.input)
        w.appendRaw(",\"context\":")
        w.write(.object(context))
        w.appendRaw("}\n")
        let line = w.bytes
        // A quarantined request waits at most as long as the task may run.
        let limit = min(request.timeoutSeconds ?? 300, 300)
        return try await withCheckedThrowingContinuation { continuation in
            dispatch(PendingRequest(id: id, line: line, limitSeconds: limit, continuation: continuation))
        }
    }

    /// Sends a request to the least loaded live worker (starting one where a slot is empty or dead).
    private func dispatch(_ request: PendingRequest) {
        let target: Result<WorkerProcess, any Error> = state.withLock { s in
            if s.closed { return .failure(WorkerSpawnError(message: "the run is shutting down")) }
            var best: (index: Int, load: Int)?
            for (i, slot) in s.slots.enumerated() {
                guard let w = slot, w.isAlive else {
                    do {
                        let fresh = try startWorker(quarantine: false)
                        s.slots[i] = fresh
                        s.live[ObjectIdentifier(fresh)] = fresh
                        return .success(fresh)
                    } catch {
                        return .failure(error)
                    }
                }
                let load = w.inFlight
                if best == nil || load < best!.load { best = (i, load) }
            }
            return .success(s.slots[best!.index]!)
        }
        switch target {
        case .success(let worker):
            if !worker.send(request) { dispatch(request) }  // it died just now: its replacement takes it
        case .failure(let error):
            request.fail("Cannot start task worker '\(command)' for '\(resource)': \(error)")
        }
    }

    private func startWorker(quarantine: Bool) throws -> WorkerProcess {
        try WorkerProcess(command: command, label: resource, quarantine: quarantine) { [weak self] worker, death, orphans in
            self?.died(worker, death, orphans)
        }
    }

    /// A worker died with `orphans` in flight: re-send the innocent-so-far, suspect the repeat
    /// offenders, and fail the request a quarantine worker died on.
    private func died(_ worker: WorkerProcess, _ death: WorkerDeath, _ orphans: [PendingRequest]) {
        state.withLock { _ = $0.live.removeValue(forKey: ObjectIdentifier(worker)) }
        if worker.quarantine {
            for request in orphans {
                request.fail("Task worker '\(command)' (pid \(worker.pid)) for '\(resource)' \(death.description) while handling this request alone")
            }
            return
        }
        var resend: [PendingRequest] = []
        var suspected: [PendingRequest] = []
        for request in orphans {
            request.crashes += 1
            if request.crashes >= 2 { suspected.append(request) } else { resend.append(request) }
        }
        if !suspected.isEmpty {
            let startQuarantine = state.withLock { s -> Bool in
                s.suspects.append(contentsOf: suspected)
                if s.quarantineRunning { return false }
                s.quarantineRunning = true
                return true
            }
            if startQuarantine {
                let thread = Thread { [self] in runQuarantine() }
                thread.name = "aslx-worker-quarantine"
                thread.start()
            }
        }
        for request in resend { dispatch(request) }
    }

    /// Sends suspects one at a time to a worker of their own until none is left.
    private func runQuarantine() {
        var worker: WorkerProcess?
        while true {
            let next = state.withLock { s -> PendingRequest? in
                if s.suspects.isEmpty {
                    s.quarantineRunning = false
                    return nil
                }
                return s.suspects.removeFirst()
            }
            guard let request = next else { break }
            if worker == nil || !worker!.isAlive {
                do {
                    let fresh = try startWorker(quarantine: true)
                    let accepted = state.withLock { s -> Bool in
                        if s.closed { return false }
                        s.live[ObjectIdentifier(fresh)] = fresh
                        return true
                    }
                    if !accepted { fresh.killGroup(); request.fail("Task worker '\(command)' for '\(resource)': the run is shutting down"); continue }
                    worker = fresh
                } catch {
                    request.fail("Cannot start task worker '\(command)' for '\(resource)': \(error)")
                    continue
                }
            }
            let settled = DispatchSemaphore(value: 0)
            request.onSettled = { settled.signal() }
            guard worker!.send(request) else {
                // Died between the check and the send: no new death to blame it on, try again.
                state.withLock { $0.suspects.insert(request, at: 0) }
                worker = nil
                continue
            }
            if settled.wait(timeout: .now() + request.limitSeconds + 1) == .timedOut {
                // The engine has failed the task with States.Timeout by now; free the quarantine.
                worker!.killGroup()
                worker = nil
            }
        }
        worker?.close()
    }

    /// Closes every worker's stdin, waits up to the grace period for them to exit, then kills
    /// the process groups that remain. Never blocks on a worker's pipe.
    func shutdown() {
        let workers = state.withLock { s -> [WorkerProcess] in
            s.closed = true
            return Array(s.live.values)
        }
        for w in workers { w.close() }
        let deadline = DispatchTime.now() + grace
        for w in workers { w.waitForExit(until: deadline) }
    }
}

/// A task request on its way to a worker, possibly re-sent after worker deaths.
final class PendingRequest: @unchecked Sendable {
    let id: Int
    let line: [UInt8]
    let limitSeconds: Double
    private let continuation: Mutex<CheckedContinuation<JSONValue, any Error>?>
    // The fields below are touched by one thread at a time: the dispatcher before the send,
    // then the dead worker's reader thread (happens-after the send through the worker's lock).
    /// Worker deaths this request was in flight at.
    var crashes = 0
    /// Called once the request has its answer (the quarantine waits on it).
    var onSettled: (@Sendable () -> Void)?

    init(id: Int, line: [UInt8], limitSeconds: Double, continuation: CheckedContinuation<JSONValue, any Error>) {
        self.id = id
        self.line = line
        self.limitSeconds = limitSeconds
        self.continuation = Mutex(continuation)
    }

    func succeed(_ value: JSONValue) { settle(.success(value)) }
    func fail(_ error: StatesError) { settle(.failure(error)) }
    func fail(_ cause: String) { settle(.failure(StatesError(StatesError.taskFailed, cause))) }

    private func settle(_ result: Result<JSONValue, StatesError>) {
        guard let c = continuation.withLock({ c -> CheckedContinuation<JSONValue, any Error>? in
            defer { c = nil }
            return c
        }) else { return }
        c.resume(with: result.mapError { $0 as any Error })
        onSettled?()
    }
}

struct WorkerSpawnError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// How a worker ended, for a request's cause.
struct WorkerDeath: CustomStringConvertible {
    var reason: String
    var lastStderrLine: String?
    var description: String {
        guard let line = lastStderrLine else { return reason + " (it wrote nothing on stderr)" }
        return reason + " (last stderr line: \(line))"
    }
}

/// One worker process in its own process group: a writer thread feeding its stdin, a reader
/// thread matching responses, and a thread passing its stderr on (remembering the last line).
final class WorkerProcess: Sendable {
    private struct State {
        var inFlight: [Int: PendingRequest] = [:]
        var queue: [[UInt8]] = []
        var alive = true
        var closing = false
        var killed = false
        var lastStderr: String?
        var reaped = false
    }
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    /// Signalled when the worker's stderr ends (so a death's cause has its last line).
    private let stderrEnded = DispatchSemaphore(value: 0)
    private let command: String
    private let label: String
    let quarantine: Bool
    /// Also the process group id.
    let pid: pid_t
    private let onDeath: @Sendable (WorkerProcess, WorkerDeath, [PendingRequest]) -> Void

    init(command: String, label: String, quarantine: Bool,
         onDeath: @escaping @Sendable (WorkerProcess, WorkerDeath, [PendingRequest]) -> Void) throws {
        self.command = command
        self.label = label
        self.quarantine = quarantine
        self.onDeath = onDeath
        let child = try ChildProcess.spawn(["/bin/sh", "-c", command])
        pid = child.pid
        let writer = Thread { [self] in writeLoop(fd: child.stdin); closeDescriptor(child.stdin) }
        writer.name = "aslx-worker-in"
        writer.start()
        let reader = Thread { [self] in
            readLoop(fd: child.stdout)
            closeDescriptor(child.stdout)
        }
        reader.name = "aslx-worker-out"
        reader.start()
        let errors = Thread { [self] in
            stderrLoop(fd: child.stderr)
            closeDescriptor(child.stderr)
            stderrEnded.signal()
        }
        errors.name = "aslx-worker-err"
        errors.start()
    }

    var isAlive: Bool { state.withLock { $0.alive } }
    var inFlight: Int { state.withLock { $0.inFlight.count } }

    /// Queues the request; false if the worker is dead or closing (the caller sends it elsewhere).
    func send(_ request: PendingRequest) -> Bool {
        let accepted = state.withLock { s -> Bool in
            guard s.alive, !s.closing else { return false }
            s.inFlight[request.id] = request
            s.queue.append(request.line)
            return true
        }
        if accepted { wake.signal() }
        return accepted
    }

    /// No more requests: the writer closes the worker's stdin once the queue is written.
    func close() {
        state.withLock { $0.closing = true }
        wake.signal()
    }

    /// Kills the worker's process group now.
    func killGroup() {
        state.withLock { $0.killed = true }
        signalGroup(pid, SIGKILL)
    }

    /// Waits until `deadline` for the worker to end, then kills its process group and waits
    /// for the reader to see the end.
    func waitForExit(until deadline: DispatchTime) {
        if exited.wait(timeout: deadline) == .timedOut {
            killGroup()
            _ = exited.wait(timeout: .now() + 5)
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
                if writeFully(fd, Array(batch.joined())) != 0 {
                    // It stopped reading its stdin; the reader sees it end and reports the death.
                    killGroup()
                    return
                }
            }
            if closing && state.withLock({ $0.queue.isEmpty }) { return }
        }
    }

    private func readLoop(fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var line: [UInt8] = []
        var failure: String?
        reading: while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            var start = 0
            for i in 0..<n where buffer[i] == 0x0A {
                line.append(contentsOf: buffer[start..<i])
                start = i + 1
                if let problem = handle(line) {
                    failure = problem
                    break reading
                }
                line.removeAll(keepingCapacity: true)
            }
            line.append(contentsOf: buffer[start..<n])
            if line.count > Self.maxResponseBytes {
                failure = "wrote a response line over 16 MiB"
                break
            }
        }
        // The end of its stdout (or a broken protocol): whatever the worker still does, it is
        // dead to us. Kill the group (the worker's own children too) and reap the worker.
        let status = finish(failure: failure)
        // The group is dead, so its stderr ends now (unless it handed the pipe to a process
        // outside the group): wait briefly for the last line.
        _ = stderrEnded.wait(timeout: .now() + 1)
        let (closing, orphans, lastStderr) = state.withLock { s -> (Bool, [PendingRequest], String?) in
            s.alive = false
            let all = Array(s.inFlight.values)
            s.inFlight.removeAll()
            return (s.closing, all, s.lastStderr)
        }
        wake.signal()
        exited.signal()
        if !(closing && orphans.isEmpty && failure == nil) {
            let death = WorkerDeath(reason: failure ?? status, lastStderrLine: lastStderr)
            printError("task worker '\(command)' (pid \(pid)) \(death)")
            onDeath(self, death, orphans.sorted { $0.id < $1.id })
        }
    }

    /// Reaps the worker after its stdout ended; describes how it ended.
    private func finish(failure: String?) -> String {
        var status: Int32 = 0
        var reaped = false
        if failure == nil {
            // It normally exits right after closing stdout; give it a moment to say how.
            for _ in 0..<40 {
                let r = waitpid(pid, &status, WNOHANG)
                if r == pid { reaped = true; break }
                if r < 0 && errno != EINTR { break }
                usleep(5_000)
            }
        }
        // Kill the group before the leader is reaped, so the group id cannot have been reused.
        let wasKilled = state.withLock { $0.killed }
        signalGroup(pid, SIGKILL)
        if !reaped {
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        state.withLock { $0.reaped = true }
        if !reaped && failure == nil && !wasKilled { return "closed its stdout" }
        return Self.describe(status)
    }

    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        return "was killed by signal \(signal)"
    }

    private func stderrLoop(fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var line: [UInt8] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            // Passed on as written; the last complete non-blank line is kept for causes.
            _ = buffer.withUnsafeBytes { write(2, $0.baseAddress, n) }
            for byte in buffer[0..<n] {
                if byte == 0x0A {
                    let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                    if !text.isEmpty { state.withLock { $0.lastStderr = Self.excerpt(Array(text.utf8)) } }
                    line.removeAll(keepingCapacity: true)
                } else if line.count < 1024 {
                    line.append(byte)
                }
            }
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        if !text.isEmpty { state.withLock { $0.lastStderr = Self.excerpt(Array(text.utf8)) } }
    }

    /// Matches one response line to its request; a description of the problem if the line is garbage.
    private func handle(_ line: [UInt8]) -> String? {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
        let value: JSONValue
        do { value = try JSONParser.parse(line) } catch {
            return "wrote a line that is not JSON (\(error.message) at column \(error.column)): \(Self.excerpt(line))"
        }
        guard case .object(let o) = value, let id = Self.id(o["id"]) else {
            return "wrote a line that is not a response ({\"id\", \"output\"} or {\"id\", \"error\", \"cause\"}): \(Self.excerpt(line))"
        }
        // An unknown id is a response to a request that already failed; nothing waits for it.
        guard let request = state.withLock({ $0.inFlight.removeValue(forKey: id) }) else { return nil }
        if let error = o["error"], !error.isNull {
            var cause: String?
            switch o["cause"] {
            case .string(let s)?: cause = s
            case nil, .null?: cause = nil
            case let other?: cause = JSONWriter.string(other)
            }
            request.fail(StatesError(error.stringValue ?? JSONWriter.string(error), cause))
        } else {
            request.succeed(o["output"] ?? .null)
        }
        return nil
    }

    static let maxResponseBytes = 16 << 20

    private static func id(_ value: JSONValue?) -> Int? {
        switch value {
        case .number(let n)?: return n.int64Value.map { Int($0) }
        case .string(let s)?: return Int(s)
        default: return nil
        }
    }

    static func excerpt(_ line: [UInt8]) -> String {
        let text = String(decoding: line.prefix(200), as: UTF8.self)
        return line.count > 200 ? text + "…" : text
    }
}
