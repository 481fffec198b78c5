import ASLJSON
import Testing
@testable import ASL

/// Runs `definition` once on a fresh engine.
func execute(_ definition: String, _ input: JSONValue = [:], configure: (inout EngineConfiguration) -> Void = { _ in }) async throws -> ExecutionOutcome {
    let machine = try StateMachine(definition: definition, name: "test")
    var configuration = EngineConfiguration()
    configuration.environment = ExecutionEnvironment(uuid: .seeded(7), random: { 0.5 })
    configure(&configuration)
    return await Engine(configuration).execute(machine, input: input, name: "exec")
}

@Suite struct VMInputOutputTests {
    @Test func passPipelineAppliesPathsInAWSOrder() async throws {
        let outcome = try await execute("""
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.in",
          "Parameters": {"x.$": "$.a", "const": 1}, "ResultPath": "$.r", "OutputPath": "$.r", "End": true}}}
        """, ["in": ["a": "A"]])
        #expect(outcome.status == .succeeded)
        #expect(outcome.output == ["x": "A", "const": 1])
    }

    @Test func nullPathsFollowTheNullRules() async throws {
        let outcome = try await execute("""
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": null, "Result": 5, "ResultPath": null, "Next": "Q"},
          "Q": {"Type": "Pass", "OutputPath": null, "End": true}}}
        """, ["keep": true])
        #expect(outcome.output == [:])
    }

    @Test func missingInputPathFailsWithStatePrefixedCause() async throws {
        let outcome = try await execute("""
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.missing", "End": true}}}
        """)
        #expect(outcome.status == .failed)
        #expect(outcome.error == "States.Runtime")
        #expect(outcome.cause == "An error occurred while executing the state 'P' (entered at the event id #2). Invalid path '$.missing' : No results for path: $['missing']")
    }

    @Test func contextObjectIsAvailableToTemplates() async throws {
        let outcome = try await execute("""
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"name.$": "$$.Execution.Name", "state.$": "$$.State.Name", "sm.$": "$$.StateMachine.Name"}, "End": true}}}
        """)
        #expect(outcome.output == ["name": "exec", "state": "P", "sm": "test"])
    }
}

@Suite struct VMControlFlowTests {
    static let choice = """
    {"StartAt": "C", "States": {
      "C": {"Type": "Choice", "Choices": [
         {"And": [{"Variable": "$.n", "NumericGreaterThan": 10}, {"Variable": "$.s", "StringEquals": "x"}], "Next": "Big"}],
       "Default": "Small"},
      "Big": {"Type": "Pass", "Result": "big", "End": true},
      "Small": {"Type": "Pass", "Result": "small", "End": true}}}
    """

    static let cases: [(JSONValue, JSONValue)] = [(["n": 11, "s": "x"], "big"), (["n": 11, "s": "y"], "small"), (["n": 1, "s": "x"], "small")]

    @Test(arguments: cases)
    func choiceTakesTheFirstMatchingRuleOrDefault(input: JSONValue, expected: JSONValue) async throws {
        let outcome = try await execute(Self.choice, input)
        #expect(outcome.output == expected)
    }

    @Test func choiceWithoutMatchOrDefaultFails() async throws {
        let outcome = try await execute("""
        {"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "D"}]},
          "D": {"Type": "Succeed"}}}
        """, ["n": 2])
        #expect(outcome.status == .failed)
        #expect(outcome.error == "States.NoChoiceMatched")
    }

    @Test func failStateReportsErrorAndCause() async throws {
        let outcome = try await execute("""
        {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Oops", "Cause": "because"}}}
        """)
        #expect(outcome.status == .failed)
        #expect(outcome.error == "Oops")
        #expect(outcome.cause == "because")
    }

    @Test func parallelCollectsBranchOutputsInBranchOrder() async throws {
        let outcome = try await execute("""
        {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
          {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": true}}},
          {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 0, "Next": "B2"}, "B2": {"Type": "Pass", "Result": 2, "End": true}}}]}}}
        """)
        #expect(outcome.output == [1, 2])
    }

    @Test func mapRunsTheProcessorPerItemWithItemSelector() async throws {
        let outcome = try await execute("""
        {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
          "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
          "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}},
          "End": true}}}
        """, ["items": ["a", "b", "c"]])
        #expect(outcome.output == [["v": "a", "i": 0], ["v": "b", "i": 1], ["v": "c", "i": 2]])
    }

    @Test func parallelBranchErrorSurfacesUnderItsOwnName() async throws {
        let outcome = try await execute("""
        {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
          {"StartAt": "A", "States": {"A": {"Type": "Fail", "Error": "BranchBoom", "Cause": "c"}}}]}}}
        """)
        #expect(outcome.error == "BranchBoom")
    }
}

@Suite struct VMErrorHandlingTests {
    static func mock(_ responses: JSONValue) throws -> MockConfig {
        try MockConfig(json: ["StateMachines": ["test": ["TestCases": ["T": ["Call": "R"]]]], "MockedResponses": ["R": responses]])
    }

    static let retrying = """
    {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "f", "Payload": {}},
      "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1, "MaxDelaySeconds": 1}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}],
      "ResultSelector": {"p.$": "$.Payload"}, "End": true},
     "Caught": {"Type": "Pass", "End": true}}}
    """

