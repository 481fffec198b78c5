#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Buffered writes to a file descriptor; whole lines only, safe from any thread.
final class LineWriter: Sendable {
    private let fd: Int32
    private let buffer = Mutex<[UInt8]>([])
    private let flushThreshold: Int

    init(fd: Int32, flushThreshold: Int = 64 * 1024) {
        self.fd = fd
        self.flushThreshold = flushThreshold
    }

    /// Appends one line (a newline is added); writes through when the buffer is large.
    func writeLine(_ bytes: [UInt8]) {
        buffer.withLock { b in
            b.append(contentsOf: bytes)
            b.append(0x0A)
            if b.count >= flushThreshold { Self.drain(fd, &b) }
        }
    }

    func flush() { buffer.withLock { Self.drain(fd, &$0) } }

    private static func drain(_ fd: Int32, _ b: inout [UInt8]) {
        b.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; break }
                offset += n
            }
        }
        b.removeAll(keepingCapacity: true)
    }
}

func printError(_ message: String) {
    let line = Array(("aslx: " + message + "\n").utf8)
    line.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
}
