#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One non-blank input line, with where it ends in the input (for the journal).
///
/// The line's bytes are not here: ``InputReader/next(into:mayBlock:)`` appends them to the
/// caller's buffer.
struct InputLine {
    /// 1-based line number in the whole input (counting lines skipped on resume).
    var number: Int
    /// Where the line's bytes start in the caller's buffer (no trailing CR or newline).
    var start: Int
    /// The number of bytes appended; for a line over the limit, its full length (nothing appended).
    var count: Int
    var tooLong: Bool
    /// Byte offset just past this line's newline: resuming here starts at the next line.
    var endOffset: Int64
}

/// A failure to read the input stream (exit status 74).
struct InputError: Error {
    var errno: Int32
}

/// Reads NDJSON lines from a file descriptor, tracking byte offsets and line numbers.
///
/// Unlike `NDJSONReader` it knows the absolute offset of every line (the journal records
/// one), it appends each line's bytes straight into a caller's buffer (a batch of lines, one
/// allocation for many), and it tells its caller when the next read would block, so work
/// batched so far can be handed on and results flushed while the producer is idle.
struct InputReader {
    enum Next {
        case line(InputLine)
        /// The next read would block (a pipe or terminal with nothing buffered); call again
        /// with `mayBlock: true` to wait for input.
        case wouldBlock
        case end
    }

    private let fd: Int32
    private let maxLineBytes: Int
    private var chunk: [UInt8]
    private var start = 0
    private var end = 0
    /// A line that spans reads, carried between chunks.
    private var carry: [UInt8] = []
    private var skipping = -1  // ≥ 0 while discarding an oversized line: bytes seen so far
    /// While skipping: whether every byte skipped was a space, tab or CR (a blank line, however long).
    private var skippedBlank = true
    private var lineNumber: Int
    /// Absolute offset of `chunk[end]`.
    private var offset: Int64
    private var eof = false
    private let checkBlocking: Bool

    init(fileDescriptor: Int32, startOffset: Int64 = 0, startLine: Int = 0, maxLineBytes: Int, chunkSize: Int = 64 * 1024) {
        fd = fileDescriptor
        self.maxLineBytes = maxLineBytes
        chunk = [UInt8](repeating: 0, count: chunkSize)
        lineNumber = startLine
        offset = startOffset
        var st = stat()
        checkBlocking = fstat(fileDescriptor, &st) != 0 || (st.st_mode & S_IFMT) != S_IFREG
    }

    /// The next non-blank line (its bytes appended to `buffer`), `.wouldBlock` (only when
    /// `mayBlock` is false), or `.end`.
    mutating func next(into buffer: inout [UInt8], mayBlock: Bool) throws(InputError) -> Next {
        while true {
            if start == end {
                if eof {
                    if let record = finishLine(piece: 0..<0, into: &buffer) { return .line(record) }
                    return .end
                }
                if !mayBlock && checkBlocking {
                    var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    if poll(&p, 1, 0) == 0 { return .wouldBlock }
                }
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
                } else if carry.count + piece > maxLineBytes + 1 {
                    // (+ 1: a CR before the newline is not part of the line.)
                    skipping = carry.count + piece
                    skippedBlank = Self.isBlank(carry) && Self.isBlank(chunk[start..<end])
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

    /// Offset of the first byte not yet consumed into a line.
    private var consumedOffset: Int64 { offset - Int64(end - start) }

    private mutating func fill() throws(InputError) -> Int {
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError(errno: errno)
            }
            start = 0
            end = n
            offset += Int64(n)
            return n
        }
    }

    /// Ends the line made of `carry` plus `chunk[piece]`.
    private mutating func finishLine(piece: Range<Int>, into buffer: inout [UInt8]) -> InputLine? {
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
            if !piece.isEmpty && chunk[piece.upperBound - 1] == 0x0D { count -= 1 }
            skipping = -1
            carry.removeAll(keepingCapacity: true)
            if blank { return nil }
            return InputLine(number: lineNumber, start: buffer.count, count: count, tooLong: true, endOffset: endOffset)
        }
        let total = carry.count + piece.count
        let endsWithCR = piece.isEmpty ? carry.last == 0x0D : chunk[piece.upperBound - 1] == 0x0D
        if total - (endsWithCR ? 1 : 0) > maxLineBytes {
            let blank = Self.isBlank(carry) && Self.isBlank(chunk[piece])
            carry.removeAll(keepingCapacity: true)
            if blank { return nil }
            return InputLine(number: lineNumber, start: buffer.count, count: total - (endsWithCR ? 1 : 0), tooLong: true, endOffset: endOffset)
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
        return InputLine(number: lineNumber, start: lineStart, count: buffer.count - lineStart, tooLong: false, endOffset: endOffset)
    }
}

extension InputReader {
    static func isBlank<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}

/// Positions `fd` at absolute `offset`: a seek on a regular file (also to 0: a restarted
/// `--supervise` child shares the file position its predecessor moved), otherwise reads and discards.
func skipInput(_ fd: Int32, to offset: Int64) throws(InputError) {
    if lseek(fd, off_t(offset), SEEK_SET) >= 0 { return }
    guard offset > 0 else { return }
    try skipInput(fd, count: offset)
}

/// Reads and discards `count` bytes of `fd`.
func skipInput(_ fd: Int32, count: Int64) throws(InputError) {
    var remaining = count
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while remaining > 0 {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, Int(min(Int64($0.count), remaining))) }
        if n < 0 { if errno == EINTR { continue }; throw InputError(errno: errno) }
        if n == 0 { return }
        remaining -= Int64(n)
    }
}
