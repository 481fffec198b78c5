import ASLJSON
import Testing
@testable import ASL
import Synchronization

@Suite struct TestStateTests {
    static let orders = """
    {"StartAt": "Prepare", "States": {
      "Prepare": {"Type": "Pass", "InputPath": "$.order", "Parameters": {"id.$": "$.id", "qty.$": "$.qty"},
                  "ResultPath": "$.prepared", "OutputPath": "$.prepared", "Next": "Route"},
      "Route": {"Type": "Choice", "Choices": [{"Variable": "$.qty", "NumericGreaterThan": 10, "Next": "Bulk"}], "Default": "Charge"},
      "Bulk": {"Type": "Succeed"},
      "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                 "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
                 "ResultSelector": {"receipt.$": "$.Payload.receipt"}, "ResultPath": "$.charge",
                 "Retry": [{"ErrorEquals": ["Throttled"], "IntervalSeconds": 3, "MaxAttempts": 2}],
                 "Catch": [{"ErrorEquals": ["CardDeclined"], "ResultPath": "$.failure", "Next": "Declined"}],
                 "Next": "Bulk"},
      "Declined": {"Type": "Fail", "Error": "Declined"}}}
    """

    func machine(_ text: String = orders) throws -> StateMachine { try StateMachine(definition: text, name: "orders") }

    @Test func jsonPathPassShowsEachProcessingStep() async throws {
        let r = try await machine().testState("Prepare", input: ["order": ["id": "o-1", "qty": 3, "note": "x"]], inspectionLevel: .debug)
        #expect(r.status == .succeeded)
        #expect(r.nextState == "Route")
        #expect(r.output == ["id": "o-1", "qty": 3])
        let i = try #require(r.inspectionData)
        #expect(i.input == ["order": ["id": "o-1", "qty": 3, "note": "x"]])
        #expect(i.afterInputPath == ["id": "o-1", "qty": 3, "note": "x"])
        #expect(i.afterParameters == ["id": "o-1", "qty": 3])
        #expect(i.result == ["id": "o-1", "qty": 3])
        // ResultPath places the result into the state's raw input; OutputPath then selects from it.
        #expect(i.afterResultPath == ["order": ["id": "o-1", "qty": 3, "note": "x"], "prepared": ["id": "o-1", "qty": 3]])
        #expect(i.variables == JSONObject())
    }

    @Test func infoLevelHasNoInspectionData() async throws {
        let r = try await machine().testState("Prepare", input: ["order": ["id": "o-1", "qty": 3]])
        #expect(r.inspectionData == nil)
        #expect(r.json["inspectionData"] == nil)
        #expect(r.json["output"] == .string(#"{"id":"o-1","qty":3}"#))
        #expect(r.json["status"] == "SUCCEEDED")
    }

    @Test(arguments: [(["qty": 50] as JSONValue, "Bulk"), (["qty": 2] as JSONValue, "Charge")])
    func choiceNamesTheRuleOrDefaultItWouldTake(input: JSONValue, next: String) async throws {
        let r = try await machine().testState("Route", input: input)
        #expect(r.status == .succeeded)
        #expect(r.nextState == next)
        #expect(r.output == input)
    }

    @Test func jsonPathTaskWithAMockedResult() async throws {
        let r = try await machine().testState("Charge", input: ["id": "o-1"],
                                              mock: .result(["StatusCode": 200, "Payload": ["receipt": "r-9"]]), inspectionLevel: .debug)
        #expect(r.status == .succeeded)
        #expect(r.nextState == "Bulk")
        #expect(r.output == ["id": "o-1", "charge": ["receipt": "r-9"]])
        let i = try #require(r.inspectionData)
        #expect(i.afterParameters == ["FunctionName": "charge", "Payload": ["id": "o-1"]])
        #expect(i.result == ["StatusCode": 200, "Payload": ["receipt": "r-9"]])
        #expect(i.afterResultSelector == ["receipt": "r-9"])
        #expect(i.afterResultPath == ["id": "o-1", "charge": ["receipt": "r-9"]])
    }

