import ASLJSON
import Testing

@testable import ASL

fileprivate func j(_ text: String) -> JSONValue { try! JSONParser.parse(text) }
fileprivate func run(_ call: String, _ input: String = "{}", context: String = "{}") throws -> JSONValue {
    let c = ExpressionContext(input: j(input), contextObject: j(context), variable: { $0 == "v" ? "var" : nil },
                              uuid: { "00000000-0000-4000-8000-000000000000" }, randomInteger: { lo, _ in lo })
    return try IntrinsicFunction(call).evaluate(c)
}

@Suite struct ExpressionsIntrinsicTests {
    @Test(arguments: [
        ("States.Format('Formatting argument {}.', $.a)", #"{"a":"HelloWorld"}"#, #""Formatting argument HelloWorld.""#),
        ("States.Format('x={}', $.a)", #"{"a":null}"#, #""x=null""#),
        ("States.Format('x={}', $.a)", #"{"a":1.1}"#, #""x=1.1""#),
        ("States.Format('v={}', $.a)", #"{"a":{"Arg1":1,"Arg2":[]}}"#, #""v={Arg1=1, Arg2=[]}""#),
        ("States.Format('v={}', $.a)", #"{"a":[1,"s",{"k":true}]}"#, #""v=[1, s, {k=true}]""#),
        (#"States.Format('x\{\}')"#, "{}", #""x{}""#),
        (#"States.Format('it\'s {} \\ {}', 1, true)"#, "{}", #""it's 1 \\ true""#),
        ("States.Format($.t, 'a', 2)", #"{"t":"{}-{}"}"#, #""a-2""#),
        ("States.Format('{} {}', $v, null)", "{}", #""var null""#),
        ("States.StringToJson($.s)", #"{"s":"[1, 2, \"HelloWorld\"]"}"#, #"[1,2,"HelloWorld"]"#),
        ("States.StringToJson($.s)", #"{"s":" "}"#, "null"),
        ("States.StringToJson($.s)", #"{"s":""}"#, "null"),
        ("States.StringToJson($.s)", #"{"s":"-0"}"#, "0"),
        (#"States.StringToJson('{"a": 1}')"#, "{}", #"{"a":1}"#),
        ("States.JsonToString($.a)", #"{"a":{"Arg1":1,"Arg2":[]}}"#, #""{\"Arg1\":1,\"Arg2\":[]}""#),
        ("States.JsonToString($.a)", #"{"a":"HelloWorld"}"#, #""\"HelloWorld\"""#),
        ("States.JsonToString($.a)", #"{"a":null}"#, #""null""#),
        ("States.Array()", "{}", "[]"),
        ("States.Array('Foo', 2022, $.a, null, true)", #"{"a":{"x":1}}"#, #"["Foo",2022,{"x":1},null,true]"#),
        ("States.ArrayPartition($.a, 2)", #"{"a":[0,1,2]}"#, "[[0,1],[2]]"),
        ("States.ArrayPartition($.a, 4)", #"{"a":[]}"#, "[]"),
        ("States.ArrayContains($.a, $.b)", #"{"a":[[1,2,3],2],"b":[1,2,3]}"#, "true"),
        ("States.ArrayContains($.a, $.b)", #"{"a":[],"b":[]}"#, "false"),
        ("States.ArrayContains($.a, $.b)", #"{"a":[[1,2,3],2],"b":null}"#, "false"),
        ("States.ArrayRange(0, 9, 3)", "{}", "[0,3,6,9]"),
        ("States.ArrayRange(0, 10, 3)", "{}", "[0,3,6,9]"),
        ("States.ArrayRange(1, 9, 9)", "{}", "[1]"),
        ("States.ArrayRange(5, 1, -2)", "{}", "[5,3,1]"),
        ("States.ArrayGetItem($.a, 5)", #"{"a":[1,2,3,4,5,6,7,8,9]}"#, "6"),
        ("States.ArrayLength($.a)", #"{"a":[1,2,3]}"#, "3"),
        ("States.ArrayUnique($.a)", #"{"a":[1,2,1,"x",[1],[1],{"k":1},{"k":1},null,null]}"#, #"[1,2,"x",[1],{"k":1},null]"#),
        ("States.Base64Encode($.s)", #"{"s":"Data to encode"}"#, #""RGF0YSB0byBlbmNvZGU=""#),
        ("States.Base64Encode('')", "{}", #""""#),
        ("States.Base64Decode($.s)", #"{"s":"RGF0YSB0byBlbmNvZGU="}"#, #""Data to encode""#),
        ("States.Hash('input data', 'MD5')", "{}", #""812f45842bc6d66ee14572ce20db8e86""#),
        ("States.Hash('input data', 'SHA-1')", "{}", #""aaff4a450a104cd177d28d18d74485e8cae074b7""#),
        ("States.Hash('input data', 'SHA-256')", "{}", #""b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3""#),
        ("States.Hash('abc', 'SHA-384')", "{}", #""cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7""#),
        ("States.Hash('abc', 'SHA-512')", "{}", #""ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f""#),
        ("States.JsonMerge($.a, $.b, false)", #"{"a":{"a":{"a1":1,"a2":2},"b":2,"d":3},"b":{"a":{"a3":1,"a4":2},"c":3,"d":4}}"#,
         #"{"a":{"a3":1,"a4":2},"b":2,"d":4,"c":3}"#),
        ("States.MathAdd($.a, $.b)", #"{"a":1.49,"b":1.5}"#, "3"),
        ("States.MathAdd($.a, $.b)", #"{"a":-1.49,"b":-1.5}"#, "-2"),
        ("States.MathAdd($.a, $.b)", #"{"a":-0.5,"b":0.5}"#, "1"),
        ("States.MathAdd(-2.5, 0)", "{}", "-2"),
        ("States.MathAdd(-9, 3)", "{}", "-6"),
        ("States.StringSplit($.s, ',')", #"{"s":",,,,"}"#, "[]"),
        ("States.StringSplit($.s, ',')", #"{"s":", , ,"}"#, #"[" "," "]"#),
        ("States.StringSplit($.s, '.+,=')", #"{"s":"This.is+a,test=string"}"#, #"["This","is","a","test","string"]"#),
        ("States.StringSplit('Hello\nWorld', '\n')", "{}", #"["Hello","World"]"#),
        ("States.UUID()", "{}", #""00000000-0000-4000-8000-000000000000""#),
        ("States.MathRandom(5, 10)", "{}", "5"),
        ("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))",
         "{}", #""c""#),
    ])
    func evaluates(call: String, input: String, expected: String) throws {
        #expect(try run(call, input, context: #"{"StateMachine":{"Name":"a-b-c"}}"#) == j(expected))
    }

    @Test func seededMathRandomIsDeterministicAndInRange() throws {
        let a = try run("States.MathRandom(1, 999, 42)")
        #expect(a == (try run("States.MathRandom(1, 999, 42)")))
        let n = try #require(a.numberValue?.int64Value)
        #expect(n >= 1 && n < 999)
    }

    @Test(arguments: [
        "States.Format('{} {}', $.a)",
        "States.ArrayRange(1, 2000, 1)",
        "States.ArrayRange(1, 2, 0)",
        "States.ArrayPartition($.arr, 0)",
        "States.ArrayGetItem($.arr, 3)",
        "States.Hash($.a, $.alg)",
        "States.Hash('x', 'sha256')",
        "States.Hash($.n, 'MD5')",
        "States.JsonMerge($.o, $.o, true)",
        "States.StringToJson($.bad)",
        "States.ArrayLength($.a)",
        "States.MathAdd($.a, 1)",
        "States.Base64Decode($.a)",
        "States.MathRandom(5, 5)",
    ])
    func runtimeErrors(call: String) throws {
        let input = #"{"a":"x","alg":"sha256","n":1,"arr":[1],"o":{},"bad":"{nope"}"#
        let error = #expect(throws: StatesError.self) { try run(call, input) }
        #expect(error?.error == "States.Runtime")
        #expect(error?.cause?.hasPrefix("The function '\(call)' had the following error: ") == true)
    }

    @Test func missingPathArgumentCause() throws {
        #expect(throws: StatesError.runtime(
            "The function 'States.Format('{}', $.fromDate)' had the following error: The JsonPath argument for the field '$.fromDate' could not be found in the input '{\"x\":1}'"
        )) { try run("States.Format('{}', $.fromDate)", #"{"x":1}"#) }
    }

    @Test func inputLimitIsTenThousandCharacters() throws {
        let ok = String(repeating: "a", count: 10_000)
        #expect(try run("States.Base64Encode($.s)", "{\"s\":\"\(ok)\"}").stringValue != nil)
        #expect(throws: StatesError.self) { try run("States.Hash($.s, 'MD5')", "{\"s\":\"\(ok)a\"}") }
    }

    @Test func nestingLimit() throws {
        func nested(_ depth: Int) -> String {
            depth == 1 ? "States.Array(1)" : "States.Array(\(nested(depth - 1)))"
        }
        #expect(throws: Never.self) { try IntrinsicFunction(nested(10)) }
        #expect(throws: ExpressionCompileError.self) { try IntrinsicFunction(nested(11)) }
    }

    @Test(arguments: [
        "States.Nope()", "States.format('x')", "States.UUID(1)", "States.Format(1)", "States.ArrayLength()",
        "States.Format('a\\b')", #"States.Format('say \"hi\"')"#, "States.Array(1,)",
        "States.Array('unterminated)", "States.ArrayRange(1, 'x', 1)",
    ])
    func compileErrors(call: String) {
        #expect(throws: ExpressionCompileError.self) { try IntrinsicFunction(call) }
    }
}

/// `States.StringSplit` cuts on ASCII delimiters byte-wise and on others scalar-wise; both agree.
@Suite struct IntrinsicSplitAndFormatTests {
    @Test(arguments: [
        ("States.StringSplit($.s, '-')", #"{"s":"é-ü--日本-"}"#, #"["é","ü","日本"]"#),
        ("States.StringSplit($.s, '|~')", #"{"s":"|a~b|~c~"}"#, #"["a","b","c"]"#),
        ("States.StringSplit($.s, '·|')", #"{"s":"a·b|c··"}"#, #"["a","b","c"]"#),
        ("States.StringSplit($.s, '')", #"{"s":"a,b"}"#, #"["a,b"]"#),
        ("States.StringSplit($.s, ',')", #"{"s":"a-very-long-part-beyond-fifteen-bytes,x"}"#, #"["a-very-long-part-beyond-fifteen-bytes","x"]"#),
        ("States.Format('{}: {} {}', $.a, $.b, $.c)", #"{"a":"日本語のテキストです","b":-0.0,"c":12345678901234567890123}"#,
         #""日本語のテキストです: -0.0 12345678901234567890123""#),
    ])
    func evaluates(call: String, input: String, expected: String) throws {
        let c = ExpressionContext(input: try JSONParser.parse(input))
        #expect(try IntrinsicFunction(call).evaluate(c) == JSONParser.parse(expected))
    }
}
