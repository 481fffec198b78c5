import ASLJSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Which execution log events are emitted (CloudWatch Logs levels, ASL-REFERENCE §10.4).
public enum LogLevel: String, Sendable, CaseIterable {
    case all = "ALL", error = "ERROR", fatal = "FATAL", off = "OFF"

    static let fatalTypes: Set<String> = ["ExecutionAborted", "ExecutionFailed", "ExecutionTimedOut"]
    static let errorTypes: Set<String> = fatalTypes.union([
        "FailStateEntered", "LambdaFunctionFailed", "LambdaFunctionScheduleFailed", "LambdaFunctionStartFailed",
        "LambdaFunctionTimedOut", "MapIterationAborted", "MapIterationFailed", "MapStateAborted", "MapStateFailed",
        "MapRunAborted", "MapRunFailed", "ParallelStateAborted", "ParallelStateFailed", "TaskFailed",
        "TaskStartFailed", "TaskStateAborted", "TaskSubmitFailed", "TaskTimedOut", "WaitStateAborted",
    ])

    /// Whether an event of `type` is logged at this level.
    public func includes(_ type: String) -> Bool {
        switch self {
        case .all: return true
        case .off: return false
        case .error: return LogLevel.errorTypes.contains(type)
        case .fatal: return LogLevel.fatalTypes.contains(type)
        }
    }
}

/// One execution log event, shaped as AWS writes it to CloudWatch Logs.
public struct LogEvent: Sendable {
    public var id: Int
    public var previousEventId: Int
    public var type: String
    public var timestampMilliseconds: Int64
    public var executionArn: String
    public var details: JSONObject

    /// `{"id": "3", "type": ..., "details": {...}, "previous_event_id": "2", "event_timestamp": "...", "execution_arn": ..., "redrive_count": "0"}`
    public var json: JSONValue {
        var o = JSONObject(minimumCapacity: 7)
        o["id"] = .string(String(id))
        o["type"] = .string(type)
        o["details"] = .object(details)
        o["previous_event_id"] = .string(String(previousEventId))
        o["event_timestamp"] = .string(String(timestampMilliseconds))
        o["execution_arn"] = .string(executionArn)
        o["redrive_count"] = "0"
        return .object(o)
    }

    /// ``json`` written straight into `w` (same bytes, without building the object first).
    public func write(into w: inout JSONWriter) {
        w.appendRaw("{\"id\":\"")
        w.appendRaw(String(id).utf8)
        w.appendRaw("\",\"type\":")
        w.write(string: type)
        w.appendRaw(",\"details\":")
        w.write(.object(details))
        w.appendRaw(",\"previous_event_id\":\"")
        w.appendRaw(String(previousEventId).utf8)
        w.appendRaw("\",\"event_timestamp\":\"")
        w.appendRaw(String(timestampMilliseconds).utf8)
        w.appendRaw("\",\"execution_arn\":")
        w.write(string: executionArn)
        w.appendRaw(",\"redrive_count\":\"0\"}")
    }

    /// The event as one NDJSON line's bytes (no newline).
    public var bytes: [UInt8] {
        var w = JSONWriter(capacity: 256)
        write(into: &w)
        return w.bytes
    }
}

/// Receives execution log events. Called from worker threads; implementations must be thread-safe.
public protocol LogSink: Sendable {
    func write(_ event: LogEvent)
}

/// Writes each log event as one NDJSON line to a file descriptor (stderr by default, so that
/// stdout keeps exactly one result record per input line).
public final class NDJSONLogSink: LogSink, @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLockish()

    public init(fileDescriptor: Int32 = 2) { fd = fileDescriptor }

    public func write(_ event: LogEvent) {
        var writer = JSONWriter(capacity: 256)
        event.write(into: &writer)
        writer.appendRaw(byte: 0x0A)
        let bytes = writer.bytes
        lock.withLock {
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = SystemCall.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n <= 0 { if errno == EINTR { continue }; return }
                    offset += n
                }
            }
        }
    }
}

/// Hands each log event, as one line's bytes (no newline), to a line writer: `aslx run` gives
/// its buffered output channel's `append`, which never tears or interleaves lines.
public final class LineLogSink: LogSink {
    private let append: @Sendable ([UInt8]) -> Void

    public init(append: @escaping @Sendable ([UInt8]) -> Void) { self.append = append }

    public func write(_ event: LogEvent) { append(event.bytes) }
}

import Synchronization

/// A tiny mutex wrapper usable from non-Sendable-aware contexts.
final class NSLockish: Sendable {
    private let mutex = Mutex(())
    func withLock<T>(_ body: () throws -> T) rethrows -> T { try mutex.withLock { _ in try body() } }
}
