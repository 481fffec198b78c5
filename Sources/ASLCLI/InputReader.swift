#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One non-blank input line, with where it ends in the input (for the journal).
struct InputLine {
    enum Content {
        case bytes([UInt8])
        /// Longer than the limit; the bytes were skipped as they streamed past.
        case tooLong(byteCount: Int)
    }
    /// 1-based line number in the whole input (counting lines skipped on resume).
    var number: Int
    var content: Content
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
/// one) and it tells its owner when the next read would block, so results can be flushed
/// while the producer is idle.
struct InputReader {
    private let fd: Int32
    private let maxLineBytes: Int
    private var chunk: [UInt8]
    private var start = 0
    private var end = 0
    private var line: [UInt8] = []
    private var skipping = -1  // ≥ 0 while discarding an oversized line: bytes seen so far
    private var lineNumber: Int
    /// Absolute offset of `chunk[end]`.
    private var offset: Int64
    private var eof = false
    private let checkBlocking: Bool
    /// Called just before a read that would block (the input is a pipe or terminal with nothing buffered).
    var willBlock: () -> Void = {}

    init(fileDescriptor: Int32, startOffset: Int64 = 0, startLine: Int = 0, maxLineBytes: Int, chunkSize: Int = 64 * 1024) {
        fd = fileDescriptor
        self.maxLineBytes = maxLineBytes
        chunk = [UInt8](repeating: 0, count: chunkSize)
        lineNumber = startLine
        offset = startOffset
        var st = stat()
        checkBlocking = fstat(fileDescriptor, &st) != 0 || (st.st_mode & S_IFMT) != S_IFREG
    }

    /// The next non-blank line, or nil at the end of the input.
    mutating func next() throws(InputError) -> InputLine? {
        while true {
            if start == end {
                if eof { return finishLine() }
                let n = try fill()
                if n == 0 { eof = true; continue }
            }
            var newline = -1
            chunk.withUnsafeBufferPointer { p in
                if let hit = memchr(p.baseAddress! + start, 0x0A, end - start) {
                    newline = p.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                }
            }
            let stop = newline >= 0 ? newline : end
            let piece = stop - start
            if skipping >= 0 {
                skipping += piece
            } else if line.count + piece > maxLineBytes {
                skipping = line.count + piece
                line.removeAll(keepingCapacity: true)
            } else {
                line.append(contentsOf: chunk[start..<stop])
            }
            start = newline >= 0 ? newline + 1 : end
            if newline >= 0, let record = finishLine() { return record }
        }
    }

    /// Offset of the first byte not yet consumed into a line.
    private var consumedOffset: Int64 { offset - Int64(end - start) }

    private mutating func fill() throws(InputError) -> Int {
        if checkBlocking {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, 0) == 0 { willBlock() }
        }
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

    private mutating func finishLine() -> InputLine? {
        let hadContent = skipping >= 0 || !line.isEmpty
        // Past the final newline with nothing buffered: the end.
        guard hadContent || !eof else { return nil }
        lineNumber += 1
        let endOffset = consumedOffset
        defer { line.removeAll(keepingCapacity: true) }
        if skipping >= 0 {
            let count = skipping
            skipping = -1
            return InputLine(number: lineNumber, content: .tooLong(byteCount: count), endOffset: endOffset)
        }
        if line.last == 0x0D { line.removeLast() }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
            return nil
        }
        return InputLine(number: lineNumber, content: .bytes(line), endOffset: endOffset)
    }
}

/// Positions `fd` at `offset`: a seek on a regular file, otherwise reads and discards.
func skipInput(_ fd: Int32, to offset: Int64) throws(InputError) {
    guard offset > 0 else { return }
    if lseek(fd, off_t(offset), SEEK_SET) >= 0 { return }
    var remaining = offset
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while remaining > 0 {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, Int(min(Int64($0.count), remaining))) }
        if n < 0 { if errno == EINTR { continue }; throw InputError(errno: errno) }
        if n == 0 { return }
        remaining -= Int64(n)
    }
}
