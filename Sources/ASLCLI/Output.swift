#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ASLJSON
import Synchronization

/// A buffered output stream of whole lines, shared by any number of threads.
///
/// Lines are appended to a buffer and written with as few `write` calls as possible; a
/// line is never split between two writers, so records and log events never interleave
/// mid-line. Writes happen in append order: `flush` takes the write lock before it takes
/// the buffer.
final class OutputChannel: Sendable {
    let fd: Int32
    /// Whether `fd` is a pipe, terminal or socket (flush promptly) rather than a regular file (batch).
    let isInteractive: Bool
    private struct Buffer {
        var bytes: [UInt8] = []
        /// Monotonic nanoseconds of the oldest unwritten byte.
        var since: UInt64 = 0
        var errno: Int32 = 0
    }
    private let buffer = Mutex(Buffer())
    private let writeLock = Mutex(())
    private let threshold: Int
    /// Written before every line (clears a progress line on a terminal).
    private let linePrefix: [UInt8]
    /// Called when a line lands in an empty buffer (so someone schedules a flush).
    private let onFirstByte: @Sendable () -> Void

    /// What the channel writes to, for error messages ("results", "log sink 'x.log'").
    let label: String

    init(fd: Int32, label: String = "results", threshold: Int = 64 * 1024, linePrefix: [UInt8] = [],
         onFirstByte: @escaping @Sendable () -> Void = {}) {
        self.fd = fd
        self.label = label
        self.threshold = threshold
        self.linePrefix = linePrefix
        self.onFirstByte = onFirstByte
        var st = stat()
        isInteractive = fstat(fd, &st) != 0 || (st.st_mode & S_IFMT) != S_IFREG
    }

    /// Appends one line (a newline is added). Writes through when the buffer is full, which
    /// blocks the caller while the reader is slow: that is the back-pressure.
    func append(_ line: [UInt8]) {
        let (wasEmpty, full) = buffer.withLock { b -> (Bool, Bool) in
            let wasEmpty = b.bytes.isEmpty
            if wasEmpty { b.since = monotonicNanoseconds() }
            b.bytes.append(contentsOf: linePrefix)
            b.bytes.append(contentsOf: line)
            b.bytes.append(0x0A)
            return (wasEmpty, b.bytes.count >= threshold)
        }
        if full { flush() } else if wasEmpty { onFirstByte() }
    }

    /// Appends several lines under one lock: `body` calls its argument once per line.
    func appendLines(_ body: ((borrowing [UInt8]) -> Void) -> Void) {
        let (wasEmpty, full) = buffer.withLock { b -> (Bool, Bool) in
            let wasEmpty = b.bytes.isEmpty
            let prefix = linePrefix
            body { line in
                if !prefix.isEmpty { b.bytes.append(contentsOf: prefix) }
                b.bytes.append(contentsOf: line)
                b.bytes.append(0x0A)
            }
            if wasEmpty && !b.bytes.isEmpty { b.since = monotonicNanoseconds() }
            return (wasEmpty && !b.bytes.isEmpty, b.bytes.count >= threshold)
        }
        if full { flush() } else if wasEmpty { onFirstByte() }
    }

    /// Appends bytes that are not a line (a progress update), written at the next flush.
    func appendRaw(_ bytes: [UInt8]) {
        buffer.withLock { b in
            if b.bytes.isEmpty { b.since = monotonicNanoseconds() }
            b.bytes.append(contentsOf: bytes)
        }
    }

    /// Monotonic time of the oldest unwritten byte, or nil when everything is written.
    var pendingSince: UInt64? { buffer.withLock { $0.bytes.isEmpty ? nil : $0.since } }

    var pendingBytes: Int { buffer.withLock { $0.bytes.count } }

    /// The first write error (0 if none). After an error further output is dropped.
    var writeErrno: Int32 { buffer.withLock { $0.errno } }

    /// The first write error as a message, nil if none.
    var failure: String? {
        let code = writeErrno
        return code == 0 ? nil : "cannot write \(label): \(errnoText(code))"
    }

    /// Writes everything appended so far (by any thread) before returning.
    func flush() {
        writeLock.withLock { _ in
            var chunk = buffer.withLock { b -> [UInt8] in
                var taken: [UInt8] = []
                swap(&taken, &b.bytes)
                b.bytes.reserveCapacity(min(taken.count, threshold) + 1024)
                return taken
            }
            guard !chunk.isEmpty else { return }
            let error = writeFully(fd, chunk)
            if error != 0 { buffer.withLock { b in if b.errno == 0 { b.errno = error }; b.bytes.removeAll() } }
            chunk.removeAll()
        }
    }

    /// Flushes, then forces the bytes to stable storage if `fd` is a regular file.
    func sync() {
        flush()
        if !isInteractive { _ = fsync(fd) }
    }
}

/// Writes all of `bytes` to `fd` (retrying short writes, EINTR and EAGAIN); 0 or the errno.
func writeFully(_ fd: Int32, _ bytes: [UInt8]) -> Int32 {
    bytes.withUnsafeBytes { raw -> Int32 in
        var offset = 0
        while offset < raw.count {
            let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return errno
            }
            offset += n
        }
        return 0
    }
}

func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func printError(_ message: String) {
    let line = Array(("aslx: " + message + "\n").utf8)
    line.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
}

func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }

/// An `errno` value as an error.
struct SystemError: Error { var code: Int32 }

/// The whole content of the file at `path`, or the `errno` that stopped it (`ENOENT`,
/// `EACCES`, `EISDIR`, ...), so callers can say why; `EFBIG` past `limit` bytes.
func readWholeFile(_ path: String, limit: Int = .max) -> Result<[UInt8], SystemError> {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return .failure(SystemError(code: errno)) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let n = buffer.withUnsafeMutableBytes { SystemCall.read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            return .failure(SystemError(code: errno))
        }
        if n == 0 { return .success(bytes) }
        bytes.append(contentsOf: buffer[0..<n])
        if bytes.count > limit { return .failure(SystemError(code: EFBIG)) }
    }
}
