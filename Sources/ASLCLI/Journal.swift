import ASLJSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a `--journal` file records: how far into the input every result has been written,
/// and what the journal belongs to.
///
/// Every input line that ends at or before `offset` (lines 1…`line`) has had its result
/// written and flushed, and so has every line numbered in `done` (`--unordered` results that
/// finished ahead of an earlier line). `definition` and `input` identify the run the journal
/// belongs to; `output` is where the results file stood when the journal was written, so a
/// resumed run can cut a torn last record off.
struct JournalState: Equatable {
    var offset: Int64 = 0
    var line = 0
    /// Sorted, disjoint line-number ranges above `line` whose results are written.
    var done: [ClosedRange<Int>] = []
    /// FNV-1a 64 of the definition file, hex.
    var definition: String?
    /// nil when the input is not a regular file (a pipe), or for a journal of an older aslx.
    var input: InputIdentity?
    var output: OutputMark?

    /// The JSON form, one line.
    var json: [UInt8] {
        var o = JSONObject()
        o["version"] = 2
        o["offset"] = .number(.int(offset))
        o["line"] = .number(.int(Int64(line)))
        if !done.isEmpty {
            o["done"] = .array(done.map { .array([.number(.int(Int64($0.lowerBound))), .number(.int(Int64($0.upperBound)))]) })
        }
        if let definition { o["definition"] = .string(definition) }
        if let input {
            o["input"] = ["size": .number(.int(input.size)), "mtime": .number(.int(input.modified)), "head": .string(input.head)]
        }
        if let output {
            o["output"] = ["device": .number(.int(output.device)), "inode": .number(.int(output.inode)), "size": .number(.int(output.size))]
        }
        return JSONWriter.bytes(.object(o)) + [0x0A]
    }

    /// Parses a journal (also the `{"offset", "line"}` journals of earlier versions); nil if it is not one.
    init?(json value: JSONValue) {
        guard case .number(let o)? = value["offset"], case .number(let l)? = value["line"],
              let offset = o.int64Value, let line = l.int64Value.flatMap({ Int(exactly: $0) }), offset >= 0, line >= 0
        else { return nil }
        self.offset = offset
        self.line = line
        if let ranges = value["done"] {
            guard case .array(let items) = ranges else { return nil }
            var last = line
            for item in items {
                guard case .array(let pair) = item, pair.count == 2,
                      let a = pair[0].numberValue?.int64Value.flatMap({ Int(exactly: $0) }),
                      let b = pair[1].numberValue?.int64Value.flatMap({ Int(exactly: $0) }),
                      a > last, b >= a else { return nil }
                done.append(a...b)
                last = b
            }
        }
        switch value["definition"] {
        case nil: break
        case .string(let s)?: definition = s
        default: return nil
        }
        if let i = value["input"] {
            guard let size = i["size"]?.numberValue?.int64Value, let mtime = i["mtime"]?.numberValue?.int64Value,
                  let head = i["head"]?.stringValue else { return nil }
            input = InputIdentity(size: size, modified: mtime, head: head)
        }
        if let out = value["output"] {
            guard let device = out["device"]?.numberValue?.int64Value, let inode = out["inode"]?.numberValue?.int64Value,
                  let size = out["size"]?.numberValue?.int64Value, size >= 0 else { return nil }
            output = OutputMark(device: device, inode: inode, size: size)
        }
    }

    init() {}
}

/// Which input file a journal belongs to: its size, modification time and a hash of its first block.
struct InputIdentity: Equatable {
    var size: Int64
    /// Nanoseconds since the epoch.
    var modified: Int64
    /// FNV-1a 64 (hex) of the first 64 KiB.
    var head: String

