import ASL
import ASLJSON
import Dispatch

/// (f) A whole execution: the fuzz bytes choose a small state machine from a grammar of
/// states (every transition goes forward, so each execution ends) and the values of its
/// input, then the engine runs it on a virtual clock. The execution must finish with a
/// result, whatever the values.
enum FuzzExecution {
    static let engine: Engine = {
        var configuration = EngineConfiguration()
        configuration.workers = 1
        configuration.clock = .virtual
        configuration.environment = ExecutionEnvironment()
        return Engine(configuration)
    }()

    /// Values that have broken integer conversions, ranges and formatting before.
    static let values: [String] = [
        "0", "1", "-1", "2", "1.5", "-0.5", "1e19", "-1e19", "-9e18", "9e18", "1e16", "2147483648", "-2147483649",
        "9223372036854775807", "-9223372036854775808", "123456789012345678901234567890", "1e308", "100", "0.0001",
        "\"3\"", "\"1e19\"", "\"abc\"", "\"\"", "null", "true", "[]", "[1,2,3]", "{}", "{\"k\":1}",
        "\"2016-03-14T01:59:00Z\"", "\"9999-12-31T23:59:59Z\"", "\"0000-01-01T00:00:00Z\"", "-2147483648", "99999999",
        "100000000", "[1e19,\"x\",null,[],{}]",
    ]

    /// JSONPath-mode payload fragments (the `.$` value of a Parameters field).
    static let paths: [String] = [
        "$.a", "$.b", "$.items", "$.items[0]", "$.items[-1:]", "$.items[?(@ > 1)]", "$.items[1:1e19]",
        "States.MathRandom($.a, $.b)", "States.MathAdd($.a, $.b)", "States.ArrayRange($.a, $.b, $.a)",
        "States.ArrayPartition($.items, $.a)", "States.ArrayGetItem($.items, $.a)", "States.Format('{} {}', $.a, $.b)",
        "States.StringToJson($.s)", "States.JsonToString($)", "States.MathRandom($.a, $.b, $.a)",
        "States.Base64Decode($.s)", "States.Hash($.s, 'SHA-256')", "States.StringSplit($.s, ',')", "$$.Execution.Input",
    ]

    /// JSONata expressions for `Output`, `Seconds`, `Items`, `MaxConcurrency`, … fields.
    static let expressions: [String] = [
        "$states.input.a", "$states.input.b", "$states.input.items", "$round($states.input.a, $states.input.b)",
        "$power($states.input.a, $states.input.b)", "$substring($string($states.input.s), $states.input.a, $states.input.b)",
        "$pad(\"x\", $states.input.a)", "$formatInteger($states.input.a, \"I\")", "$formatNumber($states.input.a, \"#,##0.00\")",
        "$fromMillis($states.input.a)", "$toMillis($string($states.input.s))", "[1..$states.input.a]", "$states.input.items[$states.input.a]",
        "$random()", "$partition($states.input.items, $states.input.a)", "$range(0, $states.input.a, $states.input.b)",
        "$match($string($states.input.s), /(a)(?=(b))/)", "$replace($string($states.input.s), /a+/, \"x\")",
        "$formatBase($states.input.a, $states.input.b)", "$split($string($states.input.s), \",\", $states.input.a)",
        "$string($states.input)", "$number($states.input.s)", "$abs($states.input.a)", "$floor($states.input.a)",
    ]

    static func run(_ bytes: [UInt8]) {
        var r = ByteReader(bytes)
        let jsonata = r.next() & 1 == 1
        var input = JSONObject()
        for key in ["a", "b", "s"] { input[key] = try? JSONParser.parse(r.pick(values)) }
        input["items"] = .array((0..<Int(r.next() % 4)).map { _ in (try? JSONParser.parse(r.pick(values))) ?? .null })
        let definition = machine(&r, jsonata: jsonata, states: 1 + Int(r.next() % 5), depth: 0)
        guard let machine = try? StateMachine(definition: JSONWriter.string(definition), name: "Fuzz") else { return }
        let done = DispatchSemaphore(value: 0)
        engine.start(machine, input: .object(input)) { _ in done.signal() }
        fuzzCheck(done.wait(timeout: .now() + 30) == .success, "execution did not finish: \(JSONWriter.string(definition))")
    }

