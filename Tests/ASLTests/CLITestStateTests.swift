import ASLJSON
import Foundation
import Testing

/// `aslx test-state` end to end.
@Suite(.enabled(if: CLIHarness.binary != nil, CLIHarness.missingNote))
final class CLITestStateTests {
    let folder = CLIHarness.temporaryFolder()
    deinit { try? FileManager.default.removeItem(at: folder) }

    @Test func printsAWSsResponseShapeForAStateOfAMachine() throws {
        let result = try CLIHarness.run(["test-state", "Examples/hello.asl.json", "--state", "Large", "--input", #"{"amount":500}"#,
                                         "--inspection-level", "DEBUG"])
        #expect(result.status == 0)
        let r = try #require(result.records.first)
        #expect(r["status"] == "SUCCEEDED")
        #expect(r["nextState"] == "Done")
        // AWS returns output and inspection data as JSON text.
        #expect(r["output"]?.stringValue.flatMap { try? JSONParser.parse($0) } == ["amount": 500, "size": "large"])
        #expect(r["inspectionData"]?["result"] == .string(#""large""#))
        #expect(r["inspectionData"]?["variables"] == "{}")
    }

    @Test func runsAStateDefinitionAloneWithAMockedError() throws {
        let state = try CLIHarness.write(#"""
        {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"}, "Next": "Ok",
         "Catch": [{"ErrorEquals": ["Boom"], "Next": "Recover"}]}
        """#, to: "state.json", in: folder)
        let result = try CLIHarness.run(["test-state", state, "--mock-error", "Boom", "--mock-cause", "bang"])
        let r = try #require(result.records.first)
        #expect(r["status"] == "CAUGHT_ERROR")
        #expect(r["nextState"] == "Recover")
        #expect(r["output"] == .string(#"{"Error":"Boom","Cause":"bang"}"#))
    }

    @Test func usageMistakesAreExplained() throws {
        let noState = try CLIHarness.run(["test-state", "Examples/hello.asl.json"])
        #expect(noState.status == 64 && noState.stderrText.contains("--state"))
        let badInput = try CLIHarness.run(["test-state", "Examples/hello.asl.json", "--state", "Greet", "--input", "{nope"])
        #expect(badInput.status == 64 && badInput.stderrText.contains("--input is not JSON"))
        let unknown = try CLIHarness.run(["test-state", "Examples/hello.asl.json", "--state", "Nope"])
        #expect(unknown.status != 0 && unknown.stderrText.contains("no state named 'Nope'"))
    }
}
