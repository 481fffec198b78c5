import ASLJSON
import Foundation
import Testing

@testable import ASL

/// The typed Choice rules, the Wait timestamp parsed at compile time, and the direction of the
/// dependencies between the engine's folders.
@Suite struct ChoiceRuleModelTests {
    static func choiceState(_ rules: String, language: String = "JSONPath") throws -> StateDefinition {
        let (machine, diagnostics) = StateMachineDefinition.decode(try JSONParser.parse("""
            {"StartAt": "C", "QueryLanguage": "\(language)", "States": {
              "C": {"Type": "Choice", "Choices": \(rules), "Default": "D"},
              "D": {"Type": "Succeed"}, "E": {"Type": "Succeed"}}}
            """))
        #expect(diagnostics.isEmpty)
        return machine.states[0]
    }

    @Test func aNestedRuleDecodesIntoATree() throws {
        let state = try Self.choiceState(#"""
            [{"And": [{"Variable": "$.n", "NumericGreaterThan": 5},
                      {"Not": {"Variable": "$.s", "StringEqualsPath": "$.t"}}],
              "Next": "E", "Assign": {"x": 1}}]
            """#)
        let rule = try #require(state.choices.first)
        #expect(rule.next == "E")
        #expect(rule.assign == ["x": 1])
        #expect(rule.pointer == JSONPointer(["States", "C", "Choices", "0"]))
        guard case .and(let parts) = rule.condition, parts.count == 2,
              case .comparison("$.n", .compare(.numeric, .greaterThan, operandIsPath: false), operand: 5) = parts[0],
              case .not(.comparison("$.s", .compare(.string, .equals, operandIsPath: true), operand: "$.t")) = parts[1]
        else {
            Issue.record("unexpected condition \(rule.condition)")
            return
        }
        // The transitions and the variable scopes read the typed rule.
        #expect(state.transitions.map(\.target) == ["E", "D"])
        #expect(ValidationPass.assignments(state).map(\.0) == ["x"])
    }

    @Test func aJSONataRuleKeepsItsConditionAndOutput() throws {
        let state = try Self.choiceState(#"[{"Condition": "{% $states.input.n > 5 %}", "Output": {"a": 1}, "Next": "E"}]"#, language: "JSONata")
        let rule = try #require(state.choices.first)
        guard case .jsonata("{% $states.input.n > 5 %}") = rule.condition else {
            Issue.record("unexpected condition \(rule.condition)")
            return
        }
        #expect(rule.output == ["a": 1])
    }

    @Test func aMisshapenRuleIsInvalidAndTheValidatorSaysWhy() throws {
        let state = try Self.choiceState(#"[{"Variable": "$.a", "StringEquals": "x", "NumericEquals": 1, "Next": "E"}]"#)
        guard case .invalid(let why) = state.choices[0].condition else {
            Issue.record("expected an invalid condition")
            return
        }
        #expect(why.contains("exactly one comparison operator"))
        #expect(throws: ExpressionCompileError.self) { try ChoiceCondition(state.choices[0].condition) }
    }

    @Test func operatorNames() {
        #expect(ChoiceOperator(name: "TimestampGreaterThanEqualsPath") == .compare(.timestamp, .greaterThanEquals, operandIsPath: true))
        #expect(ChoiceOperator(name: "BooleanEquals")?.operand == .boolean)
        #expect(ChoiceOperator(name: "StringMatches")?.operand == .string)
        #expect(ChoiceOperator(name: "NumericEqualsPath")?.operand == .path)
        #expect(ChoiceOperator(name: "IsPresent") == .isPresent)
        for missing in ["BooleanLessThan", "StringMatchesPath", "StringMatch", "Variable", "Next"] {
            #expect(ChoiceOperator(name: missing) == nil, "\(missing)")
        }
        for op in ChoiceOperator.all { #expect(ChoiceOperator(name: op.name) == op) }
    }
}

@Suite struct WaitTimestampTests {
    static func wait(_ timestamp: String) -> String {
        #"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Timestamp": "\#(timestamp)", "End": true}}}"#
    }

    @Test func aLiteralTimestampIsParsedAtCompileTime() throws {
        let machine = try StateMachine(definition: Self.wait("2016-03-14T01:59:00Z"), name: "w")
        guard case .timestamp(let t) = try #require(machine.program.waits.first) else {
            Issue.record("expected a literal timestamp wait")
            return
        }
        #expect(t == Timestamp(epochSeconds: 1_457_920_740))
        // And it survives the .aslc round trip.
        let decoded = try ProgramFile.decode(ProgramFile.encode(machine.program))
        guard case .timestamp(let u) = try #require(decoded.waits.first) else {
            Issue.record("expected a literal timestamp wait after decoding")
            return
        }
        #expect(u == t)
    }

    @Test func anInvalidLiteralIsStillADefinitionError() throws {
        for bad in ["2016-13-05T21:29:29Z", "2016-03-14t01:59:00Z", "tomorrow"] {
            #expect(throws: DefinitionError.self) { try StateMachine(definition: Self.wait(bad), name: "w") }
            let errors = Validator.validate(Self.wait(bad)).errors.map(\.description)
            #expect(errors == ["/States/W/Timestamp: ERROR SCHEMA_VALIDATION_FAILED: String does not match RFC3339 timestamp"], "\(bad)")
        }
    }

    @Test func aDefinitionBuiltInCodeWithABadLiteralIsRejectedByTheCompiler() throws {
        var wait = StateDefinition(name: "W", type: .wait, end: true)
        wait.timestamp = .literal("2016-02-30T00:00:00Z")
        let definition = StateMachineDefinition(startAt: "W", states: [wait])
        #expect(throws: DefinitionError.self) { try StateMachine(definition: definition, name: "w") }
    }
}

/// The engine's folders depend one way: the validator never uses the compiler (or what comes
/// after it), the VM never uses the compiler, and the model and expressions use neither.
@Suite struct LayeringTests {
    static let asl = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/ASL")

    /// Each `.swift` file of `folder`, with comments and string literals removed.
    static func sources(_ folder: String) throws -> [(String, String)] {
        let dir = asl.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".swift") }.sorted().map { name in
            let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            return (folder + "/" + name, strip(text))
        }
    }

    static func strip(_ text: String) -> String {
        var out = ""
        var inString = false
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).makeIterator()
        while let line = lines.next() {
            var previous: Character = " "
            for c in line {
                if !inString, previous == "/", c == "/" { out.removeLast(); break }
                if c == "\"" && previous != "\\" { inString.toggle() } else if !inString { out.append(c) }
                previous = c
            }
            inString = false
            out.append("\n")
        }
        return out
    }

    /// The types a folder declares at the top level.
    static func declaredTypes(_ folder: String) throws -> Set<String> {
        var names = Set<String>()
        for (_, text) in try sources(folder) {
            for line in text.split(separator: "\n") where !line.hasPrefix(" ") {
                let words = line.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "<" || $0 == "{" })
                if let k = words.firstIndex(where: { ["struct", "enum", "class", "protocol", "actor"].contains($0) }), k + 1 < words.count {
                    names.insert(String(words[k + 1]))
                }
            }
        }
        return names
    }

    static func uses(_ folder: String, typesOf others: [String]) throws -> [String] {
        var forbidden = Set<String>()
        for other in others { forbidden.formUnion(try declaredTypes(other)) }
        var found: [String] = []
        for (file, text) in try sources(folder) {
            let words = Set(text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(String.init))
            for name in forbidden.intersection(words).sorted() { found.append("\(file) uses \(name)") }
        }
        return found
    }

    @Test func theScanSeesTheTypes() throws {
        #expect(try Self.declaredTypes("Compiler").contains("Compiler"))
        #expect(try Self.declaredTypes("Bytecode").contains("Program"))
        #expect(try Self.uses("Compiler", typesOf: ["Bytecode"]).contains { $0.hasSuffix("uses Program") })
        #expect(Self.strip(#"let a = "Compiler" // Compiler"#).contains("Compiler") == false)
    }

    @Test func theValidatorUsesNeitherTheCompilerNorWhatFollows() throws {
        #expect(try Self.uses("Validator", typesOf: ["Compiler", "Bytecode", "VM"]) == [])
    }

    @Test func theVMDoesNotReachIntoTheCompiler() throws {
        #expect(try Self.uses("VM", typesOf: ["Compiler"]) == [])
    }

    @Test func modelAndExpressionsComeFirst() throws {
        #expect(try Self.uses("Model", typesOf: ["Expressions", "Validator", "Compiler", "Bytecode", "VM"]) == [])
        #expect(try Self.uses("Expressions", typesOf: ["Validator", "Compiler", "Bytecode", "VM"]) == [])
    }
}

/// The validator parses each path and JSONata field once; the compiler takes those forms.
@Suite struct ParsedExpressionsTests {
    @Test func theCompilerTakesThePathsTheValidatorParsed() throws {
        let text = #"{"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.a", "ResultPath": "$.r", "End": true}}}"#
        let result = Validator.validate(text)
        #expect(result.parsed.paths["$.a"]?.text == "$.a")
        #expect(result.parsed.paths["$.r"]?.text == "$.r")
        // A planted form shows that the compiler uses the table rather than parsing again.
        var planted = result.parsed
        planted.paths["$.a"] = try JSONPath("$.b")
        let program = try Compiler.compile(try #require(result.definition), parsed: planted).get()
        #expect(program.paths.map(\.text) == ["$.b"])
        #expect(program.referencePaths.map(\.text) == ["$.r"])
    }

    @Test func theCompilerTakesTheJSONataTheValidatorParsed() throws {
        let text = #"{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "{% $states.input.a %}", "End": true}}}"#
        let result = Validator.validate(text)
        let field = ParsedExpressions.Field(location: JSONPointer(["States", "P", "Output"]), name: "Output")
        #expect(result.parsed.jsonata[field]?.singleExpressionSource == "$states.input.a")
        var planted = result.parsed
        planted.jsonata[field] = try JSONataTemplate("{% 1 %}", field: "Output")
        let program = try Compiler.compile(try #require(result.definition), parsed: planted).get()
        #expect(program.jsonataTemplates.map(\.singleExpressionSource) == ["1"])
    }

    @Test func theCompilerTakesTemplateValuesAndChoicePathsTheValidatorParsed() throws {
        let text = #"""
            {"StartAt": "P", "States": {
              "P": {"Type": "Pass", "Parameters": {"x.$": "$.a"}, "Next": "C"},
              "C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "NumericEquals": 2, "Next": "D"}], "Default": "D"},
              "D": {"Type": "Succeed"}}}
            """#
        let result = Validator.validate(text)
        #expect(result.parsed.dynamicValues["$.a"] != nil)
        var planted = result.parsed
        planted.dynamicValues["$.a"] = .path(try JSONPath("$.b"))
        planted.paths["$.a"] = try JSONPath("$.b")
        let program = try Compiler.compile(try #require(result.definition), parsed: planted).get()
        let context = ExpressionContext(input: ["a": 1, "b": 2])
        #expect(try program.templates[0].evaluate(context) == ["x": 2])
        guard case .jsonPath(let condition) = try #require(program.choices.first?.rules.first).condition else {
            Issue.record("expected a JSONPath rule")
            return
        }
        #expect(try condition.evaluate(context))
    }

    @Test func anInvalidDefinitionHandsNothingOn() {
        let result = Validator.validate(#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.a", "Next": "Nowhere"}}}"#)
        #expect(!result.isValid)
        #expect(result.parsed.paths.isEmpty)
    }
}
