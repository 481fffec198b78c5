import ASLJSON
import Foundation
import Testing
@testable import ASL

/// The one-line conveniences an embedding program reaches for first.
@Suite struct PublicAPITests {
    @Test func jsonNumberShortcuts() {
        let value: JSONValue = ["int": 42, "whole": 42.0, "half": 42.5, "huge": 1e30, "text": "42"]
        #expect(value["int"]?.intValue == 42)
        #expect(value["whole"]?.intValue == 42)
        #expect(value["half"]?.intValue == nil)
        #expect(value["huge"]?.intValue == nil)
        #expect(value["text"]?.intValue == nil)
        #expect(value["half"]?.doubleValue == 42.5)
        #expect(value["int"]?.doubleValue == 42)
        #expect(value["text"]?.doubleValue == nil)
        #expect(value["missing"]?.doubleValue == nil)
    }

    @Test func statesErrorWithLabels() {
        let error = StatesError(error: "CardDeclined", cause: "over the limit")
        #expect(error == StatesError("CardDeclined", "over the limit"))
        #expect(StatesError(error: "Timeout").cause == nil)
    }

    @Test func statusPrintsAsAWSSpellsIt() {
        #expect("\(ExecutionStatus.succeeded)" == "SUCCEEDED")
        #expect("\(ExecutionStatus.timedOut)" == "TIMED_OUT")
    }

    @Test func handlerErrorNameReachesCatch() async throws {
        let machine = try StateMachine(definition: """
            {"StartAt": "T", "States": {
              "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
                    "Catch": [{"ErrorEquals": ["Busy"], "ResultPath": "$.caught", "Next": "Caught"}], "End": true},
              "Caught": {"Type": "Pass", "End": true}}}
            """, name: "M")
        var configuration = EngineConfiguration()
        configuration.lambdaFunctions["f"] = { _ in throw StatesError(error: "Busy", cause: "try later") }
        let outcome = await Engine(configuration).execute(machine, input: [:])
        #expect(outcome.status == .succeeded)
        #expect(outcome.output == ["caught": ["Error": "Busy", "Cause": "try later"]])
    }

    static let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appending(path: "aslx-api-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static func file(_ name: String, _ text: String) throws -> URL {
        let url = folder.appending(path: name)
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func stateMachineFromAFileIsNamedAfterIt() throws {
        let url = try Self.file("orders.asl.json", #"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#)
        let machine = try StateMachine(contentsOf: url)
        #expect(machine.name == "orders")
        #expect(try StateMachine(contentsOf: url, name: "other").name == "other")
        #expect(StateMachine.defaultName(forPath: "a/b/my.machine.aslc") == "my.machine")
        #expect(throws: DefinitionError.self) { try StateMachine(contentsOf: try Self.file("bad.json", "{}")) }
    }

    @Test func mockConfigFromAFile() throws {
        let good = try Self.file("mock.json", #"""
            {"StateMachines": {"M": {"TestCases": {"T": {"A": "R"}}}}, "MockedResponses": {"R": {"0": {"Return": 1}}}}
            """#)
        let config = try MockConfig(contentsOf: good)
        #expect(config.stateMachines["M"]?["T"]?["A"] == "R")

        let missing = Self.folder.appending(path: "absent.json")
        let unreadable = #expect(throws: StatesError.self) { try MockConfig(contentsOf: missing) }
        #expect(unreadable?.error == "MockConfigError")
        #expect(unreadable?.cause?.contains("absent.json") == true)

        let notJSON = try Self.file("broken.json", "{\n  \"StateMachines\": ]\n}")
        let syntax = #expect(throws: StatesError.self) { try MockConfig(contentsOf: notJSON) }
        #expect(syntax?.cause?.hasPrefix("\(notJSON.path):2:20: ") == true, "\(syntax?.cause ?? "")")

        let badKey = try Self.file("badkey.json", #"{"MockedResponses": {"R": {"x": {"Return": 1}}}}"#)
        let key = #expect(throws: StatesError.self) { try MockConfig(contentsOf: badKey) }
        #expect(key?.cause?.contains("invalid invocation key 'x'") == true)
    }

    @Test func mockConfigCheckFindsUnmockedTaskStatesInEveryScope() throws {
        let machine = try StateMachine(definition: """
            {"StartAt": "A", "States": {
              "A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Next": "P"},
              "P": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                                  "Parameters": {"FunctionName": "f"}, "End": true}}}]}}}
            """, name: "M")
        let config = try MockConfig(json: try JSONParser.parse(#"""
            {"StateMachines": {"M": {"TestCases": {"OnlyA": {"A": "R"}, "Both": {"A": "R", "B": "R"}}}},
             "MockedResponses": {"R": {"0": {"Return": {}}}}}
            """#))
        try config.check(testCase: "Both", for: machine)
        let missing = #expect(throws: StatesError.self) { try config.check(testCase: "OnlyA", for: machine) }
        #expect(missing?.cause == "Test case 'OnlyA' of state machine 'M' has no mocked response for Task state 'B' (Resource arn:aws:states:::lambda:invoke)")
        try config.check(testCase: "OnlyA", for: machine) { $0 == "arn:aws:states:::lambda:invoke" }
        #expect(throws: StatesError.self) { try config.check(testCase: "Nope", for: machine) }
    }

    @Test func taskEventsNameTheServiceAndActionAsAWSDoes() {
        #expect(TaskEventDetails.resource("arn:aws:states:::lambda:invoke") == ["resourceType": "lambda", "resource": "invoke"])
        #expect(TaskEventDetails.resource("arn:aws:states:::aws-sdk:s3:listObjects") == ["resourceType": "aws-sdk:s3", "resource": "listObjects"])
        #expect(TaskEventDetails.resource("arn:aws:states:::states:startExecution.sync:2")
                == ["resourceType": "states", "resource": "startExecution.sync:2"])
        #expect(TaskEventDetails.resource("arn:aws:states:::sqs:sendMessage.waitForTaskToken")
                == ["resourceType": "sqs", "resource": "sendMessage.waitForTaskToken"])
        #expect(TaskEventDetails.resource("arn:aws:states:us-east-1:1:activity:a") == ["resource": "arn:aws:states:us-east-1:1:activity:a"])
    }
}
