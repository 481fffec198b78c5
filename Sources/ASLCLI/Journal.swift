import ASLJSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `--journal` file: how far into the input every result has been written.
///
/// Its content is one JSON object, `{"offset": BYTES, "line": N}`: every input line that ends
/// at or before `offset` (lines 1…N) has had its result written and flushed. It is replaced
/// atomically (write a temporary file, fsync it, rename it over the journal, fsync the
/// folder), so after a kill -9 or a crash it holds either the old or the new position.
struct Journal {
    let path: String
    private var last: (offset: Int64, line: Int) = (-1, -1)

    /// The most `read()` accepts: a real journal is under 50 bytes.
    static let maximumBytes = 1024

    init(path: String) { self.path = path }

    /// The recorded position, (0, 0) when the journal does not exist yet.
    func read() throws(JournalError) -> (offset: Int64, line: Int) {
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            if errno == ENOENT { return (0, 0) }
            throw JournalError("cannot read journal '\(path)': \(errnoText(errno))")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw JournalError("cannot read journal '\(path)': \(errnoText(errno))") }
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
            // A journal is one short line; anything longer (`/dev/zero`, a wrong file) is not one.
            if bytes.count > Self.maximumBytes {
                throw JournalError("journal '\(path)' is larger than \(Self.maximumBytes) bytes: not an aslx journal ({\"offset\": N, \"line\": N})")
            }
        }
        guard let value = try? JSONParser.parse(bytes),
              case .number(let offset)? = value["offset"], case .number(let line)? = value["line"],
              let o = offset.int64Value, let l = line.int64Value, o >= 0, l >= 0
        else { throw JournalError("journal '\(path)' is not an aslx journal ({\"offset\": N, \"line\": N})") }
        return (o, Int(l))
    }

    /// Records that everything up to `offset` (line `line`) is done. Skips unchanged positions.
    mutating func write(offset: Int64, line: Int) throws(JournalError) {
        guard offset != last.offset || line != last.line else { return }
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JournalError("cannot write journal '\(tmp)': \(errnoText(errno))") }
        let text = Array("{\"offset\":\(offset),\"line\":\(line)}\n".utf8)
        let written = text.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == text.count, synced else { throw JournalError("cannot write journal '\(tmp)': \(errnoText(errno))") }
        guard rename(tmp, path) == 0 else { throw JournalError("cannot replace journal '\(path)': \(errnoText(errno))") }
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let dfd = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
        last = (offset, line)
    }
}

/// The journal cannot be read or written (exit status 74).
struct JournalError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
