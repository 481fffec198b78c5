import ASLJSON
import Foundation
import Synchronization
import Testing
@testable import ASL

/// A Choice → Pass loop with no Wait: it runs until the execution's deadline.
/// A value shared by concurrent test tasks and handlers.
final class Shared<Value: Sendable>: Sendable {
    let lock: Mutex<Value>
    init(_ value: Value) { lock = Mutex(value) }
    func update<R: Sendable>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&$0) } }
}

let spinningLoop = """
{"TimeoutSeconds": 1, "StartAt": "C", "States": {
  "C": {"Type": "Choice", "Choices": [{"Variable": "$.spin", "BooleanEquals": true, "Next": "P"}], "Default": "Done"},
  "P": {"Type": "Pass", "Next": "C"},
  "Done": {"Type": "Pass", "End": true}}}
"""

/// Deadlines reach CPU-bound work: loops without Wait, fan-outs, long JSONata evaluations.
@Suite struct VMDeadlineTests {
    @Test func loopWithoutWaitTimesOut() async throws {
        let outcome = try await execute(spinningLoop, ["spin": true])
        #expect(outcome.status == .timedOut)
        #expect(outcome.error == "States.Timeout")
        #expect(outcome.output == nil)
    }

    @Test func spinningExecutionsDoNotStarveOthers() throws {
        // Two loops occupy both workers; a good execution submitted after them still finishes
        // first (the loops yield their worker every few transitions). Started and awaited from
        // this thread, not Swift's cooperative pool, which other tests may hold blocked.
        let machine = try StateMachine(definition: spinningLoop, name: "loop")
        var configuration = EngineConfiguration()
        configuration.workers = 2
        let engine = Engine(configuration)
        let order = Shared<[String]>([])
        let done = DispatchSemaphore(value: 0)
        for (name, spin) in [("spin-1", true), ("spin-2", true), ("good", false)] {
            if name == "good" { usleep(100_000) }
            _ = engine.startWhenAdmitted(machine, input: ["spin": .bool(spin)], name: name) { outcome in
                order.update { $0.append("\(name):\(outcome.status.rawValue)") }
                done.signal()
            }
        }
        for _ in 0..<3 { done.wait() }
        let finished = order.update { $0 }
        #expect(finished.first == "good:SUCCEEDED")
        #expect(Set(finished.dropFirst()) == ["spin-1:TIMED_OUT", "spin-2:TIMED_OUT"])
    }

    @Test func longJSONataEvaluationStopsAtTheDeadline() async throws {
        // Quadratic in jsonata-js too: far longer than the 1 s deadline.
        let outcome = try await execute("""
        {"QueryLanguage": "JSONata", "TimeoutSeconds": 1, "StartAt": "P", "States": {
          "P": {"Type": "Pass", "Output": "{% $count($distinct([1..100000])) %}", "End": true}}}
        """)
        #expect(outcome.status == .timedOut)
        #expect(outcome.error == "States.Timeout")
    }

    @Test func catchDoesNotSeeTheExecutionTimeout() async throws {
        // The evaluation is cut short by the deadline inside a Task's Arguments; the catcher
        // must not turn the timeout into a success.
        let outcome = try await execute("""
        {"QueryLanguage": "JSONata", "TimeoutSeconds": 1, "StartAt": "T", "States": {
          "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "f", "Payload": "{% $count($distinct([1..100000])) %}"},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true},
          "Caught": {"Type": "Succeed"}}}
        """) { $0.lambdaFunctions["f"] = { _ in .null } }
        #expect(outcome.status == .timedOut)
    }

    @Test func nestedFanOutTimesOut() async throws {
        let outcome = try await execute("""
        {"QueryLanguage": "JSONata", "TimeoutSeconds": 1, "StartAt": "M1", "States": {
          "M1": {"Type": "Map", "Items": "{% [1..1000] %}", "End": true, "ItemProcessor": {"StartAt": "M2", "States": {
            "M2": {"Type": "Map", "Items": "{% [1..1000] %}", "End": true, "ItemProcessor": {"StartAt": "M3", "States": {
              "M3": {"Type": "Map", "Items": "{% [1..1000] %}", "End": true, "Output": "{% 0 %}",
                     "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}}}}}}}}
        """)
        #expect(outcome.status == .timedOut)
    }

    @Test func unlimitedMapRunsAtMostFortyIterationsAtOnce() async throws {
        let running = Shared<(now: Int, peak: Int)>((0, 0))
        let outcome = try await execute("""
        {"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 0, "End": true,
          "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:slow", "End": true}}}}}}
        """, .array((0..<200).map { .number(.int(Int64($0))) })) { configuration in
            configuration.lambdaFunctions["slow"] = { request in
                running.update { $0.now += 1; $0.peak = max($0.peak, $0.now) }
                try? await Task.sleep(for: .milliseconds(5))
                running.update { $0.now -= 1 }
                return request.input
            }
        }
        #expect(outcome.status == .succeeded)
        #expect(outcome.output == .array((0..<200).map { .number(.int(Int64($0))) }))
        let peak = running.update { $0.peak }
        #expect(peak <= ChildGroup.maximumInFlight)
        #expect(peak > 1)
    }
}

