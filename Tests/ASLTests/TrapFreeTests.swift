import ASLJSON
import Testing
@testable import ASL

/// Values from an event or a definition that used to reach a trapping conversion or
/// arithmetic now fail the one execution with AWS's error name and a cause naming the value
/// (issue 12). Each test is one class of trap; `CLITrapFreeTests` checks the process survives.
@Suite struct TrapFreeTests {
    static func j(_ text: String) -> JSONValue { try! JSONParser.parse(text) }

    /// A Pass state whose `Parameters` hold `call`.
    static func pass(_ call: String) -> String {
        #"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":"\#(call)"},"End":true}}}"#
    }

    @Test(arguments: [
        // javaRound: a double beyond Int64 (the Examples/hello.asl.json report) and beyond Int32.
        ("States.MathAdd($.a, 10)", #"{"a":1e19}"#, "Argument 1 of States.MathAdd is outside the 32-bit integer range: "),
        ("States.MathAdd(1, $.a)", #"{"a":-3e9}"#, "Argument 2 of States.MathAdd is outside the 32-bit integer range"),
        ("States.MathAdd($.a, 1)", #"{"a":1e308}"#, "outside the 32-bit integer range"),
        // MathRandom: bounds beyond Int64, and a range whose width overflows.
        ("States.MathRandom($.a, 10)", #"{"a":-1e19}"#, "Argument 1 of States.MathRandom is outside the 64-bit integer range"),
        ("States.MathRandom(0, $.a)", #"{"a":1e19}"#, "Argument 2 of States.MathRandom is outside the 64-bit integer range"),
        ("States.MathRandom($.a, $.b)", #"{"a":-9e18,"b":9e18}"#, "is too large"),
        ("States.MathRandom(0, 10, $.a)", #"{"a":1e300}"#, "Argument 3 of States.MathRandom"),
    ])
    func intrinsicNumbersOutOfRangeFailTheExecution(call: String, input: String, cause: String) async throws {
        let outcome = try await execute(Self.pass(call), Self.j(input))
        #expect(outcome.status == .failed)
        #expect(outcome.error == "States.Runtime")
        #expect(outcome.cause?.contains(cause) == true, "\(outcome.cause ?? "nil")")
    }

    @Test func mathRandomStillWorksAcrossTheWholeInt64Range() async throws {
        let outcome = try await execute(Self.pass("States.MathRandom($.a, $.b)"), Self.j(#"{"a":-4611686018427387904,"b":4611686018427387903}"#))
        #expect(outcome.status == .succeeded)
        #expect(outcome.output?["v"]?.numberValue?.int64Value != nil)
        let seeded = try await execute(Self.pass("States.MathRandom($.a, $.b, 7)"), Self.j(#"{"a":-4e18,"b":4e18}"#))
        #expect(seeded.status == .succeeded)
    }

    static let waitPath = #"{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}"#
    static let waitJSONata = #"{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Seconds":"{% $states.input.s %}","End":true}}}"#

    @Test(arguments: ["1e16", "9223372036854775807", "100000000"])
    func waitSecondsPathBeyondTheLimitIsTooLong(seconds: String) async throws {
        let outcome = try await execute(Self.waitPath, Self.j(#"{"s":\#(seconds)}"#)) { $0.clock = .virtual }
        #expect(outcome.status == .failed)
        #expect(outcome.error == "States.Runtime")
        #expect(outcome.cause?.hasSuffix("Wait state delay is too long.") == true, "\(outcome.cause ?? "nil")")
    }

    @Test func waitJSONataSecondsAreCheckedIntegers() async throws {
        for (value, error) in [("1e19", "States.QueryEvaluationError"), ("-1e19", "States.QueryEvaluationError"),
                               ("1.5", "States.QueryEvaluationError"), ("-1", "States.QueryEvaluationError"),
                               ("100000000", "States.Runtime")] {
            let outcome = try await execute(Self.waitJSONata, Self.j(#"{"s":\#(value)}"#)) { $0.clock = .virtual }
            #expect(outcome.status == .failed, "\(value)")
            #expect(outcome.error == error, "\(value): \(outcome.cause ?? "nil")")
        }
        let ok = try await execute(Self.waitJSONata, Self.j(#"{"s":2}"#)) { $0.clock = .virtual }
        #expect(ok.status == .succeeded)
    }

    static func map(_ field: String, jsonata: Bool) -> String {
        let value = jsonata ? #""\#(field)":"{% $states.input.n %}""# : #""\#(field)Path":"$.n""#
        let items = jsonata ? #""Items":"{% [1,2] %}""# : #""ItemsPath":"$.items""#
        return #"{"#
            + (jsonata ? #""QueryLanguage":"JSONata","# : "")
            + #""StartAt":"M","States":{"M":{"Type":"Map",\#(items),\#(value),"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}"#
    }

    @Test(arguments: ["MaxConcurrency", "ToleratedFailureCount"], ["1e19", "-1e19", "2147483648", "\"9223372036854775808\""])
    func mapCountsBeyondAnIntegerAreNotValidIntegers(field: String, value: String) async throws {
        let input = Self.j(#"{"n":\#(value),"items":[1,2]}"#)
        let path = try await execute(Self.map(field, jsonata: false), input)
        #expect(path.status == .failed)
        #expect(path.error == "States.Runtime")
        #expect(path.cause?.contains("The \(field)Path field refers to value") == true, "\(path.cause ?? "nil")")
        #expect(path.cause?.contains("which is not a valid integer: $.n") == true, "\(path.cause ?? "nil")")
        let jsonata = try await execute(Self.map(field, jsonata: true), input)
        #expect(jsonata.status == .failed)
        #expect(jsonata.error == "States.QueryEvaluationError")
        let expected = value.hasPrefix("\"") ? "must be a number" : "must be an integer"
        #expect(jsonata.cause?.contains("The \(field) field \(expected)") == true, "\(jsonata.cause ?? "nil")")
    }

    @Test func negativeToleratedFailureCountFailsTheMap() async throws {
        let outcome = try await execute(Self.map("ToleratedFailureCount", jsonata: false), Self.j(#"{"n":-1,"items":[1]}"#))
        #expect(outcome.status == .failed)
        #expect(outcome.cause?.hasSuffix("ToleratedFailureCount cannot be negative.") == true, "\(outcome.cause ?? "nil")")
    }

    @Test func deeplyNestedFiltersAreCompileErrorsNotStackOverflows() throws {
        let depth = 200_000
        for body in [String(repeating: "(", count: depth) + "@.a" + String(repeating: ")", count: depth),
                     String(repeating: "!", count: depth) + "@.a",
                     String(repeating: "@[?(", count: depth) + "@" + String(repeating: ")]", count: depth)] {
            #expect(throws: ExpressionCompileError.self) { try JSONPath("$[?(\(body))]") }
        }
        let nested = try JSONPath("$[?(((!(@.a == 1))))]")
        #expect(nested.evaluate(root: Self.j(#"[{"a":1},{"a":2}]"#)) == Self.j(#"[{"a":2}]"#))
    }

    @Test func mockKeysUpToInt64MaxLoadAndCannotBeFollowed() throws {
        func config(_ keys: [String]) throws -> MockConfig {
            var responses = JSONObject()
            for k in keys { responses[k] = ["Return": 1] }
            return try MockConfig(json: ["StateMachines": [:], "MockedResponses": ["R": .object(responses)]])
        }
        _ = try config(["0-9223372036854775807"])
        _ = try config(["0", "1-9223372036854775807"])
        #expect(throws: (any Error).self) { try config(["0-9223372036854775807", "9223372036854775807"]) }
        #expect(throws: (any Error).self) { try config(["0-9223372036854775808"]) }
    }
}
