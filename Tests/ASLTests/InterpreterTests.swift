import ASLJSON
import Testing

@testable import ASL

/// The dispatch loop's transfers (`transfer(to:)` for Next, Choice and Catch) and checkpoints.
@Suite struct InterpreterTransferTests {
    /// A Task whose (mocked, immediate) error is caught and leads back to the Task: a loop made
    /// only of Catch transfers must still reach the checkpoint and stop at the deadline.
    @Test(.timeLimit(.minutes(1))) func aLoopThroughCatchStopsAtTheDeadline() async throws {
        let definition = """
            {"StartAt": "Call", "TimeoutSeconds": 1, "States": {
              "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
                       "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.error", "Next": "Call"}], "End": true}}}
            """
        let config = try MockConfig(json: ["StateMachines": ["test": ["TestCases": ["T": ["Call": "R"]]]],
                                           "MockedResponses": ["R": ["0-999999999": ["Throw": ["Error": "Boom", "Cause": "again"]]]]])
        let outcome = try await execute(definition) { $0.mockConfig = config; $0.mockTestCase = "T" }
        #expect(outcome.status == .timedOut)
    }

    /// A caught error moves on like a transition: the Catch's output becomes the next state's
    /// input (`raw`), and the next state's `enter` takes it as its effective input.
    @Test func catchTransfersTheErrorOutputToTheNextState() async throws {
        let definition = """
            {"StartAt": "Call", "States": {
              "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
                       "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.error", "Next": "After"}], "End": true},
              "After": {"Type": "Pass", "InputPath": "$.error", "End": true}}}
            """
        let config = try MockConfig(json: ["StateMachines": ["test": ["TestCases": ["T": ["Call": "R"]]]],
                                           "MockedResponses": ["R": ["0": ["Throw": ["Error": "Boom", "Cause": "once"]]]]])
        let outcome = try await execute(definition, ["k": 1]) { $0.mockConfig = config; $0.mockTestCase = "T" }
        #expect(outcome.status == .succeeded)
        #expect(outcome.output == ["Error": "Boom", "Cause": "once"])
    }

    /// A Choice's `transfer(to:)` leaves `pc` at the target's `enter`; a long loop of Choice and
    /// Pass states keeps running through many checkpoints and ends with the right count.
    @Test func aLongChoiceLoopRunsThroughCheckpoints() async throws {
        let definition = """
            {"StartAt": "Test", "States": {
              "Test": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThanEquals": 1000, "Next": "Done"}], "Default": "Step"},
              "Step": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Test"},
              "Done": {"Type": "Succeed"}}}
            """
        let outcome = try await execute(definition, ["n": 0])
        #expect(outcome.status == .succeeded)
        #expect(outcome.output == ["n": 1000])
    }
}
