import ASLJSON
import Testing

@testable import ASL

fileprivate func j(_ text: String) -> JSONValue { try! JSONParser.parse(text) }
fileprivate func check(_ rule: String, _ input: String) throws -> Bool {
    try ChoiceCondition(j(rule)).evaluate(ExpressionContext(input: j(input), variables: ["limit": 10]))
}

@Suite struct ExpressionsChoiceTests {
    @Test(arguments: [
        (#"{"Variable":"$.v","StringEquals":"Hello"}"#, #"{"v":"Hello"}"#, true),
        (#"{"Variable":"$.v","StringEquals":"HelloWorld"}"#, #"{"v":null}"#, false),
        (#"{"Variable":"$.v","StringEquals":"1"}"#, #"{"v":1}"#, false),
        (#"{"Variable":"$.v","StringLessThan":"AB"}"#, #"{"v":"A"}"#, true),
        (#"{"Variable":"$.v","StringGreaterThan":"A "}"#, #"{"v":"A"}"#, false),
        (#"{"Variable":"$.v","StringGreaterThanEquals":""}"#, #"{"v":""}"#, true),
        (#"{"Variable":"$.v","StringLessThanEquals":"A"}"#, #"{"v":"AB"}"#, false),
        (#"{"Variable":"$.v","StringEqualsPath":"$.w"}"#, #"{"v":"\t\n","w":"\t\r\n"}"#, false),
        (#"{"Variable":"$.v","StringGreaterThanEqualsPath":"$.w"}"#, #"{"v":"AB","w":"A"}"#, true),
        (#"{"Variable":"$.v","NumericEquals":1}"#, #"{"v":1.0}"#, true),
        (#"{"Variable":"$.v","NumericEquals":1}"#, #"{"v":"1"}"#, false),
        (#"{"Variable":"$.v","NumericLessThan":1.5}"#, #"{"v":1}"#, true),
        (#"{"Variable":"$.v","NumericGreaterThanEquals":2}"#, #"{"v":2}"#, true),
        (#"{"Variable":"$.v","NumericGreaterThanPath":"$.w"}"#, #"{"v":3,"w":2.5}"#, true),
        (#"{"Variable":"$.v","NumericLessThanEqualsPath":"$limit"}"#, #"{"v":10}"#, true),
        (#"{"Variable":"$.v","NumericEqualsPath":"$.w"}"#, #"{"v":1,"w":"1"}"#, false),
        (#"{"Variable":"$.v","BooleanEquals":true}"#, #"{"v":true}"#, true),
        (#"{"Variable":"$.v","BooleanEquals":true}"#, #"{"v":"true"}"#, false),
        (#"{"Variable":"$.v","BooleanEqualsPath":"$.w"}"#, #"{"v":false,"w":false}"#, true),
        (#"{"Variable":"$.v","TimestampEquals":"2012-10-09T19:00:55Z"}"#, #"{"v":"2012-10-09T21:00:55+02:00"}"#, true),
        (#"{"Variable":"$.v","TimestampEquals":"2012-10-09T19:00:55Z"}"#, #"{"v":"2023-02-24 12:15:56.832957"}"#, false),
        (#"{"Variable":"$.v","TimestampLessThan":"2012-10-09T19:00:55Z"}"#, #"{"v":"2012-10-09T19:00:54.999Z"}"#, true),
        (#"{"Variable":"$.v","TimestampGreaterThanPath":"$.w"}"#, #"{"v":"2020-01-01T00:00:00Z","w":"2019-12-31T23:59:59Z"}"#, true),
        (#"{"Variable":"$.v","TimestampEquals":"2012-10-09T19:00:55Z"}"#, #"{"v":0}"#, false),
        (#"{"Variable":"$.v","IsNull":true}"#, #"{"v":null}"#, true),
        (#"{"Variable":"$.v","IsNull":false}"#, #"{"v":0.0}"#, true),
        (#"{"Variable":"$.v","IsPresent":true}"#, #"{}"#, false),
        (#"{"Variable":"$.v","IsPresent":false}"#, #"{}"#, true),
        (#"{"Variable":"$.v","IsPresent":true}"#, #"{"v":null}"#, true),
        (#"{"Variable":"$.v","IsNumeric":true}"#, #"{"v":true}"#, false),
        (#"{"Variable":"$.v","IsNumeric":false}"#, #"{"v":"1"}"#, true),
        (#"{"Variable":"$.v","IsString":true}"#, #"{"v":"x"}"#, true),
        (#"{"Variable":"$.v","IsBoolean":false}"#, #"{"v":null}"#, true),
        (#"{"Variable":"$.v","IsTimestamp":true}"#, #"{"v":"2016-03-14T01:59:00.123Z"}"#, true),
        (#"{"Variable":"$.v","IsTimestamp":true}"#, #"{"v":"2016-03-14"}"#, false),
        (#"{"Variable":"$.v","StringMatches":"log-*.txt"}"#, #"{"v":"log-.txt"}"#, true),
        (#"{"Variable":"$.v","StringMatches":"log-*.txt"}"#, #"{"v":"log-2024.txt"}"#, true),
        (#"{"Variable":"$.v","StringMatches":"log-*.txt"}"#, #"{"v":"log-2024.txt.gz"}"#, false),
        (#"{"Variable":"$.v","StringMatches":"*"}"#, #"{"v":""}"#, true),
        (#"{"Variable":"$.v","StringMatches":"a\\*b"}"#, #"{"v":"a*b"}"#, true),
        (#"{"Variable":"$.v","StringMatches":"a\\*b"}"#, #"{"v":"axb"}"#, false),
        (#"{"Variable":"$.v","StringMatches":"a\\\\*"}"#, #"{"v":"a\\xyz"}"#, true),
        (#"{"Variable":"$.v","StringMatches":"a?[b]"}"#, #"{"v":"a?[b]"}"#, true),
        (#"{"Variable":"$.v","StringMatches":"*a*b*"}"#, #"{"v":"xxaxxbxx"}"#, true),
        (#"{"Variable":"$.v","StringMatches":"x*"}"#, #"{"v":1}"#, false),
        (#"{"And":[{"Variable":"$.a","NumericGreaterThan":1},{"Variable":"$.b","StringEquals":"x"}]}"#, #"{"a":2,"b":"x"}"#, true),
        (#"{"Or":[{"Variable":"$.a","NumericGreaterThan":5},{"Variable":"$.b","StringEquals":"x"}]}"#, #"{"a":2,"b":"x"}"#, true),
        (#"{"Not":{"Variable":"$.a","NumericGreaterThan":1}}"#, #"{"a":2}"#, false),
        (#"{"And":[{"Variable":"$.a","IsPresent":true},{"Not":{"Variable":"$.a","IsNull":true}}]}"#, #"{"a":1}"#, true),
    ])
    func rules(rule: String, input: String, expected: Bool) throws {
        #expect(try check(rule, input) == expected)
    }

    @Test func contextAndVariableOperands() throws {
        let rule = try ChoiceCondition(j(#"{"Variable":"$$.State.Name","StringEqualsPath":"$answer"}"#))
        let c = ExpressionContext(input: j("{}"), contextObject: j(#"{"State":{"Name":"S"}}"#), variables: ["answer": "S"])
        #expect(try rule.evaluate(c))
    }

    @Test(arguments: [
        (#"{"Variable":"$.missing","StringEquals":"x"}"#, "$.missing"),
        (#"{"Variable":"$.v","NumericEqualsPath":"$.nope"}"#, "$.nope"),
        (#"{"Variable":"$.missing","IsNull":false}"#, "$.missing"),
    ])
    func missingPathsFail(rule: String, path: String) throws {
        #expect(throws: StatesError.runtime("Invalid path '\(path)': The choice state's condition path references an invalid value.")) {
            try check(rule, #"{"v":1}"#)
        }
    }

    @Test func shortCircuitAvoidsLaterErrors() throws {
        #expect(try check(#"{"Or":[{"Variable":"$.v","IsPresent":true},{"Variable":"$.missing","StringEquals":"x"}]}"#, #"{"v":1}"#))
    }

    @Test(arguments: [
        #"{"Variable":"$.v"}"#,
        #"{"Variable":"$.v","StringEquals":1}"#,
        #"{"Variable":"$.v","NumericEquals":"1"}"#,
        #"{"Variable":"$.v","BooleanEquals":1}"#,
        #"{"Variable":"$.v","TimestampEquals":"2016-12-05 21:29:29Z"}"#,
        #"{"Variable":"$.v","IsNull":"true"}"#,
        #"{"Variable":"$.v","StringEquals":"a","NumericEquals":1}"#,
        #"{"Variable":"$.v","StringEqualsPath":"nope"}"#,
        #"{"Variable":"v","StringEquals":"a"}"#,
        #"{"And":[]}"#,
        #"{"Not":[]}"#,
        #"{"Variable":"$.v","StringMatch":"x"}"#,
    ])
    func compileErrors(rule: String) {
        #expect(throws: ExpressionCompileError.self) { try ChoiceCondition(j(rule)) }
    }
}

@Suite struct ExpressionsTimestampTests {
    @Test(arguments: [
        "2016-03-14T01:59:00Z", "2016-03-14T01:59:00.123Z", "2016-03-14T01:59:00+01:00", "2016-03-14t01:59:00z",
        "2016-03-14T01:59Z", "2016-02-29T00:00:00.123456789-08:30", "2016-03-14T01:59:00+01:00:30",
    ])
    func accepted(text: String) {
        #expect(Timestamp(text) != nil)
    }

    @Test(arguments: [
        "2016-12-05 21:29:29Z", "2016-12-05T21:29:29", "2016-13-05T21:29:29Z", "2016-12-05T25:29:29Z",
        "05-12-2016T21:29:29Z", "2015-02-29T00:00:00Z", "2016-03-14T01:59:60Z", "2016-03-14T01:59:00.Z",
        "2016-03-14T01:59:00.1234567891Z", "2016-03-14T01:59:00+1:00", "", "2016-03-14T01:59:00Z ",
    ])
    func rejected(text: String) {
        #expect(Timestamp(text) == nil)
    }

    @Test func instantsAndFormatting() throws {
        let a = try #require(Timestamp("2016-03-14T01:59:00.5+01:00"))
        #expect(a == Timestamp("2016-03-14T00:59:00.500Z"))
        #expect(a.description == "2016-03-14T00:59:00.500Z")
        #expect(Timestamp(epochSeconds: 0).description == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp("1969-12-31T23:59:59Z")?.epochSeconds == -1)
        #expect(Timestamp("2019-03-26T20:14:13.192Z")!.formatted(fractionDigits: 0) == "2019-03-26T20:14:13Z")
        #expect(Timestamp("2000-01-01T00:00:00Z")! < Timestamp("2000-01-01T00:00:00.000000001Z")!)
    }
}
