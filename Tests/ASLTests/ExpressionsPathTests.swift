import ASLJSON
import Testing

@testable import ASL

fileprivate func j(_ text: String) -> JSONValue { try! JSONParser.parse(text) }
fileprivate func ctx(_ input: String, context: String = "{}", variables: [String: JSONValue] = [:]) -> ExpressionContext {
    ExpressionContext(input: j(input), contextObject: j(context), variables: variables)
}

@Suite struct ExpressionsPathTests {
    @Test(arguments: [
        ("$", #"{"a":1}"#, #"{"a":1}"#),
        ("$.a", #"{"a":1}"#, "1"),
        ("$.a.b", #"{"a":{"b":[1,2]}}"#, "[1,2]"),
        ("$.a[1]", #"{"a":[1,2]}"#, "2"),
        ("$.a[-1]", #"{"a":[1,2,3]}"#, "3"),
        ("$['a b']", #"{"a b":true}"#, "true"),
        ("$[\"x\"]", #"{"x":"y"}"#, #""y""#),
        ("$.a", #"{"a":null}"#, "null"),
        ("$.['a'].[1]", #"{"a":[1,2]}"#, "2"),
        ("$[0].detail", #"[{"detail":5}]"#, "5"),
    ])
    func definitePaths(path: String, input: String, expected: String) throws {
        let p = try JSONPath(path)
        #expect(p.isDefinite)
        #expect(p.evaluate(ctx(input)) == j(expected))
    }

    @Test(arguments: [
        ("$[*]", "{}", "[]"),
        ("$.items[*]", "{}", "[]"),
        ("$.items[1:]", "{}", "[]"),
        ("$.items[*].v", #"{"items":[{"v":1},{"w":2},{"v":3}]}"#, "[1,3]"),
        ("$.a[1:3]", #"{"a":[0,1,2,3,4]}"#, "[1,2]"),
        ("$.a[:2]", #"{"a":[0,1,2,3,4]}"#, "[0,1]"),
        ("$.a[-2:]", #"{"a":[0,1,2,3,4]}"#, "[3,4]"),
        ("$.a[0,2]", #"{"a":[0,1,2,3,4]}"#, "[0,2]"),
        ("$.*", #"{"a":1,"b":[2]}"#, "[1,[2]]"),
        ("$..*", #"{"a":{"b":1},"c":[2]}"#, #"[{"b":1},[2],1,2]"#),
        ("$..[0]", #"{"a":[1,[2]]}"#, "[1,2]"),
        ("$..id", #"{"id":1,"c":[{"id":2},{"x":{"id":3}}]}"#, "[1,2,3]"),
        ("$.users[?(@.status == 0)]", #"{"users":[{"year":1997,"status":0},{"year":1998,"status":1}]}"#, #"[{"year":1997,"status":0}]"#),
        ("$.a[?(@.p > 1 && @.p <= 3)].p", #"{"a":[{"p":1},{"p":2},{"p":3},{"p":4}]}"#, "[2,3]"),
        ("$.a[?(@.t)]", #"{"a":[{"t":1},{"u":2}]}"#, #"[{"t":1}]"#),
        ("$.a[?(@.n == 'x' || !(@.m))]", #"{"a":[{"n":"x","m":1},{"n":"y","m":1},{"n":"z"}]}"#, #"[{"n":"x","m":1},{"n":"z"}]"#),
        ("$.a[?(@.n =~ /ab.*/i)].n", #"{"a":[{"n":"ABc"},{"n":"xab"}]}"#, #"["ABc"]"#),
        ("$.a[?(@.n in ['x','y'])].n", #"{"a":[{"n":"x"},{"n":"q"}]}"#, #"["x"]"#),
        ("$.a[?(@.p < $.max)].p", #"{"max":2,"a":[{"p":1},{"p":2}]}"#, "[1]"),
    ])
    func indefinitePaths(path: String, input: String, expected: String) throws {
        let p = try JSONPath(path)
        #expect(!p.isDefinite)
        #expect(p.evaluate(ctx(input)) == j(expected))
    }

    @Test func contextAndVariableRoots() throws {
        let c = ctx(#"{"a":1}"#, context: #"{"Execution":{"Name":"n"}}"#, variables: ["myVar": j(#"{"f":[10,20]}"#)])
        #expect(try JSONPath("$$.Execution.Name").evaluate(c) == "n")
        #expect(try JSONPath("$$").evaluate(c) == j(#"{"Execution":{"Name":"n"}}"#))
        #expect(try JSONPath("$myVar.f[1]").evaluate(c) == 20)
        #expect(try JSONPath("$myVar").evaluate(c) == j(#"{"f":[10,20]}"#))
        #expect(try JSONPath("$other").evaluate(c) == nil)
        #expect(try JSONPath("$myVar").root == .variable("myVar"))
    }

    @Test func escapedQuoteInBracketNameIsKeptAsWritten() throws {
        // AWS [SNAP escape_sequences_jsonpath]: `$['Test\""Name"']` reads the key `Test\""Name"`.
        let p = try JSONPath(#"$['Test\""Name"']"#)
        #expect(p.evaluate(ctx(#"{"Test\\\"\"Name\"":"v"}"#)) == "v")
    }

    @Test(arguments: [
        ("$.NoSuchInputPath", "{}", "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']"),
        ("$.no.such.path", "{}", "Invalid path '$.no.such.path' : Missing property in path $['no']"),
        ("$.a.b", #"{"a":{}}"#, "Invalid path '$.a.b' : No results for path: $['a']['b']"),
        ("$.a[3]", #"{"a":[1]}"#, "Invalid path '$.a[3]' : No results for path: $['a'][3]"),
    ])
    func selectErrors(path: String, input: String, cause: String) throws {
        let p = try JSONPath(path)
        #expect(throws: StatesError.runtime(cause)) { try p.select(ctx(input)) }
    }

    @Test(arguments: ["", "a", "$.", "$[", "$['a'", "$.a[x]", "$..", "$.a b"])
    func invalidPaths(path: String) {
        #expect(throws: ExpressionCompileError.self) { try JSONPath(path) }
    }

    @Test func compiledFormsAreSendableAndShareable() async throws {
        let template = try PayloadTemplate(j(#"{"v.$":"$.n","s.$":"States.Format('n={}', $.n)","r.$":"$.l[*].k"}"#))
        let condition = try ChoiceCondition(j(#"{"Variable":"$.n","NumericGreaterThan":50}"#))
        let results = await withTaskGroup(of: Bool.self, returning: [Bool].self) { group in
            for n in 0..<100 {
                group.addTask {
                    let c = ExpressionContext(input: j("{\"n\":\(n),\"l\":[{\"k\":\(n)}]}"))
                    let out = try? template.evaluate(c)
                    let ok = out == j("{\"v\":\(n),\"s\":\"n=\(n)\",\"r\":[\(n)]}")
                    return ok && (try? condition.evaluate(c)) == (n > 50)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 100 && results.allSatisfy { $0 })
    }

    @Test func normalizedRendering() throws {
        #expect(try JSONPath("$.a[0]['b c']").normalized == "$['a'][0]['b c']")
    }

    @Test func referencePaths() throws {
        #expect(try ReferencePath("$.a.b[0]").text == "$.a.b[0]")
        #expect(throws: ExpressionCompileError.self) { try ReferencePath("$.a[*]") }
        #expect(throws: ExpressionCompileError.self) { try ReferencePath("$..a") }
        #expect(try ReferencePath("$$.Execution").isWritable == false)
        #expect(try ReferencePath("$.x").isWritable)
    }

    @Test(arguments: [
        ("$", #"{"a":1}"#, #""r""#, #""r""#),
        ("$.r", #"{"a":1}"#, "5", #"{"a":1,"r":5}"#),
        ("$.a", #"{"a":1,"b":2}"#, "[]", #"{"a":[],"b":2}"#),
        ("$.a.b.c", #"{"x":0}"#, "true", #"{"x":0,"a":{"b":{"c":true}}}"#),
        ("$.a.b", #"{"a":{"z":1}}"#, "null", #"{"a":{"z":1,"b":null}}"#),
        ("$.l[1].v", #"{"l":[{},{}]}"#, "1", #"{"l":[{},{"v":1}]}"#),
    ])
    func resultPathSet(path: String, input: String, value: String, expected: String) throws {
        let p = try ReferencePath(path)
        #expect(try p.set(j(value), into: j(input)) == j(expected))
    }

    @Test func resultPathSetDoesNotMutateOriginal() throws {
        let original = j(#"{"a":{"b":1}}"#)
        let updated = try ReferencePath("$.a.c").set(2, into: original)
        #expect(original == j(#"{"a":{"b":1}}"#))
        #expect(updated == j(#"{"a":{"b":1,"c":2}}"#))
    }

    @Test(arguments: [
        ("$.r", #""str""#),
        ("$.a.b", #"{"a":"text"}"#),
        ("$.l[5]", #"{"l":[1]}"#),
    ])
    func resultPathSetFailures(path: String, input: String) throws {
        // ASL specification ("Errors") and the Developer Guide's error-handling page: a ResultPath
        // that cannot be applied to the input is States.ResultPathMatchFailure.
        let p = try ReferencePath(path)
        let error = #expect(throws: StatesError.self) { try p.set(1, into: j(input)) }
        #expect(error?.error == "States.ResultPathMatchFailure")
        #expect(error?.cause?.hasPrefix("Invalid path '\(path)' : ") == true)
    }
}