/// §9.4: a variable and one Assign block hold at most 256 KiB, an execution's variables 10 MiB.
@Suite struct VMVariableLimitTests {
    @Test func doublingAStringVariableStopsAt256KiB() async throws {
        let outcome = try await execute("""
        {"QueryLanguage": "JSONata", "StartAt": "Init", "States": {
          "Init": {"Type": "Pass", "Assign": {"v": "x"}, "Next": "Grow"},
          "Grow": {"Type": "Pass", "Assign": {"v": "{% $v & $v %}"}, "Next": "Grow2"},
          "Grow2": {"Type": "Choice", "Choices": [{"Condition": "{% false %}", "Next": "Done"}], "Default": "Grow"},
          "Done": {"Type": "Succeed"}}}
        """)
        #expect(outcome.status == .failed)
        #expect(outcome.error == "States.DataLimitExceeded")
        // 2^18 characters plus the quotes: the first value over 262,144 bytes.
        #expect(outcome.cause == "The variable 'v' assigned by the state 'Grow' has a size of 262146 bytes, exceeding the maximum of 262144 bytes for a variable.")
    }

    @Test func oneAssignBlockIsLimitedTo256KiB() async throws {
        let outcome = try await execute("""
        {"QueryLanguage": "JSONata", "StartAt": "A", "States": {
          "A": {"Type": "Pass", "Assign": {"a": "{% $pad('', 150000, 'x') %}", "b": "{% $pad('', 150000, 'y') %}"}, "End": true}}}
        """)
        #expect(outcome.error == "States.DataLimitExceeded")
        #expect(outcome.cause?.hasPrefix("The Assign of the state 'A' has a size of") == true)
    }

