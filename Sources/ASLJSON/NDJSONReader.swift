#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One record from an NDJSON stream.
public enum NDJSONRecord: Sendable, Equatable {
    /// A non-blank line (without its `\n` or `\r\n`), with its 1-based line number.
    case line(number: Int, bytes: [UInt8])
    /// A line longer than the limit; its bytes were skipped, not buffered.
    case tooLong(number: Int, byteCount: Int)
}

/// Reads newline-delimited JSON incrementally: chunks from a source, one line at a time.
///
/// Memory stays bounded by the chunk size plus the line limit: a line over `maxLineBytes`
/// is skipped as it streams past and reported as ``NDJSONRecord/tooLong(number:byteCount:)``.
/// Blank (whitespace-only) lines are skipped; a trailing `\r` is dropped; a final line
/// without a newline is still a record.
public struct NDJSONReader {
    /// Default line limit: 1 MiB (an Express input is at most 256 KiB).
    public static let defaultMaxLineBytes = 1 << 20

    private let read: (UnsafeMutableRawBufferPointer) -> Int
    private let maxLineBytes: Int
    private var chunk: [UInt8]
    private var chunkStart = 0
    private var chunkEnd = 0
    private var line: [UInt8] = []
    private var skippingBytes = -1  // ≥ 0 while discarding an oversized line
    private var lineNumber = 0
    private var eof = false

    /// A reader over a file descriptor (stdin by default).
    public init(fileDescriptor: Int32 = 0, chunkSize: Int = 64 * 1024, maxLineBytes: Int = defaultMaxLineBytes) {
        self.init(chunkSize: chunkSize, maxLineBytes: maxLineBytes) { buffer in
            while true {
                let n = SystemCall.read(fileDescriptor, buffer.baseAddress, buffer.count)
                if n < 0 && errno == EINTR { continue }
                return max(n, 0)
            }
        }
    }

    /// A reader over an in-memory byte array (tests, benchmarks).
    public init(bytes: [UInt8], chunkSize: Int = 64 * 1024, maxLineBytes: Int = defaultMaxLineBytes) {
        var offset = 0
        self.init(chunkSize: chunkSize, maxLineBytes: maxLineBytes) { buffer in
            let n = min(buffer.count, bytes.count - offset)
            if n > 0 {
                bytes.withUnsafeBytes { src in
                    buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
                }
            }
            offset += n
            return n
        }
    }

    /// A reader over any source: `read` fills the buffer and returns the byte count (0 at end).
    public init(chunkSize: Int = 64 * 1024, maxLineBytes: Int = defaultMaxLineBytes,
                read: @escaping (UnsafeMutableRawBufferPointer) -> Int) {
        self.read = read
        self.maxLineBytes = maxLineBytes
        self.chunk = [UInt8](repeating: 0, count: max(chunkSize, 1))
    }

    /// The next non-blank record, or `nil` at end of input.
    public mutating func next() -> NDJSONRecord? {
        while true {
            if chunkStart == chunkEnd {
                if eof { return finishLine() }
                let n = chunk.withUnsafeMutableBytes { read($0) }
                if n == 0 { eof = true; continue }
                chunkStart = 0
                chunkEnd = n
            }
            // Find the next newline in the current chunk.
            let newline = chunk.withUnsafeBufferPointer { p -> Int in
                guard let hit = memchr(p.baseAddress! + chunkStart, 0x0A, chunkEnd - chunkStart) else { return -1 }
                return UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - p.baseAddress!
            }
            let end = newline >= 0 ? newline : chunkEnd
            let piece = end - chunkStart
            if skippingBytes >= 0 {
                skippingBytes += piece
            } else if line.count + piece > maxLineBytes {
                skippingBytes = line.count + piece
                line.removeAll(keepingCapacity: true)
            } else {
                line.append(contentsOf: chunk[chunkStart..<end])
            }
            chunkStart = newline >= 0 ? newline + 1 : chunkEnd
            if newline >= 0, let record = finishLine() { return record }
        }
    }

    private mutating func finishLine() -> NDJSONRecord? {
        let hadContent = skippingBytes >= 0 || !line.isEmpty
        guard hadContent || !eof else { return nil }
        lineNumber += 1
        if skippingBytes >= 0 {
            let count = skippingBytes
            skippingBytes = -1
            return .tooLong(number: lineNumber, byteCount: count)
        }
        if line.last == 0x0D { line.removeLast() }
        let blank = line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        if blank {
            line.removeAll(keepingCapacity: true)
            return nil  // the caller's loop moves on (no recursion over runs of blank lines)
        }
        // An exact-size copy; `line` keeps its buffer for the next line.
        let record = NDJSONRecord.line(number: lineNumber, bytes: [UInt8](line))
        line.removeAll(keepingCapacity: true)
        return record
    }
}
