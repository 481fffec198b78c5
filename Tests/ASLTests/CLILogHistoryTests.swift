import ASLJSON
import Foundation
import Testing

/// The log events `aslx run --log-level ALL --include-execution-data` writes against the
/// `history` AWS recorded in `../shared/conformance/cases`: event ids, types, state names and
/// input/output payloads (logs carry payloads as JSON text, histories as parsed JSON).
@Suite(.enabled(if: CLIHarness.binary != nil, CLIHarness.missingNote))
final class CLILogHistoryTests {
    static let cases = CLIHarness.packageRoot.appending(path: "../shared/conformance/cases").standardizedFileURL
    let folder = CLIHarness.temporaryFolder()
    deinit { try? FileManager.default.removeItem(at: folder) }

    /// A spread of state types whose sequences the engine reproduces today.
    static let names = [
        "base.base__state_pass_result_jsonpaths",
        "context_object.context_object__variable",
        "assign.assign_reference_variables__reference_in_map_state__MAP_STATE_REFERENCE_IN_ITEMS_PATH",
        "scenarios.base_scenarios__parallel_state_fail",
        "error_handling.aws_sdk__invalid_secret_name",
        "base.base__state_fail_intrinsic",
        "base.wait__base_wait_seconds_path__0",
        "assign.assign_reference_variables__reference_assign__BASE_REFERENCE_IN_CHOICE",
    ]

    @Test(.enabled(if: FileManager.default.fileExists(atPath: cases.path),
                   "../shared/conformance/cases is absent (standalone checkout): log history tests skipped"),
          arguments: names)
    func logEventsMatchTheRecordedHistory(_ name: String) throws {
        let url = Self.cases.appending(path: name + ".json")
        try #require(FileManager.default.fileExists(atPath: url.path), "conformance case \(name) not found under \(Self.cases.path)")
        let recorded = try JSONParser.parse(Array(try Data(contentsOf: url)))
        let definition = try CLIHarness.write(JSONWriter.string(try #require(recorded["definition"])), to: "def.json", in: folder)
        var arguments = ["run", definition, "--name", name, "--log-level", "ALL", "--include-execution-data"]
        if let mock = recorded["mockConfig"], !mock.isNull {
            arguments += ["--mock-config", try CLIHarness.write(JSONWriter.string(mock), to: "mock.json", in: folder), "--test-case", "Snapshot"]
        }
        let result = try CLIHarness.run(arguments, input: JSONWriter.bytes(try #require(recorded["input"])) + [0x0A])
        let events = result.records.filter { $0["type"] != nil }
            .sorted { Int($0["id"]?.stringValue ?? "") ?? 0 < Int($1["id"]?.stringValue ?? "") ?? 0 }
        let history = try #require(recorded["history"]?.arrayValue)
        #expect(events.map { $0["type"]?.stringValue } == history.map { $0["type"]?.stringValue })
        #expect(events.map { $0["id"]?.stringValue } == history.map { $0["id"].map { JSONWriter.string($0) } })
        for (event, expected) in zip(events, history) {
            let details = Self.details(expected)
            #expect(event["details"]?["name"] == details["name"], "\(expected)")
            // Task events name the service integration as AWS does ("lambda" / "invoke"), and the region.
            for key in ["resourceType", "resource"] where details[key] != nil {
                #expect(event["details"]?[key] == details[key], "\(key) of event \(expected["id"] ?? .null) \(expected["type"] ?? .null)")
            }
            if details["region"] != nil { #expect(event["details"]?["region"] == "us-east-1") }
            for key in ["input", "output"] {
                let logged = event["details"]?[key]?.stringValue.flatMap { try? JSONParser.parse($0) }
                #expect(logged == details[key], "\(key) of event \(expected["id"] ?? .null) \(expected["type"] ?? .null)")
            }
        }
    }

    /// The `*EventDetails` object of a history event.
    static func details(_ event: JSONValue) -> JSONValue {
        guard case .object(let o) = event else { return .null }
        for (key, value) in o where key.hasSuffix("EventDetails") { return value }
        return [:]
    }
}