    @Test func anExecutionHoldsAtMost10MiBOfVariables() async throws {
        // 45 variables of 240,000 characters: 10.8 MB, over 10 MiB at the 44th.
        var states: [String] = []
        for i in 0..<45 {
            states.append(#""S\#(i)": {"Type": "Pass", "Assign": {"v\#(i)": "{% $pad('', 240000, 'x') %}"}, "Next": "S\#(i + 1)"}"#)
        }
        states.append(#""S45": {"Type": "Succeed"}"#)
        let outcome = try await execute(#"{"QueryLanguage": "JSONata", "StartAt": "S0", "States": {\#(states.joined(separator: ","))}}"#)
        #expect(outcome.error == "States.DataLimitExceeded")
        #expect(outcome.cause?.hasPrefix("The state 'S43' would bring the execution's variables to") == true)
    }

    @Test func reassigningAVariableReplacesItsBytes() async throws {
        // 60 rounds of 200 KB into one name stay far below 10 MiB.
        let outcome = try await execute("""
        {"QueryLanguage": "JSONata", "StartAt": "Init", "States": {
          "Init": {"Type": "Pass", "Assign": {"n": 0}, "Next": "Fill"},
          "Fill": {"Type": "Pass", "Assign": {"v": "{% $pad('', 200000, 'x') %}", "n": "{% $n + 1 %}"}, "Next": "Loop"},
          "Loop": {"Type": "Choice", "Choices": [{"Condition": "{% $n < 60 %}", "Next": "Fill"}], "Default": "Done"},
          "Done": {"Type": "Pass", "Output": "{% $n %}", "End": true}}}
        """)
        #expect(outcome.status == .succeeded)
        #expect(outcome.output == 60)
    }

    @Test func iterationVariablesAreReleasedWhenTheIterationEnds() async throws {
        // 100 iterations × 200 KB = 20 MB over the whole Map, but at most 40 live at once.
        let outcome = try await execute("""
        {"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "Items": "{% [1..100] %}", "End": true,
          "Output": "{% $count($states.result) %}",
          "ItemProcessor": {"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": {"big": "{% $pad('', 200000, 'x') %}"}, "Next": "B"},
            "B": {"Type": "Pass", "Output": "{% $length($big) %}", "End": true}}}}}}
        """)
        #expect(outcome.status == .succeeded)
        #expect(outcome.output == 100)
    }
}

/// §9.3: inner scopes read outer variables, never assign them; siblings are isolated; a
/// Map/Parallel state's own Assign and its catchers' write the enclosing scope.
@Suite struct VMVariableScopeTests {
    static func diagnostics(_ text: String) -> [(String, String)] {
        Validator.validate(text).diagnostics.filter { $0.severity == .error }.map { ($0.locationText ?? "", $0.message) }
    }

    @Test func anInnerScopeCannotAssignAnOuterName() {
        let map = Self.diagnostics("""
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"},
          "M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "I", "States": {
            "I": {"Type": "Pass", "Assign": {"x.$": "$", "y": 2}, "End": true}}}}}}
        """)
        #expect(map.count == 1)
        #expect(map.first?.0 == "/States/M/ItemProcessor/States/I/Assign")
        #expect(map.first?.1.hasPrefix("The variable 'x' exists in an outer scope") == true)

        // Two levels down, and through a catcher's Assign in a Parallel branch.
        let nested = Self.diagnostics("""
        {"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "P"},
          "P": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "B", "States": {
            "B": {"Type": "Pass", "Assign": {"b": 1}, "Next": "M"},
            "M": {"Type": "Map", "Items": "{% [1] %}", "End": true, "ItemProcessor": {"StartAt": "T", "States": {
              "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": {"FunctionName": "f"},
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"b": 2}, "Next": "D"}], "End": true},
              "D": {"Type": "Pass", "Assign": {"x": 3}, "End": true}}}}}}]}}}
        """)
        #expect(nested.map(\.0).sorted() == ["/States/P/Branches[0]/States/M/ItemProcessor/States/D/Assign",
                                              "/States/P/Branches[0]/States/M/ItemProcessor/States/T/Catch[0]/Assign"].sorted())
    }

    @Test func namesAssignedOnlyAfterTheForkOrInSiblingsAreAllowed() {
        // AWS runs this (recorded case PARALLEL_CATCH_ERROR_VARIABLE_SAMPLING): the Parallel's
        // Catch assigns `inputVar` after the branch did; siblings reuse `innerX`.
        let errors = Self.diagnostics("""
        {"QueryLanguage": "JSONata", "StartAt": "P", "States": {
          "P": {"Type": "Parallel", "Next": "Done", "Branches": [
              {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Assign": {"inputVar": 1, "innerX": 1}, "End": true}}},
              {"StartAt": "B2", "States": {"B2": {"Type": "Pass", "Assign": {"innerX": 2}, "End": true}}}],
            "Assign": {"after": 1}, "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"inputVar": 2}, "Next": "Done"}]},
          "Done": {"Type": "Pass", "Assign": {"innerX": 3}, "End": true}}}
        """)
        #expect(errors.isEmpty)
    }

    @Test func siblingIterationsAreIsolatedAndTheMapsAssignWritesOutside() async throws {
        let outcome = try await execute("""
        {"QueryLanguage": "JSONata", "StartAt": "Init", "States": {
          "Init": {"Type": "Pass", "Assign": {"base": 100}, "Next": "M"},
          "M": {"Type": "Map", "Items": "{% [1..50] %}", "Next": "After",
                "Assign": {"total": "{% $sum($states.result) %}"},
                "ItemProcessor": {"StartAt": "Mine", "States": {
                  "Mine": {"Type": "Pass", "Assign": {"mine": "{% $states.input %}"}, "Next": "Read"},
                  "Read": {"Type": "Pass", "Output": "{% $base + $mine %}", "End": true}}}},
          "After": {"Type": "Pass", "Output": {"total": "{% $total %}", "base": "{% $base %}"}, "End": true}}}
        """)
        #expect(outcome.status == .succeeded)
        // Each iteration saw its own `mine`: 50 × 100 + (1 + … + 50).
        #expect(outcome.output == ["total": 6275, "base": 100])
    }

    @Test func aCatchersAssignWritesTheEnclosingScope() async throws {
        let outcome = try await execute("""
        {"QueryLanguage": "JSONata", "StartAt": "M", "States": {
          "M": {"Type": "Map", "Items": "{% [1, 2] %}", "Next": "Done",
                "ItemProcessor": {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Bad", "Cause": "no"}}},
                "Catch": [{"ErrorEquals": ["Bad"], "Assign": {"caught": "{% $states.errorOutput.Error %}"}, "Next": "Done"}]},
          "Done": {"Type": "Pass", "Output": "{% $caught %}", "End": true}}}
        """)
        #expect(outcome.output == "Bad")
    }
}

/// A concurrent Map whose iterations read outer variables and assign inner ones, on several
/// workers. Run under ThreadSanitizer with
/// `swift test --sanitize=thread --filter "WorkStealingTests|VariableScopeConcurrencyTests"`.
@Suite struct VariableScopeConcurrencyTests {
    @Test func concurrentIterationsReadOuterAndAssignInnerVariables() async throws {
        let outcome = try await execute("""
        {"StartAt": "Init", "States": {
          "Init": {"Type": "Pass", "Assign": {"offset": 1000, "items.$": "States.ArrayRange(1, 400, 1)"}, "Next": "M"},
          "M": {"Type": "Map", "ItemsPath": "$items", "MaxConcurrency": 0, "Next": "Sum",
                "Assign": {"count.$": "States.ArrayLength($)"},
                "ItemProcessor": {"StartAt": "A", "States": {
                  "A": {"Type": "Pass", "Assign": {"item.$": "$", "seen.$": "$offset"}, "Next": "B"},
                  "B": {"Type": "Pass", "Assign": {"sum.$": "States.MathAdd($item, $seen)"}, "Next": "C"},
                  "C": {"Type": "Pass", "Parameters": {"v.$": "$sum"}, "OutputPath": "$.v", "End": true}}}},
          "Sum": {"Type": "Pass", "Parameters": {"count.$": "$count", "first.$": "$[0]", "last.$": "$[399]"}, "End": true}}}
        """) { $0.workers = 4 }
        #expect(outcome.status == .succeeded)
        #expect(outcome.output == ["count": 400, "first": 1001, "last": 1400])
    }
}
