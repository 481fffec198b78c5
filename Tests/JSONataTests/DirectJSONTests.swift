import ASLJSON
import Testing
@testable import JSONata

/// The DirectJSON shortcut must give exactly what the general evaluator gives, for every
/// expression it accepts; where it declines (returns nil) the general evaluator runs instead.
@Suite struct DirectJSONTests {
    static let states: JSONValue = [
        "input": [
            "id": 7, "name": "Ada", "ratio": 1.0, "big": .number(.big("123456789012345678901")),
            "nested": ["a": ["b": "deep"], "list": [1, 2, 3], "one": [["x": 1]]],
            "tags": ["t1", "t2"], "nothing": nil, "flag": true, "obj": ["k": "v"],
        ],
        "result": ["Payload": ["ok": true]],
    ]
    static let other: JSONValue = ["x": 1, "s": "str"]

    static let expressions = [
        "$states.input.id", "$states.input.name", "$states.input.ratio", "$states.input.big",
        "$states.input.nested.a.b", "$states.input.nested.list", "$states.input.nested.one.x",
        "$states.input.missing", "$states.input.nothing", "$states.input.flag", "$states.input.tags",
        "$other.s & ' and ' & $states.input.name", "$states.input.id & 'x'", "$states.input.missing & 'x'",
        "{'a': $states.input.id, 'b': $states.input.nested}", "{'a': $states.input.missing}",
        "[$states.input.tags, $states.input.id]", "[$states.input.nested.list]",
        "$merge([$states.input, {'extra': $other.x}])", "$merge([$states.input.obj, {'k': 'w'}])",
        "$merge([$states.input.name, {'k': 1}])", "$merge($states.input.tags)", "$states.result.Payload",
        "'literal'", "$states", "$other",
    ]

    @Test(arguments: expressions)
    func shortcutAgreesWithTheEvaluator(_ source: String) throws {
        let expression = try JSONataExpression(source)
        let bindings: [(String, JSONValue)] = [("states", Self.states), ("other", Self.other)]
        let general = Result { () throws(JSONataError) -> JSONataResult in
            try expression.evaluateGeneral(input: nil, bindingList: bindings, environment: .init())
        }
        guard expression.direct, let shortcut = DirectJSON.evaluate(expression.root, bindings) else { return }
        let expected = try general.get()
        switch shortcut {
        case .value(let v): #expect(expected == .value(v), "\(source)")
        case .undefined: #expect(expected == .undefined, "\(source)")
        }
    }

    /// Results written by hand from JSONata's rules, so the comparison above cannot pass with both
    /// paths wrong in the same way: `&` turns undefined into "", an object constructor drops an
    /// undefined value, `$merge` lets the later key win.
    static let handWritten: [(String, JSONataResult)] = [
        ("$states.input.name", .value("Ada")),
        ("$states.input.nested.a.b", .value("deep")),
        ("$states.input.missing", .undefined),
        ("$states.input.id & 'x'", .value("7x")),
        ("$states.input.missing & 'x'", .value("x")),
        ("$other.s & ' and ' & $states.input.name", .value("str and Ada")),
        ("{'a': $states.input.missing}", .value(.object([:]))),
        ("$merge([$states.input.obj, {'k': 'w'}])", .value(["k": "w"])),
        ("'literal'", .value("literal")),
    ]

    @Test func bothPathsGiveTheHandWrittenResults() throws {
        let bindings: [(String, JSONValue)] = [("states", Self.states), ("other", Self.other)]
        var decided = 0
        for (source, expected) in Self.handWritten {
            let expression = try JSONataExpression(source)
            let general = try expression.evaluateGeneral(input: nil, bindingList: bindings, environment: .init())
            #expect(general == expected, "\(source) (general evaluator)")
            // Where the shortcut declines (nil), the general evaluator above is what runs.
            guard let shortcut = DirectJSON.evaluate(expression.root, bindings) else { continue }
            decided += 1
            switch shortcut {
            case .value(let v): #expect(JSONataResult.value(v) == expected, "\(source) (shortcut)")
            case .undefined: #expect(JSONataResult.undefined == expected, "\(source) (shortcut)")
            }
        }
        #expect(decided >= Self.handWritten.count - 2, "the shortcut decided \(decided) of \(Self.handWritten.count)")
    }

    @Test func mostOfTheListIsDecidedByTheShortcut() throws {
        let bindings: [(String, JSONValue)] = [("states", Self.states), ("other", Self.other)]
        var decided = 0
        for source in Self.expressions {
            let e = try JSONataExpression(source)
            if e.direct, DirectJSON.evaluate(e.root, bindings) != nil { decided += 1 }
        }
        // The comparison above is only meaningful if the shortcut actually answers most cases.
        #expect(decided >= Self.expressions.count / 2, "the shortcut decided \(decided) of \(Self.expressions.count)")
    }

    @Test func theShortcutCoversTheCommonShapes() throws {
        for source in ["$states.input.id", "$other.s & 'x'", "{'a': $states.input.id}", "$merge([$states.input, {'a': 'x'}])"] {
            #expect(try JSONataExpression(source).direct, "\(source)")
        }
    }
}
