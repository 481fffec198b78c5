#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One record from an NDJSON stream (``NDJSONReader/next()``).
public enum NDJSONRecord: Sendable, Equatable {
    /// A non-blank line (without its `\n` or `\r\n`), with its 1-based line number.
    case line(number: Int, bytes: [UInt8])
    /// A line longer than the limit; its bytes were skipped, not buffered.
    case tooLong(number: Int, byteCount: Int)
}

/// One non-blank line found by ``NDJSONReader/next(into:mayBlock:)``.
///
/// The line's bytes are not here: they were appended to the caller's buffer at `start`.
public struct NDJSONLine: Sendable, Equatable {
    /// 1-based line number in the whole input (counting lines before `startLine`).
    public var number: Int
    /// Where the line's bytes start in the caller's buffer (no trailing CR or newline).
    public var start: Int
    /// The number of bytes appended; for a line over the limit, its full length (nothing appended).
    public var count: Int
    /// Over the limit: nothing was appended.
    public var tooLong: Bool
    /// Byte offset just past this line's newline: resuming here starts at the next line.
    public var endOffset: Int64

    public init(number: Int, start: Int, count: Int, tooLong: Bool, endOffset: Int64) {
        self.number = number
        self.start = start
        self.count = count
        self.tooLong = tooLong
        self.endOffset = endOffset
    }
}

/// A failure to read the input (`errno` of the failed `read`).
public struct NDJSONReadError: Error, Sendable {
    public var errno: Int32
    public init(errno: Int32) { self.errno = errno }
}

/// Reads newline-delimited JSON incrementally: chunks from a source, one line at a time.
///
/// - Memory stays bounded by the chunk size plus the line limit: a line over `maxLineBytes`
///   (not counting its `\r\n` or `\n`) is skipped as it streams past and reported too long.
/// - Blank lines (only spaces, tabs and CRs, at any length) are skipped; a trailing `\r` is
///   dropped; a final line without a newline is still a line.
/// - It knows every line's absolute end offset (a journal records one to resume from).
/// - ``next(into:mayBlock:)`` appends each line's bytes to a caller's buffer (one allocation
///   for a batch of lines), and on a pipe or terminal says when the next read would block,
///   so a caller can hand on the work batched so far while the producer is idle.
public struct NDJSONReader {
    /// Default line limit: 1 MiB (an Express input is at most 256 KiB).
    public static let defaultMaxLineBytes = 1 << 20

    /// What ``next(into:mayBlock:)`` found.
    public enum Next: Sendable, Equatable {
        case line(NDJSONLine)
        /// The next read would block (a pipe or terminal with nothing buffered); call again
        /// with `mayBlock: true` to wait for input.
        case wouldBlock
        case end
    }

    /// Fills the buffer, returns the byte count (0 at end) or throws.
    private let read: (UnsafeMutableRawBufferPointer) throws(NDJSONReadError) -> Int
    /// Answers whether a read would block now (nil: never blocks, e.g. a regular file).
    private let readable: (() -> Bool)?
    private let maxLineBytes: Int
    private var chunk: [UInt8]
    private var start = 0
    private var end = 0
    /// A line that spans reads, carried between chunks.
    private var carry: [UInt8] = []
    private var skipping = -1  // ≥ 0 while discarding an oversized line: bytes seen so far
    /// While skipping: whether every byte skipped was a space, tab or CR (a blank line, however long).
    private var skippedBlank = true
    /// While skipping: whether the last byte skipped was a CR (not counted if the newline follows).
    private var skippedCR = false
    private var lineNumber: Int
    /// Absolute offset of `chunk[end]`.
    private var offset: Int64
    private var eof = false
    /// ``next()``'s line buffer.
    private var scratch: [UInt8] = []

