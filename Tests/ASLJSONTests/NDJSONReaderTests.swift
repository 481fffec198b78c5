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
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let text = Array("{\"a\":1}\r\n\n[2]\n3".utf8)
        #expect(text.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) } == text.count)
        close(fds[1])
        defer { close(fds[0]) }
        var reader = NDJSONReader(fileDescriptor: fds[0], chunkSize: 3)
        var out: [NDJSONRecord] = []
        while let record = reader.next() { out.append(record) }
        #expect(out == [line(1, "{\"a\":1}"), line(3, "[2]"), line(4, "3")])
    }
}
