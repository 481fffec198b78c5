import ASLJSON
import Foundation
import Testing

import JSONata

private func eval(_ source: String, _ input: JSONValue? = nil, bindings: [String: JSONValue] = [:],
                  environment: JSONataEnvironment = JSONataEnvironment(randomSeed: 7)) throws -> JSONValue? {
    try JSONataExpression(source).evaluate(input: input, bindings: bindings, environment: environment)
}

private func errorCode(_ source: String, _ input: JSONValue? = nil) -> String? {
    do {
        _ = try JSONataExpression(source).evaluate(input: input)
        return nil
    } catch {
        return error.code
    }
}

@Suite struct AWSAdditionsTests {
    @Test(arguments: [
        ("$partition([0,1,2,3], 2)", "[[0,1],[2,3]]"),
        ("$partition([0,1,2], 2)", "[[0,1],[2]]"),
        ("$partition([0,1,2], 5)", "[[0,1,2]]"),
        ("$partition([0], 1)", "[[0]]"),
        ("$range(0, 9, 3)", "[0,3,6,9]"),
        ("$range(0, 10, 3)", "[0,3,6,9]"),
        ("$range(1, 9, 2)", "[1,3,5,7,9]"),
        ("$range(1, 9, 9)", "1"),
        ("$range(5, 1, -2)", "[5,3,1]"),
        // Guide, "Transforming data with JSONata" (transforming-data.html): the functions Step
        // Functions adds round non-integer numbers down.
        ("$partition([1,2,3,4,5], 2.7)", "[[1,2],[3,4],[5]]"),
        ("$range(0.9, 5.5, 2.9)", "[0,2,4]"),
        ("$range(-1.5, 1, 1)", "[-2,-1,0,1]"),
        ("$parse('-0')", "0"),
        ("$parse('1.1')", "1.1"),
        ("$parse('\"HelloWorld\"')", "\"HelloWorld\""),
        ("$parse('[1, 2, \"HelloWorld\"]')", "[1,2,\"HelloWorld\"]"),
        ("$parse('{\"Arg1\": 1, \"Arg2\": []}')", "{\"Arg1\":1,\"Arg2\":[]}"),
    ])
    func function(_ expression: String, _ expected: String) throws {
        let result = try eval(expression)
        #expect(result.map { JSONWriter.string($0) } == expected)
    }

    /// Rounding down keeps AWS's errors for what is still invalid: a size below 1, a zero step.
    @Test(arguments: ["$partition([1,2], 0.9)", "$range(1, 5, 0.5)"])
    func roundedArgumentsThatAreStillInvalidFail(_ expression: String) {
        #expect(errorCode(expression) == "D3030")
    }

    @Test(arguments: [
        ("abc", "MD5", "900150983cd24fb0d6963f7d28e17f72"),
        ("abc", "SHA-1", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abc", "SHA-256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abc", "SHA-384", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
        ("abc", "SHA-512", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
        ("", "SHA-256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("", "MD5", "d41d8cd98f00b204e9800998ecf8427e"),
        (String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 5), "MD5", "324f76167dff4d4cb90af04ef16c3ad8"),
        (String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 5), "SHA-1", "657466ea98e3676c698822a2a811aa9e059e2340"),
        (String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 5), "SHA-256", "8a9eeb29b20c994c4ba92ab776d1b7aa62245dae9ca6519c41ee429fba7ed106"),
        (String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 5), "SHA-384", "cd694d52f8df77cb578586ab82c500af8024d3b9c893dd4b02ce9b1e4a11dd9258f99f1231cf5b796b1af8d25e917589"),
        (String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 5), "SHA-512", "8370052f3bd369402c1f03993cb3291f8235e0cac2e7858fecd40f13a5dfcbe78e1e49b236dfcae8a61620a7e64632f38b46278742841752174d955fc100d949"),
        ("héllo ✓", "SHA-256", "5657cdef8a85a584e0e961e6f8247cf5d3f8ed21496ed6fdbcfd43a761e94245"),
    ])
    func hash(_ text: String, _ algorithm: String, _ digest: String) throws {
        let result = try eval("$hash($s, $a)", bindings: ["s": .string(text), "a": .string(algorithm)])
        #expect(result == .string(digest))
    }

    @Test func unknownHashAlgorithmIsAnError() {
        #expect(errorCode("$hash('abc', 'SHA-999')") != nil)
    }

    @Test func seededRandomIsDeterministicAndInRange() throws {
        let a = try eval("$random(42)"), b = try eval("$random(42)"), c = try eval("$random(43)")
        #expect(a == b)
        #expect(a != c)
        // java.util.Random(42).nextDouble()
        #expect(a == .double(0.7275636800328681))
        let values = try #require(try eval("[1..200].$random()")?.arrayValue)
        #expect(values.count == 200)
        for v in values {
            let d = try #require(v.numberValue?.doubleValue)
            #expect(d >= 0 && d < 1)
        }
    }

    @Test func uuidComesFromTheEnvironment() throws {
        let env = JSONataEnvironment(uuid: { "00000000-0000-4000-8000-000000000000" })
        #expect(try eval("$uuid()", environment: env) == .string("00000000-0000-4000-8000-000000000000"))
        let real = try #require(try eval("$uuid()")?.stringValue)
        #expect(real.count == 36 && real.split(separator: "-").count == 5)
    }

    @Test func clockIsInjectableAndFixedPerEvaluation() throws {
        let env = JSONataEnvironment(clock: { 1_700_000_000_000 })
        #expect(try eval("$millis()", environment: env) == .int(1_700_000_000_000))
        #expect(try eval("$now()", environment: env) == .string("2023-11-14T22:13:20.000Z"))
        #expect(try eval("$now() = $now()") == .bool(true))
    }

    @Test func unavailableFunctionsAreNotFunctions() {
        #expect(errorCode("$randomSeeded(1)") == "T1006")
        #expect(errorCode("$eval('1 + 1')") == "T1006")
    }

    @Test(arguments: ["a ?? b", "a ?: b", "$x ?? 1"])
    func jsonata21OperatorsAreRejected(_ source: String) {
        #expect(throws: JSONataError.self) { _ = try JSONataExpression(source) }
    }
}

