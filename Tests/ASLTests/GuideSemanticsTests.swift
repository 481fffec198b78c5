import ASLJSON
import Testing
@testable import ASL

/// Rules the AWS Step Functions Developer Guide states that no recorded AWS case covers
/// (issue 16). Each test names the guide page it follows; where a recorded case disagrees
/// with the guide, the recorded case wins and the test says so.
@Suite struct GuideSemanticsTests {
    // MARK: 1. $$.Map.Item.Source

    /// Guide, "Accessing execution data from the Context object" (input-output-contextobject.html):
    /// inside a Map iteration `Map.Item` has `Index`, `Value` and `Source`, which is
    /// `STATE_DATA` for items read from the state input.
    @Test func mapItemSourceIsStateDataInJSONPath() async throws {
        let outcome = try await execute("""
        {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.xs",
          "ItemSelector": {"source.$": "$$.Map.Item.Source", "index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value"},
          "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}
        """, ["xs": ["a", "b"]])
        #expect(outcome.output == [["source": "STATE_DATA", "index": 0, "value": "a"],
                                   ["source": "STATE_DATA", "index": 1, "value": "b"]])
    }

    /// Same page, JSONata form (`$states.context.Map.Item.Source`).
    @Test func mapItemSourceIsStateDataInJSONata() async throws {
        let outcome = try await execute("""
        {"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "Items": "{% $states.input.xs %}",
          "ItemSelector": {"s": "{% $states.context.Map.Item.Source %}"},
          "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}
        """, ["xs": [1]])
        #expect(outcome.output == [["s": "STATE_DATA"]])
    }

    // MARK: 2. Rounding of non-integer arguments

    /// Guide, "Intrinsic functions" (intrinsic-functions.html): `States.ArrayPartition`'s chunk
    /// size and `States.ArrayRange`'s arguments are rounded to the nearest integer.
    @Test(arguments: [
        ("States.ArrayPartition($.a, 2.6)", #"[[1,2,3],[4,5]]"#),
        ("States.ArrayPartition($.a, $.size)", #"[[1,2],[3,4],[5]]"#),
        ("States.ArrayRange(1, 9.6, 2.4)", "[1,3,5,7,9]"),
        ("States.ArrayRange($.size, 4, 1)", "[2,3,4]"),
    ])
    func intrinsicArgumentsAreRounded(call: String, expected: String) async throws {
        let outcome = try await execute("""
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"r.$": "\(call)"}, "OutputPath": "$.r", "End": true}}}
        """, ["a": [1, 2, 3, 4, 5], "size": 2.4])
        #expect(outcome.status == .succeeded)
        #expect(outcome.output == (try JSONParser.parse(expected)))
    }

    /// Same page: a step that rounds to zero, a non-number and more than 1000 elements stay errors.
    @Test(arguments: ["States.ArrayRange(1, 5, 0.4)", "States.ArrayPartition($.a, 0.2)", "States.ArrayRange(1, 1500.2, 1)",
                      "States.ArrayPartition($.a, $.s)"])
    func stillInvalidArgumentsFail(call: String) async throws {
        let outcome = try await execute("""
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"r.$": "\(call)"}, "End": true}}}
        """, ["a": [1], "s": "2"])
        #expect(outcome.status == .failed)
        #expect(outcome.error == "States.Runtime")
    }

    // MARK: 3. `.[` in paths

    /// Guide, "Using JSONPath paths" (amazon-states-language-paths.html) and "Intrinsic functions":
    /// `$.abc.['def ghi']` addresses the key `def ghi`, like `$.abc['def ghi']` (Jayway JsonPath).
    @Test func dotBracketPathsWorkEverywhereAPathIsAccepted() async throws {
        let outcome = try await execute("""
        {"StartAt": "C", "States": {
          "C": {"Type": "Choice", "Choices": [{"Variable": "$.abc.['def ghi']", "NumericEquals": 1, "Next": "P"}], "Default": "F"},
          "F": {"Type": "Fail", "Error": "NoMatch"},
          "P": {"Type": "Pass", "InputPath": "$.['abc']", "Parameters": {"v.$": "$.['def ghi']", "f.$": "States.Format('{}', $.['def ghi'])", "l.$": "$.['list']"},
                "ResultPath": "$.['out']", "Next": "M"},
          "M": {"Type": "Map", "ItemsPath": "$.out.['l']", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}},
                "ResultPath": "$.out.['items']", "OutputPath": "$.['out']", "End": true}}}
        """, ["abc": ["def ghi": 1, "list": [7, 8]]])
        #expect(outcome.status == .succeeded)
        #expect(outcome.output == ["v": 1, "f": "1", "l": [7, 8], "items": [7, 8]])
    }

    // MARK: 4. Timeouts must be positive

    static let slowTask = """
    {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:x:echo", %@, "End": true}}}
    """

    /// Guide, "Task workflow state" (state-task.html): TimeoutSeconds/HeartbeatSeconds must be
    /// positive integers; a `*Path` resolving to 0 or less fails the state with `States.Runtime`.
    @Test(arguments: [
        (#""TimeoutSecondsPath": "$.t""#, 0, "The TimeoutSecondsPath field refers to value \"0\" which is not a positive integer: $.t"),
        (#""TimeoutSecondsPath": "$.t""#, -5, "The TimeoutSecondsPath field refers to value \"-5\" which is not a positive integer: $.t"),
        (#""HeartbeatSecondsPath": "$.t""#, 0, "The HeartbeatSecondsPath field refers to value \"0\" which is not a positive integer: $.t"),
    ])
    func pathTimeoutsMustBePositive(field: String, value: Int, cause: String) async throws {
        let outcome = try await execute(Self.slowTask.replacingOccurrences(of: "%@", with: field), ["t": .number(.int(Int64(value)))]) { config in
            config.resources["arn:x:echo"] = { $0.input }
        }
        #expect(outcome.error == "States.Runtime")
        #expect(outcome.cause == "An error occurred while executing the state 'T' (entered at the event id #2). " + cause)
    }

    /// Guide, "Transforming data with JSONata" (transforming-data.html) with the Task page: in
    /// JSONata the same failure is `States.QueryEvaluationError`.
    @Test func jsonataTimeoutsMustBePositive() async throws {
        let outcome = try await execute("""
        {"QueryLanguage": "JSONata", "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:x:echo", "TimeoutSeconds": "{% $states.input.t %}", "End": true}}}
        """, ["t": -1]) { config in
            config.resources["arn:x:echo"] = { $0.input }
        }
        #expect(outcome.error == "States.QueryEvaluationError")
        #expect(outcome.cause?.hasSuffix("The TimeoutSeconds field must be a positive integer but was: -1") == true)
    }

    @Test func aPositiveTimeoutFromAPathStillRuns() async throws {
        let outcome = try await execute(Self.slowTask.replacingOccurrences(of: "%@", with: #""TimeoutSecondsPath": "$.t""#), ["t": 120]) { config in
            config.resources["arn:x:echo"] = { $0.input }
        }
        #expect(outcome.error == nil)
        #expect(outcome.output == ["t": 120])
    }

    // MARK: 5. Tolerated failure thresholds from paths

    /// Guide, "Setting failure thresholds for Distributed Map states" (maprun-fail-threshold.html):
    /// the count must not be negative and the percentage lies in 0–100 (AWS's recorded wording).
    @Test(arguments: [
        (#""ToleratedFailureCountPath": "$.n""#, -1, "ToleratedFailureCount cannot be negative."),
        (#""ToleratedFailurePercentagePath": "$.n""#, 101, "ToleratedFailurePercentage must be between 0 and 100."),
        (#""ToleratedFailurePercentagePath": "$.n""#, -1, "ToleratedFailurePercentage must be between 0 and 100."),
    ])
    func toleratedFailureFromPathsIsChecked(field: String, value: Int, cause: String) async throws {
        let outcome = try await execute("""
        {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.xs", \(field),
          "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}
        """, ["xs": [1], "n": .number(.int(Int64(value)))])
        #expect(outcome.error == "States.Runtime")
        #expect(outcome.cause == "An error occurred while executing the state 'M' (entered at the event id #2). " + cause)
    }

    // MARK: 6. ResultPathMatchFailure

    /// ASL specification ("Errors": States.ResultPathMatchFailure) and the guide's "Handling errors
    /// in Step Functions workflows" (concepts-error-handling.html): a ResultPath that cannot be
    /// applied is `States.ResultPathMatchFailure`, which `States.ALL` catches.
    @Test(arguments: [JSONValue.string("text"), ["a": 5]])
    func unapplicableResultPathIsACatchableResultPathMatchFailure(input: JSONValue) async throws {
        let outcome = try await execute("""
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:x:one", "ResultPath": "$.a.b",
          "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "C"}], "End": true},
          "C": {"Type": "Pass", "OutputPath": "$.Error", "End": true}}}
        """, input) { config in
            config.resources["arn:x:one"] = { _ in 1 }
        }
        #expect(outcome.status == .succeeded)
        #expect(outcome.output == "States.ResultPathMatchFailure")
        let uncaught = try await execute("""
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "ResultPath": "$.a.b", "End": true}}}
        """, input)
        #expect(uncaught.error == "States.ResultPathMatchFailure")
        #expect(uncaught.cause?.contains("Invalid path '$.a.b' : ") == true)
    }

    // MARK: 7. Service-integration parameter checks

    /// Guide, "Passing parameters to a service API in Step Functions" (connect-parameters.html):
    /// parameters are validated before the call. The `Headers` wording is AWS's recorded one.
    @Test func apiGatewayHeadersMustBeArraysOfStrings() async throws {
        let outcome = try await execute("""
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::apigateway:invoke",
          "Parameters": {"ApiEndpoint": "example.com", "Method": "GET", "Headers": {"h": "v"}}, "End": true}}}
        """)
        #expect(outcome.error == "States.Runtime")
        #expect(outcome.cause == #"An error occurred while executing the state 'T' (entered at the event id #2). The Parameters '{"ApiEndpoint":"example.com","Method":"GET","Headers":{"h":"v"}}' could not be used to start the Task: [The value of the field 'Headers' has an invalid format]"#)
    }

    @Test(arguments: [
        ("arn:aws:states:::lambda:invoke", #"{"Payload": 1}"#, "The field 'FunctionName' is required but was missing"),
        ("arn:aws:states:::lambda:invoke", #"{"FunctionName": "f", "Bogus": 1}"#, "The field 'Bogus' is not supported by Step Functions"),
        ("arn:aws:states:::sqs:sendMessage", #"{"QueueUrl": 5, "MessageBody": "m"}"#, "The value of the field 'QueueUrl' has an invalid format"),
        ("arn:aws:states:::sns:publish", #"{"TopicArn": "t"}"#, "The field 'Message' is required but was missing"),
        ("arn:aws:states:::dynamodb:getItem", #"{"TableName": "t", "Key": "k"}"#, "The value of the field 'Key' has an invalid format"),
        ("arn:aws:states:::dynamodb:putItem", #"{"TableName": "t"}"#, "The field 'Item' is required but was missing"),
        ("arn:aws:states:::events:putEvents", #"{"Entries": {}}"#, "The value of the field 'Entries' has an invalid format"),
        ("arn:aws:states:::states:startExecution", #"{"Input": {}}"#, "The field 'StateMachineArn' is required but was missing"),
    ])
    func serviceParametersAreCheckedBeforeTheCall(resource: String, parameters: String, reason: String) async throws {
        let outcome = try await execute("""
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "\(resource)", "Parameters": \(parameters), "End": true}}}
        """) { config in
            config.resources[resource] = { _ in "called" }
        }
        #expect(outcome.error == "States.Runtime")
        #expect(outcome.cause?.hasSuffix("could not be used to start the Task: [\(reason)]") == true)
    }

    /// The recorded case `error_handling.task_service_dynamodb__invalid_param` wins over a
    /// strict reading: `"Item": null` reaches DynamoDB, which rejects it itself.
    @Test func nullParametersAreLeftToTheService() async throws {
        let outcome = try await execute("""
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
          "Parameters": {"TableName": "t", "Item": null}, "End": true}}}
        """) { config in
            config.resources["arn:aws:states:::dynamodb:putItem"] = { _ in "called" }
        }
        #expect(outcome.output == "called")
    }

    // MARK: 8. JSONata $now, $millis, $uuid

    /// Guide, "Transforming data with JSONata" (transforming-data.html): `$now()`/`$millis()` give
    /// the time of evaluation and `$uuid()` a v4 UUID; aslx takes them from the engine's injected
    /// environment, like `$$.State.EnteredTime` and `States.UUID()`.
    @Test func jsonataTimeAndUUIDComeFromTheEngineEnvironment() async throws {
        let definition = """
        {"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass",
          "Output": {"now": "{% $now() %}", "millis": "{% $millis() %}", "entered": "{% $states.context.State.EnteredTime %}", "uuid": "{% $uuid() %}"}, "End": true}}}
        """
        func run(seed: UInt64) async throws -> ExecutionOutcome {
            try await execute(definition) { config in
                config.environment = ExecutionEnvironment(wallClock: { 1_700_000_000_123 }, uuid: .seeded(seed))
                config.clock = .virtual
            }
        }
        let a = try await run(seed: 1), b = try await run(seed: 1), c = try await run(seed: 2)
        #expect(a.output?["now"] == "2023-11-14T22:13:20.123Z")
        #expect(a.output?["millis"] == 1_700_000_000_123)
        #expect(a.output?["entered"] == a.output?["now"])
        #expect(a.output?["uuid"] == b.output?["uuid"])
        #expect(a.output?["uuid"] != c.output?["uuid"])
    }
}
