import ASLJSON
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func records(_ text: String, chunkSize: Int, maxLineBytes: Int = NDJSONReader.defaultMaxLineBytes) -> [NDJSONRecord] {
    var reader = NDJSONReader(bytes: Array(text.utf8), chunkSize: chunkSize, maxLineBytes: maxLineBytes)
    var out: [NDJSONRecord] = []
    while let record = reader.next() { out.append(record) }
    return out
}

/// The read end of a pipe holding `text`, its write end closed.
private func closedPipe(holding text: String) throws -> Int32 {
    var fds: [Int32] = [0, 0]
    try #require(pipe(&fds) == 0)
    let bytes = Array(text.utf8)
    #expect(bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) } == bytes.count)
    close(fds[1])
    return fds[0]
}

private func line(_ number: Int, _ text: String) -> NDJSONRecord { .line(number: number, bytes: Array(text.utf8)) }

@Suite("NDJSONReader")
struct NDJSONReaderTests {
    static let input = "{\"a\":1}\n\n  \t\r\n[1,2]\r\n" + String(repeating: "x", count: 40) + "\n\"é😀\"\r\n\n{\"last\":true}"

    @Test("chunk boundaries anywhere; blank lines skipped; CRLF; over-limit line; final line without newline",
          arguments: Array(1...7) + [64 * 1024])
    func chunks(chunkSize: Int) {
        #expect(records(Self.input, chunkSize: chunkSize, maxLineBytes: 20) == [
            line(1, "{\"a\":1}"),
            line(4, "[1,2]"),
            .tooLong(number: 5, byteCount: 40),
            line(6, "\"é😀\""),
            line(8, "{\"last\":true}"),
        ])
    }

    @Test("lines at the limit are kept, one byte over is reported", arguments: [1, 3, 7])
    func limit(chunkSize: Int) {
        let text = String(repeating: "a", count: 10) + "\n" + String(repeating: "b", count: 11) + "\nc\n"
        #expect(records(text, chunkSize: chunkSize, maxLineBytes: 10) == [
            line(1, String(repeating: "a", count: 10)), .tooLong(number: 2, byteCount: 11), line(3, "c"),
        ])
    }

    @Test("empty input, only blank lines, and long runs of blank lines")
    func blanks() {
        #expect(records("", chunkSize: 4).isEmpty)
        #expect(records("\n\r\n  \n", chunkSize: 2).isEmpty)
        #expect(records(String(repeating: "\n", count: 200_000) + "1", chunkSize: 4096) == [line(200_001, "1")])
    }

    @Test("records parse as JSON")
    func parsesRecords() throws {
        var reader = NDJSONReader(bytes: Array("{\"a\":[1,2]}\r\n{\"b\":\"c\"}\n".utf8), chunkSize: 3)
        var values: [JSONValue] = []
        while let record = reader.next() {
            guard case .line(_, let bytes) = record else { Issue.record("unexpected \(record)"); continue }
            values.append(try JSONParser.parse(bytes))
        }
        #expect(values == [["a": [1, 2]], ["b": "c"]])
    }

    @Test("a custom source is read until it returns 0")
    func customSource() {
        var pieces: [[UInt8]] = [Array("1\n2".utf8), Array("2\n".utf8), Array("3".utf8)]
        var reader = NDJSONReader(chunkSize: 16) { buffer in
            guard !pieces.isEmpty else { return 0 }
            let piece = pieces.removeFirst()
            buffer.copyBytes(from: piece)
            return piece.count
        }
        var out: [NDJSONRecord] = []
        while let record = reader.next() { out.append(record) }
        #expect(out == [line(1, "1"), line(2, "22"), line(3, "3")])
    }

    @Test("reads from a file descriptor (a pipe) in small chunks")
    func fileDescriptor() throws {
        let fd = try closedPipe(holding: "{\"a\":1}\r\n\n[2]\n3")
        defer { close(fd) }
        var reader = NDJSONReader(fileDescriptor: fd, chunkSize: 3)
        var out: [NDJSONRecord] = []
        while let record = reader.next() { out.append(record) }
        #expect(out == [line(1, "{\"a\":1}"), line(3, "[2]"), line(4, "3")])
    }
}

@Suite("NDJSONReader, batching into a caller's buffer")
struct NDJSONReaderBatchTests {
    @Test("lines land back to back in the caller's buffer, with absolute end offsets and line numbers after the start")
    func offsets() throws {
        // Offsets:   0..8 "{\"a\":1}\r\n"  9 "\n"  10..13 "  \t\n"  14..17 "[2]\n"  18 "3"
        let fd = try closedPipe(holding: "{\"a\":1}\r\n\n  \t\n[2]\n3")
        defer { close(fd) }
        var reader = NDJSONReader(fileDescriptor: fd, startOffset: 100, startLine: 10, chunkSize: 4)
        var buffer: [UInt8] = Array("keep".utf8)
        var lines: [NDJSONLine] = []
        while case .line(let line) = try reader.next(into: &buffer, mayBlock: true) { lines.append(line) }
        #expect(lines == [
            NDJSONLine(number: 11, start: 4, count: 7, tooLong: false, endOffset: 109),
            NDJSONLine(number: 14, start: 11, count: 3, tooLong: false, endOffset: 118),
            NDJSONLine(number: 15, start: 14, count: 1, tooLong: false, endOffset: 119),
        ])
        #expect(String(decoding: buffer, as: UTF8.self) == "keep{\"a\":1}[2]3")
    }

    @Test("an empty pipe answers wouldBlock instead of blocking; a line too long appends nothing and its CR is not counted")
    func wouldBlock() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        var reader = NDJSONReader(fileDescriptor: fds[0], chunkSize: 3, maxLineBytes: 4)
        var buffer: [UInt8] = []
        #expect(try reader.next(into: &buffer, mayBlock: false) == .wouldBlock)
        let text = Array("12345\r\n1234\r\n".utf8)
        #expect(text.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) } == text.count)
        #expect(try reader.next(into: &buffer, mayBlock: false)
                == .line(NDJSONLine(number: 1, start: 0, count: 5, tooLong: true, endOffset: 7)))
        #expect(buffer.isEmpty)
        #expect(try reader.next(into: &buffer, mayBlock: false)
                == .line(NDJSONLine(number: 2, start: 0, count: 4, tooLong: false, endOffset: 13)))
        #expect(try reader.next(into: &buffer, mayBlock: false) == .wouldBlock)
        close(fds[1])
        #expect(try reader.next(into: &buffer, mayBlock: false) == .end)
    }
}
