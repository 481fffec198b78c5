import ASLJSON
import Foundation
import Testing

/// Mistakes the command line catches before it reads any input, and how it says so: mock
/// configs checked against the machine, unreadable files with the reason, JSON syntax errors
/// with their position, options that would be ignored, and a reader that goes away.
// Serialized: each test blocks its thread while aslx runs; one at a time leaves the
// cooperative pool free for the tests whose Task handlers need it.
@Suite(.serialized, .enabled(if: CLIHarness.binary != nil, CLIHarness.missingNote))
final class CLIStartupErrorTests {
    let folder = CLIHarness.temporaryFolder()
    deinit { try? FileManager.default.removeItem(at: folder) }

    static let flow = "Examples/flow.asl.json"
    static let mock = "Examples/flow.mock.json"
    /// An input line that must never be read: each test checks that no result came out.
    static let events = ["{\"name\": \"Ada\", \"amount\": 250}"]

    @Test func unknownTestCaseIsExit65NamingFileAndKnownCases() throws {
        let r = try CLIHarness.run(["run", Self.flow, "--mock-config", Self.mock, "--test-case", "HapyPath"], lines: Self.events)
        #expect(r.status == 65)
        #expect(r.stdout.isEmpty)
        #expect(r.stderrText.contains("\(Self.mock): Invalid mock test case name 'HapyPath' for state machine 'flow'"), "\(r.stderrText)")
        #expect(r.stderrText.contains("'EnrichDown', 'HappyPath'"), "\(r.stderrText)")
    }

    @Test func unknownStateMachineNameIsExit65() throws {
        let r = try CLIHarness.run(["run", Self.flow, "--name", "orders", "--mock-config", Self.mock, "--test-case", "HappyPath"],
                                   lines: Self.events)
        #expect(r.status == 65)
        #expect(r.stdout.isEmpty)
        #expect(r.stderrText.contains("no state machine named 'orders' (it has 'flow'"), "\(r.stderrText)")
    }