@Suite struct RegexEngineTests {
    @Test func nestedQuantifierOnLongInputCompletesWithCorrectAnswer() throws {
        // Exponential for a backtracking engine; linear for the Pike VM.
        let subject = String(repeating: "a", count: 5000) + "b"
        #expect(try eval("$contains($s, /^(a+)+$/)", bindings: ["s": .string(subject)]) == .bool(false))
        #expect(try eval("$contains($s, /(a|aa)+b$/)", bindings: ["s": .string(subject)]) == .bool(true))
        #expect(try eval("$contains($s, /(a*)*c/)", bindings: ["s": .string(subject)]) == .bool(false))
    }

    @Test func submatchesFollowBacktrackingPriorities() throws {
        #expect(try eval("$match('aaa', /(a+?)(a*)/).groups") == ["a", "aa"])
        #expect(try eval("$match('abcabc', /(?:b|c)+/).match") == ["bc", "bc"])
        #expect(try eval("$replace('John Smith', /(\\w+)\\s(\\w+)/, '$2, $1')") == "Smith, John")
        #expect(try eval("$match('x1y22z333', /[0-9]{2,}/).index") == [3, 6])
        #expect(try eval("$contains('Hello', /^hello$/i)") == .bool(true))
        #expect(try eval("$split('a1b2c', /\\d/)") == ["a", "b", "c"])
        #expect(try eval("$contains('foobar', /foo(?=bar)/)") == .bool(true))
        #expect(try eval("$contains('foobaz', /foo(?!baz)/)") == .bool(false))
    }

    @Test func unsupportedFeaturesAreCompileErrors() {
        #expect(throws: JSONataError.self) { _ = try JSONataExpression("$match('aa', /(a)\\1/)") }
        #expect(throws: JSONataError.self) { _ = try JSONataExpression("$match('aa', /(?<=a)a/)") }
    }
}

@Suite struct LanguageBehaviourTests {
    @Test func numbersFollowJSONataButIntegersPrintAsIntegers() throws {
        #expect(try eval("1 + 1") == .int(2))
        #expect(try eval("7 / 2") == .double(3.5))
        #expect(try eval("$string(1/3)") == .string("0.333333333333333"))
        #expect(try eval("$sum([0.1, 0.2])") == .double(0.30000000000000004))
    }

