import ASLJSON
import Testing

import JSONata

/// Inputs that used to trap inside JSONata functions (issue 12) are JSONata errors, with
/// jsonata-js's codes, or ordinary results.
@Suite struct JSONataTrapFreeTests {
    static func evaluate(_ source: String, _ input: String = "{}") throws -> JSONValue? {
        try JSONataExpression(source).evaluate(input: try JSONParser.parse(input), environment: JSONataEnvironment(randomSeed: 7))
    }

    static func code(_ source: String, _ input: String = "{}") -> String? {
        do {
            _ = try evaluate(source, input)
            return nil
        } catch let error as JSONataError {
            return error.code
        } catch {
            return "\(error)"
        }
    }

    @Test func lookaheadWithCapturingGroups() throws {
        // The lookahead's groups are the pattern's groups 1…: they used to index past the
        // sub-program's capture slots.
        // A zero-length match is jsonata-js's D1004, as for any other empty-matching pattern.
        #expect(Self.code(#"$match("xab", /(?=(a))/)"#) == "D1004")
        #expect(Self.code(#"$replace("aab", /(?=(a+)+b)/, "x")"#) == "D1004")
        let m = try Self.evaluate(#"$match("xab", /x(?=(a))/)"#)
        #expect(m?["match"] == "x")
        #expect(m?["index"] == 0)
        #expect(m?["groups"] == ["a"])
        #expect(try Self.evaluate(#"$replace("aab", /a(?=(a+)+b)/, "x")"#) == "xab")
        #expect(try Self.evaluate(#"$match("ab", /(x)(?!(a))b/)"#) == nil)
        #expect(try Self.evaluate(#"$contains("cab", /c(?=(a)(b))ab/)"#) == true)
    }

    @Test func searchesContinuePastPositionsWhereOnlyAnAssertionFailed() throws {
        #expect(try Self.evaluate(#"$match("xab", /(?=a)a/)"#)?["index"] == 1)
        #expect(try Self.evaluate(#"$match("x\na", /^a/m)"#)?["index"] == 2)
        #expect(try Self.evaluate(#"$contains("xyb", /(?!x)(?!y)/)"#) == true)
    }

    @Test func nestedLookaheadsShareTheInstructionCap() {
        // 200 lookaheads of 200 instructions each: over the 20 000 cap only when counted together.
        let pattern = String(repeating: "(?=" + String(repeating: "a", count: 199) + ")", count: 200)
        #expect(Self.code("$match(\"a\", /\(pattern)/)") != nil)
    }

    @Test(arguments: ["[Y,*-9223372036854775807]", "[Y,9223372036854775808-2]", "[Y,99999999999999999999999999]", "[MNn,*-99999999999]", "[D,200000000]"])
    func dateWidthsBeyondAnyStringAreInvalidStringLength(picture: String) {
        #expect(Self.code("$fromMillis(0, \"\(picture)\")") == "D3137")
    }

    @Test func timezonesBeyondTheCalendarAreInvalidTimeValues() throws {
        #expect(Self.code(#"$fromMillis(0, "[Y]", "99999999999999999999")"#) == "D3137")
        #expect(Self.code(#"$fromMillis(8.64e15, "[Y]", "-9999")"#) == nil)
        #expect(try Self.evaluate(#"$fromMillis(0, "[H01]", "+0130")"#) == "01")
    }

    @Test func rangesBeyond2To53EndAfterTheirCount() throws {
        // `x += 1` stops changing x past 2^53; the range used to loop forever there.
        let range = try Self.evaluate("[9007199254740992..9007199254740994]")
        #expect(range?.arrayValue?.count == 3)
    }

    @Test func customMatchersWithNegativeOffsetsAreClamped() throws {
        let matcher = #"function($s) { {"match": "b", "start": -5, "end": -3, "groups": []} }"#
        #expect(try Self.evaluate("$split(\"abc\", \(matcher), 1)") != nil)
        #expect(try Self.evaluate("$replace(\"abc\", \(matcher), \"x\", 1)") != nil)
    }

    @Test func negativeAndOrdinaryDateWidthsFormat() throws {
        #expect(try Self.evaluate(#"$fromMillis(0, "[Y,2-2]")"#) == "70")
        #expect(try Self.evaluate(#"$fromMillis(0, "[MNn,1--5]")"#) == "")
        #expect(try Self.evaluate(#"$fromMillis(0, "[D,5]")"#) == "00001")
    }

    @Test func romanNumeralsOfHugeNumbersAreInvalidStringLength() throws {
        #expect(Self.code(#"$formatInteger(1e19, "I")"#) == "D3137")
        #expect(Self.code(#"$formatInteger(-1e300, "i")"#) == "D3137")
        #expect(try Self.evaluate(#"$formatInteger(1994, "I")"#) == "MCMXCIV")
        #expect(try Self.evaluate(#"$formatInteger(1e19, "w")"#) != nil)
        #expect(try Self.evaluate(#"$formatInteger(1e19, "A")"#) != nil)
    }
}
