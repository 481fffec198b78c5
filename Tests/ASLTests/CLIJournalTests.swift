import ASLJSON
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `--journal`: exact resume points, line-aligned output after kills, refusing the wrong input.
@Suite(.enabled(if: CLIHarness.binary != nil, CLIHarness.missingNote))
final class CLIJournalTests {
    let folder = CLIHarness.temporaryFolder()
    deinit { try? FileManager.default.removeItem(at: folder) }

    static let pass = #"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#

    func input(_ n: Int, name: String = "in.ndjson") throws -> String {
        try CLIHarness.write((1...n).map { #"{"i":\#($0)}"# }.joined(separator: "\n") + "\n", to: name, in: folder)
    }

    /// Runs to completion with stdin from `stdinFile`, appending stdout to `output`.
    func run(_ arguments: [String], stdinFile: String, output: String) throws -> (status: Int32, stderr: String) {
        if !FileManager.default.fileExists(atPath: output) { _ = FileManager.default.createFile(atPath: output, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(filePath: output))
        try handle.seekToEnd()
        let (process, _, _, errPipe) = try CLIHarness.start(arguments, stdinFile: stdinFile, stdout: handle)
        let errors = CLIHarness.Reader(errPipe.fileHandleForReading)
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, String(decoding: errors.wait(), as: UTF8.self))
    }

    @Test(arguments: [false, true])
    func killedRunsAppendingToOneFileLeaveEachResultOnceOnItsOwnLine(unordered: Bool) throws {
        let m = try CLIHarness.write(#"{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.w","End":true}}}"#, to: "w.asl.json", in: folder)
        let n = 20_000
        // Line 1 waits: unordered output runs far ahead of the journal's contiguous offset.
        var lines = (1...n).map { #"{"w":0,"i":\#($0)}"# }
        lines[0] = #"{"w":2,"i":1}"#
        let inputPath = try CLIHarness.write(lines.joined(separator: "\n") + "\n", to: "in.ndjson", in: folder)
        let output = folder.appending(path: "out.ndjson").path
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let journal = folder.appending(path: "run.journal").path
        let arguments = ["run", m, "--journal", journal] + (unordered ? ["--unordered"] : [])
        var finished = false
        for attempt in 0..<8 where !finished {
            let handle = try FileHandle(forWritingTo: URL(filePath: output))
            try handle.seekToEnd()
            let (process, _, _, errPipe) = try CLIHarness.start(arguments, stdinFile: inputPath, stdout: handle)
            let errors = CLIHarness.Reader(errPipe.fileHandleForReading)
            if attempt < 3 {
                usleep(UInt32(attempt == 0 ? 1_200_000 : Int.random(in: 30_000...300_000)))
                kill(process.processIdentifier, SIGKILL)
            }
            process.waitUntilExit()
            _ = errors.wait()
            try handle.close()
            finished = process.terminationReason == .exit && process.terminationStatus == 0
        }
        #expect(finished)
        let text = String(decoding: try Data(contentsOf: URL(filePath: output)), as: UTF8.self)
        var names: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let record = CLIHarness.json(String(line))  // a torn line fails the test
            names.append(record["name"]?.stringValue ?? "")
        }
        // A results file the journal knows is cut back on resume: nothing is repeated.
        #expect(names.count == n)
        #expect(Set(names) == Set((1...n).map { "line-\($0)" }))
    }

    @Test func aResumedRunOnAPipeStartsOnANewLine() throws {
        let m = try CLIHarness.write(Self.pass, to: "p.asl.json", in: folder)
        let inputPath = try input(5)
        let journal = folder.appending(path: "j").path
        try Data(#"{"offset":0,"line":0}"#.utf8).write(to: URL(filePath: journal))
        let result = try CLIHarness.run(["run", m, "--journal", journal], stdinFile: inputPath)
        #expect(result.status == 0)
        #expect(result.stdout.first == 0x0A)
        #expect(result.records.count == 5)
    }

    @Test func aFailingLogSinkIsAnError() throws {
        let m = try CLIHarness.write(Self.pass, to: "p.asl.json", in: folder)
        let result = try CLIHarness.run(["run", m, "--log-level", "ALL", "--log-sink", "/dev/full"], lines: [#"{"a":1}"#, #"{"a":2}"#])
        #expect(result.status == 74)
        #expect(result.stderrText.contains("cannot write log sink '/dev/full'"), "\(result.stderrText)")
    }

    @Test func lineLimitIgnoresTheTerminatorAndBlankLinesAreSkippedAtAnyLength() throws {
        let m = try CLIHarness.write(Self.pass, to: "p.asl.json", in: folder)
        // A JSON string of exactly 262144 bytes, and one byte more.
        let exact = "\"" + String(repeating: "a", count: 262_142) + "\""
        let over = "\"" + String(repeating: "a", count: 262_143) + "\""
        for terminator in ["\n", "\r\n"] {
            let text = [exact, over, String(repeating: " ", count: 300_000), "   ", "\t", #"{"end":1}"#].joined(separator: terminator) + terminator
            let result = try CLIHarness.run(["run", m], input: Array(text.utf8))
            let records = result.records
            try #require(records.count == 3, "terminator \(terminator.debugDescription): \(records.count) records")
            #expect(records[0]["status"]?.stringValue == "SUCCEEDED")
            #expect(records[1]["error"]?.stringValue == "ValidationException")
            #expect(records[1]["cause"]?.stringValue?.contains("line 2 is 262145 bytes") == true, "\(records[1])")
            #expect(records[2]["name"]?.stringValue == "line-6")
        }
    }

    @Test func theJournalRefusesAnotherInputOrDefinitionUnlessReset() throws {
        let m = try CLIHarness.write(Self.pass, to: "p.asl.json", in: folder)
        let journal = folder.appending(path: "j").path
        let output = folder.appending(path: "out").path
        let short = try input(10, name: "short.ndjson")
        #expect(try run(["run", m, "--journal", journal], stdinFile: short, output: output).status == 0)
        // Same input again: nothing left to do.
        #expect(try run(["run", m, "--journal", journal], stdinFile: short, output: output).status == 0)
        #expect(CLIHarness.Result.lines(Array(try Data(contentsOf: URL(filePath: output)))).count == 10)

        // Yesterday's journal with today's longer file.
        let long = try input(15, name: "long.ndjson")
        let refused = try run(["run", m, "--journal", journal], stdinFile: long, output: output)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("another input") && refused.stderr.contains("--journal-reset"), "\(refused.stderr)")

        // Changed in place: same size, other bytes.
        try Data((1...10).map { #"{"j":\#($0)}"# }.joined(separator: "\n").appending("\n").utf8).write(to: URL(filePath: short))
        #expect(try run(["run", m, "--journal", journal], stdinFile: short, output: output).status == 65)

        // Touched only (same bytes, new modification time).
        let same = try input(10, name: "short.ndjson")
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        utimensat(AT_FDCWD, same, &times, 0)
        #expect(try run(["run", m, "--journal", journal], stdinFile: same, output: output).status == 65)

        // Another definition.
        let other = try CLIHarness.write(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Result":1,"End":true}}}"#, to: "p.asl.json", in: folder)
        let wrongMachine = try run(["run", other, "--journal", journal], stdinFile: long, output: output)
        #expect(wrongMachine.status == 65)
        #expect(wrongMachine.stderr.contains("another definition"), "\(wrongMachine.stderr)")

        // --journal-reset starts over from the first line.
        try Data().write(to: URL(filePath: output))
        #expect(try run(["run", other, "--journal", journal, "--journal-reset"], stdinFile: long, output: output).status == 0)
        let names = CLIHarness.Result.lines(Array(try Data(contentsOf: URL(filePath: output)))).map { CLIHarness.json($0)["name"]?.stringValue }
        #expect(names == (1...15).map { "line-\($0)" })
    }

    @Test func aJournalOffsetInsideALineOrGarbageIsRefused() throws {
        let m = try CLIHarness.write(Self.pass, to: "p.asl.json", in: folder)
        let inputPath = try input(5)
        let journal = folder.appending(path: "j").path
        try Data(#"{"offset":4,"line":1}"#.utf8).write(to: URL(filePath: journal))
        let midLine = try CLIHarness.run(["run", m, "--journal", journal], stdinFile: inputPath)
        #expect(midLine.status == 65)
        #expect(midLine.stderrText.contains("not the start of a line"), "\(midLine.stderrText)")
        let zero = try CLIHarness.run(["run", m, "--journal", "/dev/zero"], stdinFile: inputPath)
        #expect(zero.status == 65)
        try Data("not a journal".utf8).write(to: URL(filePath: journal))
        #expect(try CLIHarness.run(["run", m, "--journal", journal], stdinFile: inputPath).status == 65)
    }
}

/// `aslx run --supervise`: the engine crashing on one event costs that event, not the stream.
@Suite(.enabled(if: CLIHarness.binary != nil, CLIHarness.missingNote))
final class CLISuperviseTests {
    let folder = CLIHarness.temporaryFolder()
    deinit { try? FileManager.default.removeItem(at: folder) }

    @Test(arguments: [(1, false), (150, false), (300, false), (1, true), (150, true), (300, true)])
    func aLineThatCrashesTheEngineGetsItsOwnFailedRecord(poison: Int, viaPipe: Bool) throws {
        let m = try CLIHarness.write(#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#, to: "p.asl.json", in: folder)
        let n = 300
        let text = (1...n).map { #"{"id":\#($0)}"# }.joined(separator: "\n") + "\n"
        let inputPath = try CLIHarness.write(text, to: "in.ndjson", in: folder)
        let journal = folder.appending(path: "j").path
        let result = try CLIHarness.run(["run", m, "--supervise", "--journal", journal],
                                        input: viaPipe ? Array(text.utf8) : [], stdinFile: viaPipe ? nil : inputPath,
                                        environment: ["ASLX_FAULT_TRAP_ID": String(poison), "SWIFT_BACKTRACE": "enable=no"])
        #expect(result.status == 0)
        let records = result.records
        #expect(records.count == n, "\(result.stderrText.suffix(2000))")
        #expect(Set(records.compactMap { $0["name"]?.stringValue }) == Set((1...n).map { "line-\($0)" }))
        let failed = records.filter { $0["status"]?.stringValue != "SUCCEEDED" }
        #expect(failed.count == 1)
        #expect(failed.first?["name"]?.stringValue == "line-\(poison)")
        #expect(failed.first?["error"]?.stringValue == "States.Runtime")
        #expect(failed.first?["cause"]?.stringValue?.hasPrefix("the executor stopped abnormally while running this execution (signal ") == true)
        #expect(result.stderrText.contains("stopped abnormally"))
    }

    @Test func superviseNeedsAJournal() throws {
        let m = try CLIHarness.write(#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#, to: "p.asl.json", in: folder)
        let result = try CLIHarness.run(["run", m, "--supervise"], lines: [#"{"a":1}"#])
        #expect(result.status == 64)
    }
}