    @Test func errorsCarryCodeMessagePositionAndToken() throws {
        do {
            _ = try eval("\"s\" - 1")
            Issue.record("expected an error")
        } catch let error as JSONataError {
            #expect(error.code == "T2001")
            // jsonata-js renders {{token}} inserts with JSON.stringify.
            #expect(error.message == "The left side of the \"-\" operator must evaluate to a number")
            #expect(error.token == "-")
            #expect(error.position != nil)
        }
        do {
            _ = try JSONataExpression("1 + ")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == "S0207")
        }
        #expect(errorCode("$substring('abc', 'x')") == "T0410")
        #expect(errorCode("(1 + ") == "S0203")
        #expect(errorCode("foo.bar)") == "S0201")
    }

    @Test func bindingsAndStatesVariable() throws {
        let states: JSONValue = ["input": ["order": ["total": 12, "items": [1, 2, 3]]], "context": ["Execution": ["Id": "x"]]]
        #expect(try eval("$states.input.order.total * 2", bindings: ["states": states]) == .int(24))
        #expect(try eval("$count($states.input.order.items)", bindings: ["states": states]) == .int(3))
        #expect(try eval("$states.input.missing", bindings: ["states": states]) == nil)
    }

    @Test(arguments: [
        ("$formatBase(1e30, 2)", "\"1100100111110010110010011100110100000100011001110101000000000000000000000000000000000000000000000000\""),
        ("$formatBase(255, 16)", "\"ff\""),
        ("[1,2,3][1e300]", "undefined"),
        ("$fromMillis(1e300)", "D3137"),
        ("$pad('x', 1e300)", "D3137"),
        ("$partition([1,2], 1e300)", "[[1,2]]"),
        ("$split('a,b', ',', 1e300)", "[\"a\",\"b\"]"),
        ("1/0", "null"),  // Infinity, serialised as JSON.stringify does
        ("$string(1/0)", "D3001"),
    ])
    func extremeNumbersNeverTrap(_ source: String, _ expected: String) {
        var outcome: String
        do {
            outcome = try eval(source).map { JSONWriter.string($0) } ?? "undefined"
        } catch {
            outcome = (error as? JSONataError)?.code ?? "?"
        }
        #expect(outcome == expected)
    }

    @Test func referencesAreReportedForDefinitionChecks() throws {
        let e = try JSONataExpression("{'a': $states.result.Payload, 'b': $states.input[0].x, 'c': $count($states), 'd': $x}")
        #expect(Set(e.fieldPaths(following: "states")) == [["result", "Payload"], ["input"], []])
        #expect(e.referencedVariables == ["states", "x", "count"])
        #expect(try JSONataExpression("$states.input.a").fieldPaths(following: "states") == [["input", "a"]])
        #expect(try JSONataExpression("1 + 2").fieldPaths(following: "states").isEmpty)
    }

    @Test func functionResultsAreDistinguishedFromUndefined() throws {
        let fn = try JSONataExpression("function($x){$x}")
        #expect(try fn.evaluateResult(input: nil) == .function)
        #expect(try JSONataExpression("nothing").evaluateResult(input: ["a": 1]) == .undefined)
        #expect(try JSONataExpression("a").evaluateResult(input: ["a": 1]) == .value(.int(1)))
    }

    @Test func oneCompiledExpressionEvaluatesConcurrently() throws {
        let expression = try JSONataExpression("$sum(items.(price * qty)) & ' ' & $uppercase(name)")
        let failures = Synchronized(0)
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            let input: JSONValue = ["name": .string("n\(i)"), "items": [["price": .int(i), "qty": 2], ["price": 1, "qty": 1]]]
            let result = try? expression.evaluate(input: input)
            if result != .string("\(2 * i + 1) N\(i)") { failures.increment() }
        }
        #expect(failures.value == 0)
    }

    @Test func deepRecursionIsBoundedByTheDepthLimit() throws {
        let env = JSONataEnvironment(maxDepth: 200)
        do {
            _ = try eval("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000))", environment: env)
            Issue.record("expected U1001")
        } catch let error as JSONataError {
            #expect(error.code == "U1001")
        }
        // Tail calls do not nest.
        #expect(try eval("($f := function($n, $acc){ $n = 0 ? $acc : $f($n - 1, $acc + 1) }; $f(5000, 0))", environment: env) == .int(5000))
    }
}

@Suite struct StackSafetyTests {
    /// Runs `body` on a thread with a 512 KiB stack.
    static func onSmallStack(_ body: @escaping @Sendable () -> String) -> String {
        let box = ResultBox<String>()
        let thread = Thread {
            box.value = body()
            box.done.signal()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        box.done.wait()
        return box.value!
    }

    @Test func deepRecursionOnASmallStackFailsWithU1001() {
        let outcome = Self.onSmallStack {
            let env = JSONataEnvironment(maxDepth: .max)
            do {
                let r = try JSONataExpression("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))").evaluate(input: nil, environment: env)
                return "result \(String(describing: r))"
            } catch {
                return (error as? JSONataError)?.code ?? "?"
            }
        }
        #expect(outcome == "U1001")
    }

    @Test func deeplyNestedSourceIsRejectedNotACrash() {
        let outcome = Self.onSmallStack {
            let source = String(repeating: "(", count: 50_000) + "1" + String(repeating: ")", count: 50_000)
            do {
                _ = try JSONataExpression(source)
                return "compiled"
            } catch {
                return (error as? JSONataError)?.code ?? "?"
            }
        }
        #expect(outcome == "U1001")
    }

    @Test func longOperatorChainsEvaluateOrFailCleanly() {
        let outcome = Self.onSmallStack {
            let source = Array(repeating: "1", count: 20_000).joined(separator: " + ")
            do {
                let r = try JSONataExpression(source).evaluate(input: nil, environment: JSONataEnvironment(maxDepth: .max))
                return r.map { "\($0)" } ?? "undefined"
            } catch {
                return (error as? JSONataError)?.code ?? "?"
            }
        }
        #expect(outcome == "20000" || outcome == "U1001")
    }
}

final class Synchronized: @unchecked Sendable {
    private let lock = NSLock()
    private var count: Int
    init(_ value: Int) { count = value }
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