    @Test func taskCallsTheConfiguredHandlerWithoutAMock() async throws {
        var configuration = EngineConfiguration()
        configuration.lambdaFunctions["charge"] = { request in ["receipt": .string("for-\(request.input["id"]?.stringValue ?? "")")] }
        let r = try await machine().testState("Charge", input: ["id": "o-2"], configuration: configuration)
        #expect(r.output == ["id": "o-2", "charge": ["receipt": "for-o-2"]])
    }

    @Test func aRetryEligibleErrorIsRetriableNotRetried() async throws {
        let r = try await machine().testState("Charge", input: ["id": "o-1"], mock: .error("Throttled", cause: "slow down"), inspectionLevel: .debug)
        #expect(r.status == .retriable)
        #expect(r.error == "Throttled" && r.cause == "slow down")
        #expect(r.output == nil && r.nextState == nil)
        #expect(r.inspectionData?.retryIndex == 0)
        #expect(r.inspectionData?.retryBackoffIntervalSeconds == 3)
        #expect(r.json["status"] == "RETRIABLE")
    }

    @Test func aCaughtErrorGoesToTheCatchersNext() async throws {
        let r = try await machine().testState("Charge", input: ["id": "o-1"], mock: .error("CardDeclined", cause: "no funds"), inspectionLevel: .debug)
        #expect(r.status == .caughtError)
        #expect(r.nextState == "Declined")
        #expect(r.output == ["id": "o-1", "failure": ["Error": "CardDeclined", "Cause": "no funds"]])
        #expect(r.inspectionData?.catchIndex == 0)
        #expect(r.json["status"] == "CAUGHT_ERROR")
    }

    @Test func anUnhandledErrorFails() async throws {
        let r = try await machine().testState("Charge", input: ["id": "o-1"], mock: .error("Other", cause: "?"))
        #expect(r.status == .failed && r.error == "Other" && r.nextState == nil)
        let fail = try await machine().testState("Declined", input: [:])
        #expect(fail.status == .failed && fail.error == "Declined")
        // States.Runtime is never retried or caught.
        let runtime = try await StateMachine.singleState(["Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "InputPath": "$.missing", "Next": "X", "Retry": [["ErrorEquals": ["States.ALL"]]],
            "Catch": [["ErrorEquals": ["States.ALL"], "Next": "X"]]] as JSONValue).testState("TestState", input: [:], mock: .result(1))
        #expect(runtime.status == .failed && runtime.error == "States.Runtime")
    }

    @Test func jsonataTaskWithAssignShowsArgumentsAndVariables() async throws {
        let m = try machine("""
        {"QueryLanguage": "JSONata", "StartAt": "Price", "States": {
          "Price": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Arguments": {"FunctionName": "price", "Payload": {"sku": "{% $states.input.sku %}", "n": "{% $count %}"}},
                    "Assign": {"price": "{% $states.result.Payload.price %}", "count": "{% $count + 1 %}"},
                    "Output": {"total": "{% $states.result.Payload.price * 2 %}"}, "Next": "Done"},
          "Done": {"Type": "Succeed"}}}
        """)
        let r = try await m.testState("Price", input: ["sku": "a"], variables: ["count": 4],
                                      mock: .result(["Payload": ["price": 21]]), inspectionLevel: .debug)
        #expect(r.status == .succeeded)
        #expect(r.nextState == "Done")
        #expect(r.output == ["total": 42])
        let i = try #require(r.inspectionData)
        #expect(i.afterArguments == ["FunctionName": "price", "Payload": ["sku": "a", "n": 4]])
        #expect(i.result == ["Payload": ["price": 21]])
        #expect(i.variables == ["count": 5, "price": 21])
        #expect(i.afterInputPath == nil && i.afterResultPath == nil)
    }

    @Test func aStateDefinitionAloneGetsPlaceholderTargets() async throws {
        let m = try StateMachine.singleState(["Type": "Choice", "Choices": [["Variable": "$.a", "IsPresent": true, "Next": "HasA"]],
                                              "Default": "NoA"], name: "Check")
        #expect(try await m.testState("Check", input: ["a": 1]).nextState == "HasA")
        #expect(try await m.testState("Check", input: [:]).nextState == "NoA")
        #expect(throws: DefinitionError.self) { try StateMachine.singleState(["Next": "X"]) }
    }