    static func machine(_ r: inout ByteReader, jsonata: Bool, states count: Int, depth: Int) -> JSONValue {
        var states = JSONObject()
        for i in 0..<count {
            let next: JSONValue? = i + 1 < count ? .string("S\(i + 1)") : nil
            states["S\(i)"] = state(&r, jsonata: jsonata, next: next, later: (i + 1..<count).map { "S\($0)" }, depth: depth)
        }
        var m = JSONObject()
        if jsonata && depth == 0 { m["QueryLanguage"] = "JSONata" }
        m["StartAt"] = "S0"
        m["States"] = .object(states)
        return .object(m)
    }

    static func state(_ r: inout ByteReader, jsonata: Bool, next: JSONValue?, later: [String], depth: Int) -> JSONValue {
        var s = JSONObject()
        func end() { if let next { s["Next"] = next } else { s["End"] = true } }
        func expr() -> JSONValue { .string("{% " + r.pick(expressions) + " %}") }
        func numberField(_ name: String) {
            if jsonata { s[name] = expr() } else { s[name + "Path"] = .string(r.pick(["$.a", "$.b", "$.s"])) }
        }
        switch r.next() % (depth < 2 ? 7 : 5) {
        case 0:
            s["Type"] = "Pass"
            if jsonata { s["Output"] = ["v": expr(), "w": expr()] } else { s["Parameters"] = ["v.$": .string(r.pick(paths)), "w.$": .string(r.pick(paths))] }
            end()
        case 1:
            s["Type"] = "Wait"
            if jsonata { s["Seconds"] = expr() } else if r.next() & 1 == 0 { s["SecondsPath"] = .string(r.pick(["$.a", "$.b", "$.s"])) } else {
                s["TimestampPath"] = .string(r.pick(["$.a", "$.s"]))
            }
            end()
        case 2:
            guard let next, let target = later.last else { s["Type"] = "Succeed"; break }
            s["Type"] = "Choice"
            let variable = r.pick(["$.a", "$.b", "$.s"])
            let rule: JSONValue
            if jsonata {
                rule = ["Condition": expr(), "Next": .string(target)]
            } else {
                let op = r.pick(["NumericEqualsPath", "NumericLessThan", "StringMatches", "TimestampEqualsPath", "IsPresent", "NumericGreaterThanEqualsPath"])
                let operand: JSONValue
                switch op {
                case "NumericLessThan": operand = (try? JSONParser.parse(r.pick(values.filter { Double($0) != nil }))) ?? 0
                case "StringMatches": operand = .string(r.pick(["a*", "*\\*", "", "**b"]))
                case "IsPresent": operand = .bool(r.next() & 1 == 0)
                default: operand = .string(r.pick(["$.a", "$.b", "$.s"]))
                }
                var o = JSONObject()
                o["Variable"] = .string(variable)
                o[op] = operand
                o["Next"] = .string(target)
                rule = .object(o)
            }
            s["Choices"] = [rule]
            s["Default"] = next
        case 3:
            s["Type"] = "Fail"
            if jsonata { s["Error"] = "E"; s["Cause"] = expr() } else { s["ErrorPath"] = .string(r.pick(paths)); s["Cause"] = "c" }
        case 4:
            s["Type"] = "Succeed"
        case 5:
            s["Type"] = "Map"
            if jsonata { s["Items"] = expr() } else { s["ItemsPath"] = "$.items" }
            s["ItemProcessor"] = machine(&r, jsonata: jsonata, states: 1 + Int(r.next() % 2), depth: depth + 1)
            if r.next() & 1 == 0 { numberField("MaxConcurrency") }
            if r.next() & 1 == 0 { numberField("ToleratedFailureCount") }
            if r.next() & 1 == 0 { numberField("ToleratedFailurePercentage") }
            end()
        default:
            s["Type"] = "Parallel"
            s["Branches"] = .array((0..<1 + Int(r.next() % 2)).map { _ in machine(&r, jsonata: jsonata, states: 1 + Int(r.next() % 2), depth: depth + 1) })
            end()
        }
        return .object(s)
    }
}

/// Reads the fuzz bytes as a stream of choices (zeros once they run out).
struct ByteReader {
    let bytes: [UInt8]
    var position = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    mutating func next() -> UInt8 {
        defer { position += 1 }
        return position < bytes.count ? bytes[position] : 0
    }
    mutating func pick<T>(_ options: [T]) -> T { options[Int(next()) % options.count] }
}
