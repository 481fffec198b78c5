import ASLJSON
import Testing

@testable import ASL

fileprivate func j(_ text: String) -> JSONValue { try! JSONParser.parse(text) }

@Suite struct ExpressionsPayloadTests {
    @Test func copiesLiteralsAndEvaluatesPaths() throws {
        let t = try PayloadTemplate(j(#"""
            {"lit":"$.x","n":1,"v.$":"$.x","ctx.$":"$$.Execution.Name","var.$":"$count",
             "nested":{"a.$":"$.y[0]","b":[1,{"c.$":"$.x"},"$.x"]},"const":{"k":[1,2]}}
            """#))
        #expect(!t.isConstant)
        let c = ExpressionContext(input: j(#"{"x":"X","y":[true]}"#), contextObject: j(#"{"Execution":{"Name":"E"}}"#),
                                  variables: ["count": 3])
        #expect(try t.evaluate(c) == j(#"""
            {"lit":"$.x","n":1,"v":"X","ctx":"E","var":3,"nested":{"a":true,"b":[1,{"c":"X"},"$.x"]},"const":{"k":[1,2]}}
            """#))
    }

    @Test func constantTemplateIsPrebuilt() throws {
        let t = try PayloadTemplate(j(#"{"a":{"b":[1,"$.x"]}}"#))
        #expect(t.isConstant)
        #expect(t.constantValue == j(#"{"a":{"b":[1,"$.x"]}}"#))
    }

    @Test func keyOrderFollowsTheTemplate() throws {
        let t = try PayloadTemplate(j(#"{"z":1,"a.$":"$.a","m":2}"#))
        let out = try t.evaluate(ExpressionContext(input: j(#"{"a":0}"#)))
        #expect(JSONWriter.string(out) == #"{"z":1,"a":0,"m":2}"#)
    }

    @Test func nullValueIsNotMissing() throws {
        let t = try PayloadTemplate(j(#"{"v.$":"$.a"}"#))
        #expect(try t.evaluate(ExpressionContext(input: j(#"{"a":null}"#))) == j(#"{"v":null}"#))
    }

    @Test(arguments: [
        (#"{"value.$":"$.no_such_jsonpath"}"#,
         "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{\"a\":1,\"b\":[1,2]}'"),
        (#"{"value.$":"$$.Execution.Input.no_such_jsonpath"}"#,
         "The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{\"a\":1,\"b\":[1,2]}'"),
        (#"{"outer":{"deep.$":"$.b[7]"}}"#,
         "The JSONPath '$.b[7]' specified for the field 'deep.$' could not be found in the input '{\"a\":1,\"b\":[1,2]}'"),
    ])
    func missingPathCause(template: String, cause: String) throws {
        let t = try PayloadTemplate(j(template))
        let c = ExpressionContext(input: j(#"{"a": 1, "b": [1, 2]}"#), contextObject: j(#"{"Execution":{"Input":{}}}"#))
        #expect(throws: StatesError.runtime(cause)) { try t.evaluate(c) }
    }

    @Test(arguments: [
        #"{"parsed.$":"literal"}"#,
        #"{"parsed.$":"States.Nope($.a)"}"#,
        #"{"parsed.$":5}"#,
        #"{"parsed.$":"States.StringToJson('{\"text\":\"An \\\"escaped\\\" here\"}')"}"#,
    ])
    func invalidDynamicValues(template: String) {
        let error = #expect(throws: ExpressionCompileError.self) { try PayloadTemplate(j(template)) }
        #expect(error?.message == "The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic function call")
    }

    @Test func intrinsicInTemplate() throws {
        let t = try PayloadTemplate(j(#"{"greeting.$":"States.Format('Hello, {}!', $.name)"}"#))
        #expect(try t.evaluate(ExpressionContext(input: j(#"{"name":"Ann"}"#))) == j(#"{"greeting":"Hello, Ann!"}"#))
    }

    @Test func singleExpressionForErrorPath() throws {
        let e = try PayloadTemplate.Expression("$.ErrorX", field: "ErrorPath")
        #expect(throws: StatesError.runtime("The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the input '{}'")) {
            try e.evaluate(ExpressionContext(input: j("{}")), field: "ErrorPath")
        }
    }

    @Test func laterDuplicateKeyWins() throws {
        let t = try PayloadTemplate(j(#"{"a":1,"a.$":"$.v"}"#))
        #expect(try t.evaluate(ExpressionContext(input: j(#"{"v":2}"#))) == j(#"{"a":2}"#))
    }
}