    @Test func taskStateWithoutAMockIsExit65NamingTheState() throws {
        let mock = try CLIHarness.write("""
            {"StateMachines": {"flow": {"TestCases": {"Empty": {}}}}, "MockedResponses": {}}
            """, to: "mock.json", in: folder)
        let r = try CLIHarness.run(["run", Self.flow, "--mock-config", mock, "--test-case", "Empty"], lines: Self.events)
        #expect(r.status == 65)
        #expect(r.stdout.isEmpty)
        #expect(r.stderrText.contains("\(mock): Test case 'Empty' of state machine 'flow' has no mocked response for Task state 'Enrich'"),
                "\(r.stderrText)")
    }

    @Test func aTaskWorkerCoversAnUnmockedState() throws {
        let mock = try CLIHarness.write("""
            {"StateMachines": {"flow": {"TestCases": {"Empty": {}}}}, "MockedResponses": {}}
            """, to: "mock.json", in: folder)
        let r = try CLIHarness.run(["run", Self.flow, "--mock-config", mock, "--test-case", "Empty",
                                    "--task", "Enrich=python3 Examples/workers/echo_worker.py"], lines: Self.events)
        #expect(r.status == 0, "\(r.stderrText)")
        #expect(r.records.first?["output"]?["handledBy"] == "Enrich")
    }

    @Test func responseNamedByATestCaseMustExist() throws {
        let mock = try CLIHarness.write("""
            {"StateMachines": {"flow": {"TestCases": {"T": {"Enrich": "Missing"}}}}, "MockedResponses": {}}
            """, to: "mock.json", in: folder)
        let r = try CLIHarness.run(["run", Self.flow, "--mock-config", mock, "--test-case", "T"], lines: Self.events)
        #expect(r.status == 65)
        #expect(r.stderrText.contains("maps state 'Enrich' to unknown mocked response 'Missing'"), "\(r.stderrText)")
    }

    @Test func mockConfigThatIsNotJSONSaysWhere() throws {
        let mock = try CLIHarness.write("{\"StateMachines\": {,}}", to: "mock.json", in: folder)
        let r = try CLIHarness.run(["run", Self.flow, "--mock-config", mock, "--test-case", "T"], lines: Self.events)
        #expect(r.status == 65)
        #expect(r.stderrText.contains("\(mock):1:20: "), "\(r.stderrText)")
    }

    @Test func unreadablePathsSayWhy() throws {
        let missing = try CLIHarness.run(["run", folder.appending(path: "nope.asl.json").path], lines: Self.events)
        #expect(missing.status == 66)
        #expect(missing.stderrText.contains("nope.asl.json': No such file or directory"), "\(missing.stderrText)")
        let directory = try CLIHarness.run(["validate", folder.path])
        #expect(directory.status == 66)
        #expect(directory.stderrText.contains("Is a directory"), "\(directory.stderrText)")
        let mock = try CLIHarness.run(["run", Self.flow, "--mock-config", "absent.json", "--test-case", "T"], lines: Self.events)
        #expect(mock.status == 66)
        #expect(mock.stderrText.contains("cannot read 'absent.json': No such file or directory"), "\(mock.stderrText)")
    }

    static let badDefinition = """
        {
          "StartAt": "A",
          "States": {
            "A": {"Type": "Pass",, "End": true}
          }
        }
        """

    @Test func syntaxErrorLeadsWithFileLineColumnAndShowsTheLine() throws {
        let path = try CLIHarness.write(Self.badDefinition, to: "bad.asl.json", in: folder)
        for arguments in [["validate", path], ["run", path]] {
            let r = try CLIHarness.run(arguments, lines: Self.events)
            let text = r.status == 1 ? String(decoding: r.stdout, as: UTF8.self) : r.stderrText
            let lines = text.split(separator: "\n").map(String.init)
            let header = try #require(lines.firstIndex { $0.hasPrefix(path) }, "\(text)")
            #expect(lines[header] == "\(path):4:26: Expected a string key for object member but found character ','")
            #expect(lines[header + 1] == "        \"A\": {\"Type\": \"Pass\",, \"End\": true}")
            #expect(lines[header + 2] == String(repeating: " ", count: 29) + "^")
            #expect(!text.contains("[Source:"), "the AWS location is for --json only")
        }
    }

    @Test func validateJSONKeepsAWSWording() throws {
        let path = try CLIHarness.write(Self.badDefinition, to: "bad.asl.json", in: folder)
        let r = try CLIHarness.run(["validate", "--json", path])
        #expect(r.status == 1)
        let diagnostic = try #require(r.records.first?["diagnostics"]?[0])
        #expect(diagnostic["code"] == "INVALID_JSON_DESCRIPTION")
        #expect(diagnostic["location"]?.stringValue?.hasSuffix("; line: 4, column: 26]") == true)
    }

    @Test func compileRejectsNameItWouldNotKeep() throws {
        let out = folder.appending(path: "hello.aslc").path
        let r = try CLIHarness.run(["compile", "Examples/hello.asl.json", "-o", out, "--name", "greeter"])
        #expect(r.status == 64)
        #expect(r.stderrText.contains("--name is not stored in the .aslc"), "\(r.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func readerThatGoesAwayEndsTheRunQuietly() throws {
        // 20 000 lines (900 KB): far more than a pipe holds, so aslx is still writing when the reader closes.
        let input = folder.appending(path: "many.ndjson")
        let line = Array("{\"name\": \"Ada\", \"amount\": 1, \"items\": []}\n".utf8)
        try Data((0..<20_000).flatMap { _ in line }).write(to: input)
        let journal = folder.appending(path: "run.journal").path
        let pipe = Pipe()
        let (process, _, _, errPipe) = try CLIHarness.start(["run", "Examples/hello.asl.json", "--journal", journal],
                                                            stdinFile: input.path, stdout: pipe.fileHandleForWriting)
        try pipe.fileHandleForWriting.close()
        let reader = pipe.fileHandleForReading
        var received = 0
        while received < 10, let chunk = try reader.read(upToCount: 4096), !chunk.isEmpty {
            received += chunk.filter { $0 == 0x0A }.count
        }
        try reader.close()
        let stderr = CLIHarness.Reader(errPipe.fileHandleForReading)
        process.waitUntilExit()
        #expect(process.terminationStatus == 141)
        #expect(String(decoding: stderr.wait(), as: UTF8.self).isEmpty)
        // The journal (written once a window of results is out) never claims unwritten lines.
        if let data = FileManager.default.contents(atPath: journal) {
            let journaled = try #require(try JSONParser.parse(Array(data))["line"]?.intValue)
            #expect(journaled < 20_000)
        }
    }
}