    @Test func retryConsumesMockResponsesThenSucceeds() async throws {
        let config = try Self.mock(["0-1": ["Throw": ["Error": "Boom", "Cause": "first"]], "2": ["Return": ["StatusCode": 200, "Payload": 42]]])
        let outcome = try await execute(Self.retrying) { $0.mockConfig = config; $0.mockTestCase = "T" }
        #expect(outcome.status == .succeeded)
        #expect(outcome.output == ["p": 42])
    }

    @Test func exhaustedRetryFallsThroughToCatchWithResultPath() async throws {
        let config = try Self.mock(["0-2": ["Throw": ["Error": "Boom", "Cause": "always"]]])
        let outcome = try await execute(Self.retrying, ["in": 1]) { $0.mockConfig = config; $0.mockTestCase = "T" }
        #expect(outcome.output == ["in": 1, "error": ["Error": "Boom", "Cause": "always"]])
    }

    @Test func runtimeErrorsAreNotCaughtByStatesAll() async throws {
        let outcome = try await execute("""
        {"StartAt": "P", "States": {"P": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "InputPath": "$.nope",
          "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "C"}], "End": true}, "C": {"Type": "Succeed"}}}
        """)
        #expect(outcome.error == "States.Runtime")
    }

    @Test func asyncResourceHandlerResultFlowsThroughResultPath() async throws {
        let outcome = try await execute("""
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
          "Parameters": {"QueueUrl": "q", "MessageBody.$": "$.a"}, "ResultPath": "$.sent", "End": true}}}
        """, ["a": 1]) { config in
            config.resources["arn:aws:states:::sqs:sendMessage"] = { request in ["MessageId": "m-1", "echo": request.input] }
        }
        #expect(outcome.output == ["a": 1, "sent": ["MessageId": "m-1", "echo": ["QueueUrl": "q", "MessageBody": 1]]])
    }

    @Test func handlerErrorsCarryTheirNameToCatch() async throws {
        let outcome = try await execute("""
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:x:custom", "Catch": [{"ErrorEquals": ["Custom.Error"], "Next": "C"}], "End": true},
          "C": {"Type": "Pass", "End": true}}}
        """) { config in
            config.resources["arn:x:custom"] = { _ in throw StatesError("Custom.Error", "nope") }
        }
        #expect(outcome.output == ["Error": "Custom.Error", "Cause": "nope"])
    }

    @Test func missingMockResponseFailsWithAClearCause() async throws {
        let config = try Self.mock(["0": ["Throw": ["Error": "Boom", "Cause": "x"]]])
        let outcome = try await execute("""
        {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
          "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 1, "MaxAttempts": 1, "MaxDelaySeconds": 1}], "End": true}}}
        """) { $0.mockConfig = config; $0.mockTestCase = "T" }
        #expect(outcome.status == .failed)
        #expect(outcome.cause?.contains("no response for invocation 1") == true)
    }
}

@Suite struct VMVariablesTests {
    @Test func assignIsVisibleFromTheNextStateOnly() async throws {
        let outcome = try await execute("""
        {"StartAt": "A", "States": {
          "A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "B"},
          "B": {"Type": "Pass", "Assign": {"x": 2, "old.$": "$x"}, "Next": "C"},
          "C": {"Type": "Pass", "Parameters": {"x.$": "$x", "old.$": "$old"}, "End": true}}}
        """)
        #expect(outcome.output == ["x": 2, "old": 1])
    }

    @Test func executionTimesOutAtTopLevelTimeoutSeconds() async throws {
        let outcome = try await execute("""
        {"TimeoutSeconds": 1, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5, "End": true}}}
        """)
        #expect(outcome.status == .timedOut)
        #expect(outcome.error == "States.Timeout")
    }
}

@Suite struct CompileStageDiagnosticsTests {
    @Test func jsonataSyntaxErrorsAreValidationDiagnostics() {
        let result = Validator.validate("""
        {"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": {"x": "{% $states.input.( %}"}, "End": true}}}
        """)
        #expect(!result.isValid)
        let diagnostic = result.diagnostics.first
        #expect(diagnostic?.location?.description == "/States/P/Output")
        #expect(diagnostic?.message.contains("'Output/x' could not be parsed") == true)
    }
}

@Suite struct VMTaskTimeoutTests {
    static let machine = """
    {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:x:slow", "TimeoutSeconds": 5, "HeartbeatSeconds": 1,
      "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "Late"}], "End": true},
      "Late": {"Type": "Pass", "End": true}}}
    """

    @Test func aHandlerSlowerThanHeartbeatSecondsFailsWithHeartbeatTimeout() async throws {
        let outcome = try await execute(Self.machine) { config in
            config.resources["arn:x:slow"] = { _ in
                try await Task.sleep(nanoseconds: 3_000_000_000)
                return "too late"
            }
        }
        #expect(outcome.status == .succeeded)
        #expect(outcome.output?["Error"] == "States.HeartbeatTimeout")
    }

    @Test func aHandlerSlowerThanTimeoutSecondsFailsWithStatesTimeout() async throws {
        let outcome = try await execute("""
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:x:slow", "TimeoutSeconds": 1, "End": true}}}
        """) { config in
            config.resources["arn:x:slow"] = { _ in
                try await Task.sleep(nanoseconds: 3_000_000_000)
                return "too late"
            }
        }
        #expect(outcome.status == .failed)
        #expect(outcome.error == "States.Timeout")
    }
}
