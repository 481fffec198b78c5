import ASLJSON
import Dispatch
import Testing

import JSONata

/// Deadlines and size limits reach every loop of an evaluation.
@Suite struct JSONataLimitsTests {
    static func code(_ source: String, bindings: [String: JSONValue] = [:], environment: JSONataEnvironment = .init()) -> String? {
        do {
            _ = try JSONataExpression(source).evaluate(input: nil, bindings: bindings, environment: environment)
            return nil
        } catch {
            return error.code
        }
    }

    /// An environment whose deadline is `ms` milliseconds away (no 10 s limit).
    static func deadline(in ms: UInt64) -> JSONataEnvironment {
        JSONataEnvironment(timeLimit: nil, deadline: DispatchTime.now().uptimeNanoseconds + ms * 1_000_000)
    }

    @Test(arguments: [
        // Quadratic inside one builtin call: no evaluation steps between comparisons.
        "$distinct([1..100000])",
        // A lookahead rescans the rest of the text at every position.
        "$match($pad('', 200000, 'a'), /(?=a*b)/)",
        // A tail-recursive loop that never ends.
        "($f := function($n) { $f($n + 1) }; $f(0))",
    ])
    func longEvaluationsStopAtTheDeadline(_ source: String) {
        #expect(Self.code(source, environment: Self.deadline(in: 200)) == "U1001")
    }

    @Test func theEarlierOfDeadlineAndTimeLimitApplies() {
        var environment = Self.deadline(in: 60_000)
        environment.timeLimit = 0.2
        #expect(Self.code("$distinct([1..100000])", environment: environment) == "U1001")
    }

    @Test func runawaySequencesStopBeforeExhaustingMemory() throws {
        let thousand: JSONValue = .array((1...1000).map { .number(.int(Int64($0))) })
        // 10^9 items: stops at the 10^7 cap.
        #expect(Self.code("$x.$x.$x", bindings: ["x": thousand]) == "U1002")
        // 10^6 items are fine.
        #expect(try JSONataExpression("$count($x.$x)").evaluate(input: nil, bindings: ["x": thousand]) == 1_000_000)
    }

    @Test func runawayStringsStopBeforeExhaustingMemory() throws {
        #expect(Self.code(#"$reduce([1..40], function($acc, $i) { $acc & $acc }, "x")"#) == "D3137")
        // One "m" per thousand: 9e18 would need 9e15 characters (and never ended: 9e18 - 1000 == 9e18).
        #expect(Self.code(#"$formatInteger(9e18, "I")"#) == "D3137")
        #expect(try JSONataExpression(#"$formatInteger(1999, "I")"#).evaluate(input: nil) == "MCMXCIX")
    }
}