    /// A reader over a file descriptor (stdin by default) that starts at absolute byte
    /// `startOffset`, after line `startLine` (where a resumed run left off).
    public init(fileDescriptor: Int32 = 0, startOffset: Int64 = 0, startLine: Int = 0,
                chunkSize: Int = 64 * 1024, maxLineBytes: Int = defaultMaxLineBytes) {
        var st = stat()
        let mayBlock = fstat(fileDescriptor, &st) != 0 || (st.st_mode & S_IFMT) != S_IFREG
        self.init(chunkSize: chunkSize, maxLineBytes: maxLineBytes, startOffset: startOffset, startLine: startLine,
                  readable: mayBlock ? {
                      var p = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
                      return poll(&p, 1, 0) != 0
                  } : nil) { (buffer) throws(NDJSONReadError) -> Int in
            while true {
                let n = SystemCall.read(fileDescriptor, buffer.baseAddress, buffer.count)
                if n >= 0 { return n }
                if errno != EINTR { throw NDJSONReadError(errno: errno) }
            }
        }
    }

    /// A reader over an in-memory byte array (tests, benchmarks).
    public init(bytes: [UInt8], chunkSize: Int = 64 * 1024, maxLineBytes: Int = defaultMaxLineBytes) {
        var position = 0
        self.init(chunkSize: chunkSize, maxLineBytes: maxLineBytes) { buffer in
            let n = min(buffer.count, bytes.count - position)
            if n > 0 {
                bytes.withUnsafeBytes { src in
                    buffer.baseAddress!.copyMemory(from: src.baseAddress! + position, byteCount: n)
                }
            }
            position += n
            return n
        }
    }

    /// A reader over any source: `read` fills the buffer and returns the byte count (0 at end).
    public init(chunkSize: Int = 64 * 1024, maxLineBytes: Int = defaultMaxLineBytes,
                read: @escaping (UnsafeMutableRawBufferPointer) -> Int) {
        self.init(chunkSize: chunkSize, maxLineBytes: maxLineBytes, startOffset: 0, startLine: 0, readable: nil) { (buffer) throws(NDJSONReadError) -> Int in read(buffer) }
    }

    private init(chunkSize: Int, maxLineBytes: Int, startOffset: Int64, startLine: Int, readable: (() -> Bool)?,
                 read: @escaping (UnsafeMutableRawBufferPointer) throws(NDJSONReadError) -> Int) {
        self.read = read
        self.readable = readable
        self.maxLineBytes = maxLineBytes
        self.chunk = [UInt8](repeating: 0, count: max(chunkSize, 1))
        self.lineNumber = startLine
        self.offset = startOffset
    }

    /// The next non-blank record, or `nil` at end of input (a read error also ends it).
    public mutating func next() -> NDJSONRecord? {
        var buffer: [UInt8] = []
        swap(&buffer, &scratch)
        defer { buffer.removeAll(keepingCapacity: true); swap(&buffer, &scratch) }
        guard case .line(let line)? = try? next(into: &buffer, mayBlock: true) else { return nil }
        if line.tooLong { return .tooLong(number: line.number, byteCount: line.count) }
        return .line(number: line.number, bytes: Array(buffer[line.start...]))
    }