    /// The identity of `fd` if it is a regular file (nil for pipes, terminals, sockets).
    static func of(_ fd: Int32) -> InputIdentity? {
        guard let st = regularFileStatus(fd) else { return nil }
        var block = [UInt8](repeating: 0, count: 64 * 1024)
        var filled = 0
        while filled < block.count {
            let n = block.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + filled, $0.count - filled, off_t(filled)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            filled += n
        }
        #if canImport(Darwin)
        let mtime = Int64(st.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(st.st_mtimespec.tv_nsec)
        #else
        let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        #endif
        return InputIdentity(size: Int64(st.st_size), modified: mtime, head: fnv1a(block[0..<filled]))
    }
}

/// Where the results file stood when the journal was written.
struct OutputMark: Equatable {
    var device: Int64
    var inode: Int64
    var size: Int64

    /// The mark of `fd` now, if it is a regular file.
    static func of(_ fd: Int32) -> OutputMark? {
        guard let st = regularFileStatus(fd) else { return nil }
        return OutputMark(device: Int64(truncatingIfNeeded: st.st_dev), inode: Int64(truncatingIfNeeded: st.st_ino), size: Int64(st.st_size))
    }
}

/// `fstat` of `fd` if it is a regular file (nil for pipes, terminals, sockets, errors).
func regularFileStatus(_ fd: Int32) -> stat? {
    var st = stat()
    guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
    return st
}

/// FNV-1a 64 as 16 hex digits.
func fnv1a<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}

/// The `--journal` file, replaced atomically (write a temporary file, fsync it, rename it over
/// the journal, fsync the folder), so after a kill -9 or a crash it holds either the old or the
/// new state.
struct Journal {
    let path: String
    private var last: JournalState?

    init(path: String) { self.path = path }

    /// A journal is small; anything longer is not one (and `/dev/zero` is not read forever).
    static let maxBytes = 16 << 20

    /// The recorded state, nil when the journal does not exist yet.
    func read() throws(JournalError) -> JournalState? {
        let bytes: [UInt8]
        switch readWholeFile(path, limit: Self.maxBytes) {
        case .success(let content): bytes = content
        case .failure(let error) where error.code == ENOENT: return nil
        case .failure(let error) where error.code == EFBIG:
            throw JournalError("journal '\(path)' is not an aslx journal (over \(Self.maxBytes >> 20) MiB)", exitCode: ExitCode.dataError)
        case .failure(let error): throw JournalError("cannot read journal '\(path)': \(errnoText(error.code))")
        }
        guard let value = try? JSONParser.parse(bytes), let state = JournalState(json: value) else {
            throw JournalError("journal '\(path)' is not an aslx journal ({\"offset\": N, \"line\": N, ...})", exitCode: ExitCode.dataError)
        }
        return state
    }

    /// Records `state`. Skips an unchanged state.
    mutating func write(_ state: JournalState) throws(JournalError) {
        guard state != last else { return }
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JournalError("cannot write journal '\(tmp)': \(errnoText(errno))") }
        let text = state.json
        let written = text.withUnsafeBytes { SystemCall.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == text.count, synced else { throw JournalError("cannot write journal '\(tmp)': \(errnoText(errno))") }
        guard rename(tmp, path) == 0 else { throw JournalError("cannot replace journal '\(path)': \(errnoText(errno))") }
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let dfd = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
        last = state
    }
}

/// The journal cannot be read or written (exit status 74), or is not a journal, or belongs to
/// another run (65).
struct JournalError: Error, CustomStringConvertible {
    var description: String
    var exitCode: Int32
    init(_ message: String, exitCode: Int32 = ExitCode.ioError) {
        description = message
        self.exitCode = exitCode
    }
}

/// Line numbers to skip on resume (`done` ranges), asked in increasing order.
struct LineSkipper {
    private let ranges: [ClosedRange<Int>]
    private var index = 0

    init(_ ranges: [ClosedRange<Int>]) { self.ranges = ranges }

    /// Whether `line` is done; `line` never decreases between calls.
    mutating func skips(_ line: Int) -> Bool {
        while index < ranges.count && ranges[index].upperBound < line { index += 1 }
        return index < ranges.count && ranges[index].contains(line)
    }
}