    @Test func mockedParallelResultReplacesTheBranches() async throws {
        let m = try StateMachine.singleState(["Type": "Parallel", "ResultPath": "$.both", "End": true, "Branches": [
            ["StartAt": "A", "States": ["A": ["Type": "Fail", "Error": "NotRun"]]]]])
        let mocked = try await m.testState("TestState", input: ["x": 1], mock: .result([1, 2]))
        #expect(mocked.status == .succeeded && mocked.nextState == nil)
        #expect(mocked.output == ["x": 1, "both": [1, 2]])
        let real = try await m.testState("TestState", input: ["x": 1])
        #expect(real.status == .failed && real.error == "NotRun")
    }

    @Test func anUnknownStateIsAnError() async throws {
        await #expect(throws: StatesError.self) { try await machine().testState("Nope", input: [:]) }
    }
}

/// TestState runs the same compiled code as an execution: for every state an execution passes
/// through, testing that state on the input it entered with gives the output it exited with.
@Suite struct TestStateAgreesWithExecutionsTests {
    final class Recorder: LogSink, @unchecked Sendable {
        let events = Mutex<[LogEvent]>([])
        func write(_ event: LogEvent) { events.withLock { $0.append(event) } }
    }

    static let machines: [(String, JSONValue)] = [
        ("""
        {"StartAt": "Greet", "States": {
          "Greet": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('Hello, {}!', $.name)", "amount.$": "$.amount"}, "Next": "Classify"},
          "Classify": {"Type": "Choice", "Choices": [{"Variable": "$.amount", "NumericGreaterThan": 100, "Next": "Large"}], "Default": "Small"},
          "Large": {"Type": "Pass", "Result": "large", "ResultPath": "$.size", "Assign": {"big": true}, "Next": "Done"},
          "Small": {"Type": "Pass", "Result": "small", "ResultPath": "$.size", "OutputPath": "$.size", "Next": "Done"},
          "Done": {"Type": "Succeed"}}}
        """, ["name": "Ada", "amount": 250]),
        ("""
        {"QueryLanguage": "JSONata", "StartAt": "Count", "States": {
          "Count": {"Type": "Pass", "Assign": {"n": "{% $count($states.input.items) %}"}, "Output": {"items": "{% $states.input.items %}"}, "Next": "Sum"},
          "Sum": {"Type": "Pass", "Output": {"total": "{% $sum($states.input.items) %}", "n": "{% $n %}"}, "Next": "Check"},
          "Check": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.total > 5 %}", "Next": "Big"}], "Default": "Big"},
          "Big": {"Type": "Succeed", "Output": "{% $states.input.total * 2 %}"}}}
        """, ["items": [1, 2, 3]]),
    ]

    @Test(arguments: machines.indices)
    func eachStatesTestOutputIsItsExecutionOutput(index: Int) async throws {
        let (definition, input) = Self.machines[index]
        let machine = try StateMachine(definition: definition, name: "m")
        let recorder = Recorder()
        var configuration = EngineConfiguration()
        configuration.logSink = recorder
        configuration.logLevel = .all
        let outcome = await Engine(configuration).execute(machine, input: input)
        #expect(outcome.status == .succeeded)
        let events = recorder.events.withLock { $0 }.sorted { $0.id < $1.id }
        var variables = JSONObject()
        var checked = 0
        for (i, entered) in events.enumerated() where entered.type.hasSuffix("StateEntered") {
            let name = try #require(entered.details["name"]?.stringValue)
            let exited = try #require(events[(i + 1)...].first { $0.type.hasSuffix("StateExited") && $0.details["name"]?.stringValue == name })
            let stateInput = try JSONParser.parse(try #require(entered.details["input"]?.stringValue))
            let r = try await machine.testState(name, input: stateInput, variables: variables, inspectionLevel: .debug)
            #expect(r.output == (try JSONParser.parse(try #require(exited.details["output"]?.stringValue))), "\(name)")
            let next = events[(i + 1)...].first { $0.type.hasSuffix("StateEntered") }?.details["name"]?.stringValue
            #expect(r.nextState == next, "\(name)")
            variables = r.inspectionData?.variables ?? variables
            checked += 1
        }
        #expect(checked >= 4)
    }
}