    /// The next non-blank line (its bytes appended to `buffer`), `.wouldBlock` (only when
    /// `mayBlock` is false and the source is a pipe or terminal with nothing to read), or `.end`.
    public mutating func next(into buffer: inout [UInt8], mayBlock: Bool) throws(NDJSONReadError) -> Next {
        while true {
            if start == end {
                if eof {
                    if let record = finishLine(piece: 0..<0, into: &buffer) { return .line(record) }
                    return .end
                }
                if !mayBlock, let readable, !readable() { return .wouldBlock }
                if try fill() == 0 { eof = true }
                continue
            }
            var newline = -1
            chunk.withUnsafeBufferPointer { p in
                if let hit = memchr(p.baseAddress! + start, 0x0A, end - start) {
                    newline = p.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                }
            }
            if newline < 0 {
                // The line continues in the next read: keep what we have.
                let piece = end - start
                if skipping >= 0 {
                    skipping += piece
                    if skippedBlank { skippedBlank = Self.isBlank(chunk[start..<end]) }
                    skippedCR = chunk[end - 1] == 0x0D
                } else if carry.count + piece > maxLineBytes + 1 {
                    // (+ 1: a CR before the newline is not part of the line.)
                    skipping = carry.count + piece
                    skippedBlank = Self.isBlank(carry) && Self.isBlank(chunk[start..<end])
                    skippedCR = chunk[end - 1] == 0x0D
                    carry.removeAll(keepingCapacity: true)
                } else {
                    carry.append(contentsOf: chunk[start..<end])
                }
                start = end
                continue
            }
            let piece = start..<newline
            start = newline + 1
            if let record = finishLine(piece: piece, into: &buffer) { return .line(record) }
        }
    }

    /// Whether `bytes` are only spaces, tabs and CRs (a blank line).
    public static func isBlank<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    /// Offset of the first byte not yet consumed into a line.
    private var consumedOffset: Int64 { offset - Int64(end - start) }

    private mutating func fill() throws(NDJSONReadError) -> Int {
        // (`withUnsafeMutableBytes` rethrows untyped: carry the error out as a value.)
        let result = chunk.withUnsafeMutableBytes { raw in Result { () throws(NDJSONReadError) -> Int in try read(raw) } }
        let n = try result.get()
        start = 0
        end = n
        offset += Int64(n)
        return n
    }

    /// Ends the line made of `carry` plus `chunk[piece]`.
    private mutating func finishLine(piece: Range<Int>, into buffer: inout [UInt8]) -> NDJSONLine? {
        let hadContent = skipping >= 0 || !carry.isEmpty || !piece.isEmpty
        // Past the final newline with nothing buffered: the end.
        guard hadContent || !eof else { return nil }
        lineNumber += 1
        let endOffset = consumedOffset
        // The limit counts the line without its terminator (LF or CR LF), and a line of only
        // spaces, tabs and CRs is blank (skipped) at any length.
        if skipping >= 0 {
            let blank = skippedBlank && Self.isBlank(chunk[piece])
            var count = skipping + piece.count
            if piece.isEmpty ? skippedCR : chunk[piece.upperBound - 1] == 0x0D { count -= 1 }
            skipping = -1
            carry.removeAll(keepingCapacity: true)
            if blank { return nil }
            return NDJSONLine(number: lineNumber, start: buffer.count, count: count, tooLong: true, endOffset: endOffset)
        }
        let total = carry.count + piece.count
        let endsWithCR = piece.isEmpty ? carry.last == 0x0D : chunk[piece.upperBound - 1] == 0x0D
        if total - (endsWithCR ? 1 : 0) > maxLineBytes {
            let blank = Self.isBlank(carry) && Self.isBlank(chunk[piece])
            carry.removeAll(keepingCapacity: true)
            if blank { return nil }
            return NDJSONLine(number: lineNumber, start: buffer.count, count: total - (endsWithCR ? 1 : 0), tooLong: true, endOffset: endOffset)
        }
        let lineStart = buffer.count
        if !carry.isEmpty {
            buffer.append(contentsOf: carry)
            carry.removeAll(keepingCapacity: true)
        }
        if !piece.isEmpty { buffer.append(contentsOf: chunk[piece]) }
        if buffer.count > lineStart && buffer[buffer.count - 1] == 0x0D { buffer.removeLast() }
        var blank = true
        for i in lineStart..<buffer.count where !(buffer[i] == 0x20 || buffer[i] == 0x09 || buffer[i] == 0x0D) {
            blank = false
            break
        }
        if blank {
            buffer.removeSubrange(lineStart...)
            return nil
        }
        return NDJSONLine(number: lineNumber, start: lineStart, count: buffer.count - lineStart, tooLong: false, endOffset: endOffset)
    }
}
