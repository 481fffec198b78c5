import ASLJSON
import Foundation
import Testing
@testable import ASL

/// Runs our own conformance-style cases (`Conformance/cases/*.json`: rules the Developer Guide
/// states whose result is fully known, each citing its page in `source`) through the engine.
/// The files have the shared runner's format, so `../shared/conformance/run --cases
/// Conformance/cases` runs them through `aslx run` too.
@Suite struct ConformanceCasesTests {
    static let folder = CLIHarness.packageRoot.appending(path: "Conformance/cases")
    static let files: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
        .filter { $0.hasSuffix(".json") }.sorted()

    @Test func casesArePresent() {
        #expect(Self.files.count >= 10)
    }

    @Test(arguments: files)
    func guideCase(_ file: String) async throws {
        let data = try Data(contentsOf: Self.folder.appending(path: file))
        let c = try JSONParser.parse(Array(data))
        let name = try #require(c["name"]?.stringValue)
        #expect(c["source"]?.stringValue?.hasPrefix("https://docs.aws.amazon.com/step-functions/") == true)
        let machine = try StateMachine(definition: JSONWriter.string(try #require(c["definition"])), name: name)
        var configuration = EngineConfiguration()
        if let mock = c["mockConfig"] {
            configuration.mockConfig = try MockConfig(json: mock)
            configuration.mockTestCase = "Snapshot"
        }
        let outcome = await Engine(configuration).execute(machine, input: c["input"] ?? .null)
        let expect = try #require(c["expect"])
        #expect(outcome.status.rawValue == expect["status"]?.stringValue)
        if let output = expect["output"] { #expect(outcome.output == output) }
        if let error = expect["error"] { #expect(outcome.error.map(JSONValue.string) == error) }
        if let cause = expect["cause"] { #expect(outcome.cause.map(JSONValue.string) == cause) }
    }
}
