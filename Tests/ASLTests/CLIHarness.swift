import ASLJSON
import Foundation
import Testing

/// Runs the built `aslx` binary as a real process with real pipes.
enum CLIHarness {
    static let packageRoot = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `aslx` next to the test bundle (same build folder), else `.build/debug/aslx`; nil if not built.
    static let binary: String? = {
        // A test writes stdin to an aslx that may already have exited (usage errors): EPIPE, not death.
        signal(SIGPIPE, SIG_IGN)
        var candidates: [String] = []
        let testExecutable = URL(filePath: CommandLine.arguments[0]).standardizedFileURL
        var folder = testExecutable.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(folder.appending(path: "aslx").path)
            folder = folder.deletingLastPathComponent()
        }
        candidates.append(packageRoot.appending(path: ".build/debug/aslx").path)
        return candidates.first { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
                && FileManager.default.isExecutableFile(atPath: path)
        }
    }()

    static let missingNote: Comment = "aslx binary not found next to the tests or in .build/debug: run `swift build --product aslx` first"

    struct Result {
        var status: Int32
        var stdout: [UInt8]
        var stderr: [UInt8]
        var stdoutLines: [String] { Self.lines(stdout) }
        var stderrLines: [String] { Self.lines(stderr) }
        /// stdout lines parsed as JSON (a line that does not parse fails the test).
        var records: [JSONValue] { stdoutLines.map { CLIHarness.json($0) } }
        var stderrRecords: [JSONValue] { stderrLines.map { CLIHarness.json($0) } }
        var stderrText: String { String(decoding: stderr, as: UTF8.self) }
        static func lines(_ bytes: [UInt8]) -> [String] {
            String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        }
    }

    static func json(_ line: String) -> JSONValue {
        do { return try JSONParser.parse(line) } catch {
            Issue.record("not a JSON line: \(line.prefix(300))")
            return .null
        }
    }

    /// Starts `aslx ARGS` with the given stdin (bytes, or a file when `stdinFile` is set).
    static func start(_ arguments: [String], stdinFile: String? = nil, stdout: FileHandle? = nil,
                      directory: URL? = nil, environment: [String: String] = [:]) throws -> (Process, Pipe?, Pipe?, Pipe) {
        let process = Process()
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.executableURL = URL(filePath: binary!)
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? packageRoot
        var inPipe: Pipe?
        if let stdinFile {
            process.standardInput = try FileHandle(forReadingFrom: URL(filePath: stdinFile))
        } else {
            inPipe = Pipe()
            process.standardInput = inPipe
        }
        var outPipe: Pipe?
        if let stdout { process.standardOutput = stdout } else { outPipe = Pipe(); process.standardOutput = outPipe }
        let errPipe = Pipe()
        process.standardError = errPipe
        try process.run()
        return (process, inPipe, outPipe, errPipe)
    }

    /// Runs `aslx ARGS` to completion with `input` on stdin.
    static func run(_ arguments: [String], input: [UInt8] = [], stdinFile: String? = nil, directory: URL? = nil,
                    environment: [String: String] = [:]) throws -> Result {
        let (process, inPipe, outPipe, errPipe) = try start(arguments, stdinFile: stdinFile, directory: directory, environment: environment)
        let writer = Thread {
            if let inPipe {
                try? inPipe.fileHandleForWriting.write(contentsOf: Data(input))
                try? inPipe.fileHandleForWriting.close()
            }
        }
        writer.start()
        let err = Reader(errPipe.fileHandleForReading)
        let out = outPipe!.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: Array(out), stderr: err.wait())
    }

    static func run(_ arguments: [String], lines: [String]) throws -> Result {
        try run(arguments, input: Array((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// Reads a pipe to its end on a background thread.
    final class Reader: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)
        init(_ handle: FileHandle) {
            Thread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }.start()
        }
        func wait() -> [UInt8] {
            done.wait()
            return Array(data)
        }
    }

    /// A temporary folder for one test, removed by the caller with `cleanUp`.
    static func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "aslx-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `text` to `name` in `folder` and returns its path.
    @discardableResult
    static func write(_ text: String, to name: String, in folder: URL) throws -> String {
        let url = folder.appending(path: name)
        try Data(text.utf8).write(to: url)
        return url.path
    }
}
