import ASLJSON
import Testing

@testable import ASL

/// One small test per kind of diagnostic, each with its ASL inline.
@Suite struct ValidatorTests {
    /// Validates `text` and returns the ERROR diagnostics as `location: CODE: message`.
    private func errors(_ text: String, type: WorkflowType = .express) -> [String] {
        Validator.validate(text, type: type).errors.map { "\($0.locationText ?? "-"): \($0.code): \($0.message)" }
    }

    /// A one-state machine whose only state is `state` (named `S`).
    private func one(_ state: String, top: String = "") -> String {
        #"{"StartAt": "S", \#(top) "States": {"S": \#(state)}}"#
    }

    private let schema = "SCHEMA_VALIDATION_FAILED"

    // MARK: - Definition level

    @Test func validDefinitionIsOK() throws {
        let result = Validator.validate(one(#"{"Type": "Pass", "End": true}"#))
        #expect(result.isValid)
        #expect(result.diagnostics.isEmpty)
        let machine = try #require(result.definition)
        #expect(machine.states.map(\.name) == ["S"])
        #expect(result.json() == ["result": "OK", "diagnostics": [], "truncated": false])
    }

    @Test func failResponseShapeAndTruncation() {
        let result = Validator.validate(#"{"Foo": 1, "Bar": 2}"#)
        #expect(!result.isValid)
        #expect(result.json()["result"] == "FAIL")
        #expect(result.json(maxResults: 1)["truncated"] == true)
        #expect(result.json(maxResults: 1)["diagnostics"]?.arrayValue?.count == 1)
        #expect(result.json()["diagnostics"]?[0] == ["severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED",
                                                      "message": "Field 'Foo' is not supported", "location": "/"])
    }

    @Test func emptyText() {
        let result = Validator.validate(" ")
        #expect(result.errors.map(\.message) == ["Definition must be a valid JSON object"])
        #expect(result.errors.first?.locationText == nil)
    }

    @Test func notJSONUsesJacksonWording() {
        let d = Validator.validate("not a definition").errors
        #expect(d.count == 1)
        #expect(d.first?.code == "INVALID_JSON_DESCRIPTION")
        #expect(d.first?.locationText == #"[Source: (String)"not a definition"; line: 1, column: 4]"#)
        #expect(d.first?.message.hasPrefix("Unrecognized token 'not': was expecting") == true)
    }

    @Test func missingTopLevelFields() {
        #expect(errors("{}") == ["/: \(schema): These fields are required: [States, StartAt]"])
        #expect(errors(#"{"States": {"A": {"Type": "Succeed"}}}"#) == ["/: \(schema): These fields are required: [StartAt]"])
    }

    @Test func unknownTopLevelField() {
        #expect(errors(one(#"{"Type": "Succeed"}"#, top: #""Foo": 1,"#)) == ["/: \(schema): Field 'Foo' is not supported"])
    }

    @Test func wrongFieldTypes() {
        let e = errors(one(#"{"Type": "Pass", "End": "yes", "InputPath": 3}"#))
        #expect(e.contains("/States/S/End: \(schema): The field 'End' must be a boolean, but was string"))
        #expect(e.contains("/States/S/InputPath: \(schema): The field 'InputPath' must be a string or null, but was number"))
    }

    // MARK: - States and fields

    @Test func unknownFieldPerStateType() {
        #expect(errors(one(#"{"Type": "Pass", "End": true, "Retry": []}"#)) == ["/States/S: \(schema): Field 'Retry' is not supported"])
        #expect(errors(one(#"{"Type": "Succeed", "Next": "S"}"#)) == ["/States/S: \(schema): Field 'Next' is not supported"])
        #expect(errors(one(#"{"Type": "Wait", "Seconds": 1, "End": true, "TimeoutSeconds": 3}"#)) == ["/States/S: \(schema): Field 'TimeoutSeconds' is not supported"])
    }

    @Test func missingFieldPerStateType() {
        #expect(errors(one(#"{"End": true}"#)) == ["/States/S: \(schema): These fields are required: [Type]"])
        #expect(errors(one(#"{"Type": "Task", "End": true}"#)) == ["/States/S: \(schema): These fields are required: [Resource]"])
        #expect(errors(one(#"{"Type": "Choice"}"#)).contains("/States/S: \(schema): These fields are required: [Choices]"))
        #expect(errors(one(#"{"Type": "Parallel", "End": true}"#)) == ["/States/S: \(schema): These fields are required: [Branches]"])
        #expect(errors(one(#"{"Type": "Map", "End": true}"#)) == ["/States/S: \(schema): These fields are required: [ItemProcessor]"])
        #expect(errors(one(#"{"Type": "Wait", "End": true}"#)) == ["/States/S: \(schema): Exactly one of these fields is required: [Seconds, SecondsPath, Timestamp, TimestampPath]"])
    }

    @Test func unknownType() {
        #expect(errors(one(#"{"Type": "Sleep", "End": true}"#)) == ["/States/S/Type: \(schema): The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]"])
    }

    @Test func mutuallyExclusiveFields() {
        #expect(errors(one(#"{"Type": "Wait", "Seconds": 1, "Timestamp": "2016-03-14T01:59:00Z", "End": true}"#))
            == ["/States/S: \(schema): There should only be one of the following fields: [Seconds, Timestamp]"])
        #expect(errors(one(#"{"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}"#))
            == ["/States/S: \(schema): There should only be one of the following fields: [Error, ErrorPath]"])
        #expect(errors(one(#"{"Type": "Map", "End": true, "Iterator": {"StartAt": "X", "States": {"X": {"Type": "Succeed"}}}, "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Succeed"}}}}"#))
            .contains("/States/S: \(schema): There should only be one of the following fields: [ItemProcessor, Iterator]"))
    }

    @Test func nextAndEndRules() {
        #expect(errors(one(#"{"Type": "Pass", "Next": "S", "End": true}"#)) == ["/States/S: \(schema): There should only be one of the following fields: [Next, End]"])
        #expect(errors(one(#"{"Type": "Pass", "End": false}"#)).contains("/States/S: \(schema): Exactly one of these fields is required: [Next, End]; 'End' must be true"))
    }

    @Test func stateNameOver80Characters() {
        let name = String(repeating: "n", count: 81)
        let e = errors(#"{"StartAt": "\#(name)", "States": {"\#(name)": {"Type": "Succeed"}}}"#)
        #expect(e == ["/States/\(name): INVALID_STATE_NAME: State name is 81 characters long; the maximum is 80"])
        let ok = String(repeating: "n", count: 80)
        #expect(errors(#"{"StartAt": "\#(ok)", "States": {"\#(ok)": {"Type": "Succeed"}}}"#).isEmpty)
    }

    // MARK: - Graph

    @Test func unknownTransitionTargets() {
        let e = errors(#"""
            {"StartAt": "A", "States": {
              "A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "NOPE",
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "GONE"}]},
              "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "MISSING"}], "Default": "NIL"},
              "D": {"Type": "Succeed"}}}
            """#)
        #expect(e.contains("/States/A/Next: MISSING_TRANSITION_TARGET: Missing 'Next' target: NOPE"))
        #expect(e.contains("/States/A/Catch[0]/Next: MISSING_TRANSITION_TARGET: Missing 'Next' target: GONE"))
        #expect(e.contains("/States/C/Choices[0]/Next: MISSING_TRANSITION_TARGET: Missing 'Next' target: MISSING"))
        #expect(e.contains("/States/C/Default: MISSING_TRANSITION_TARGET: Missing 'Next' target: NIL"))
        #expect(errors(#"{"StartAt": "X", "States": {"A": {"Type": "Succeed"}}}"#).contains("/StartAt: MISSING_TRANSITION_TARGET: Missing 'StartAt' target: X"))
    }

    @Test func transitionAcrossScopes() {
        let e = errors(#"""
            {"StartAt": "P", "States": {
              "P": {"Type": "Parallel", "Next": "Done", "Branches": [
                {"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "Done"}, "Z": {"Type": "Succeed"}}}]},
              "Done": {"Type": "Succeed"}}}
            """#)
        #expect(e.contains { $0.hasPrefix("/States/P/Branches[0]/States/B/Next: MISSING_TRANSITION_TARGET: Missing 'Next' target: Done (a state of that name exists in another scope, at /") })
    }

    @Test func unreachableState() {
        #expect(errors(#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "B": {"Type": "Succeed"}}}"#)
            == [#"/States/B: MISSING_TRANSITION_TARGET: State "B" is not reachable."#])
    }

    @Test func noTerminalState() {
        let result = Validator.validate(#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}, "C": {"Type": "Pass", "Next": "A"}}}"#)
        #expect(result.errors.map(\.code) == ["MISSING_END_STATE"])
        #expect(result.errors.first?.message == "Workflow has no terminal state")
        #expect(result.errors.first?.locationText == nil)
    }

    // MARK: - Retry and Catch

    private func task(retry: String = "[]", catcher: String = "[]") -> String {
        one(#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true, "Retry": \#(retry), "Catch": \#(catcher)}"#)
    }

    @Test func statesAllAloneAndLast() {
        #expect(errors(task(retry: #"[{"ErrorEquals": ["States.ALL", "E"]}]"#))
            == ["/States/S/Retry[0]/ErrorEquals: \(schema): States.ALL must appear alone in 'ErrorEquals'; it cannot be combined with other error names"])
        #expect(errors(task(retry: #"[{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["E"]}]"#))
            == ["/States/S/Retry[0]/ErrorEquals: \(schema): A Retry rule with States.ALL must be the last one in 'Retry'"])
        #expect(errors(task(catcher: #"[{"ErrorEquals": ["States.ALL"], "Next": "S"}, {"ErrorEquals": ["E"], "Next": "S"}]"#))
            .contains("/States/S/Catch[0]/ErrorEquals: \(schema): A Catch rule with States.ALL must be the last one in 'Catch'"))
    }

    @Test func retryRanges() {
        let e = errors(task(retry: #"[{"ErrorEquals": ["E"], "IntervalSeconds": 0, "MaxAttempts": -1, "BackoffRate": 0.5, "MaxDelaySeconds": 0, "JitterStrategy": "HALF"}]"#))
        #expect(Set(e) == [
            "/States/S/Retry[0]/IntervalSeconds: \(schema): Minimum value is 1",
            "/States/S/Retry[0]/MaxAttempts: \(schema): Minimum value is 0",
            "/States/S/Retry[0]/BackoffRate: \(schema): Minimum value is 1.0",
            "/States/S/Retry[0]/MaxDelaySeconds: \(schema): Minimum value is 1",
            "/States/S/Retry[0]/JitterStrategy: \(schema): The field 'JitterStrategy' should have one of these values: [FULL, NONE]",
        ])
        #expect(errors(task(retry: #"[{"ErrorEquals": ["E"], "MaxDelaySeconds": 31622401}]"#)) == ["/States/S/Retry[0]/MaxDelaySeconds: \(schema): Maximum value is 31622400"])
        #expect(errors(task(retry: #"[{"ErrorEquals": []}]"#)) == ["/States/S/Retry[0]/ErrorEquals: \(schema): Value cannot be empty"])
    }

    @Test func catchRules() {
        #expect(errors(task(catcher: #"[{"ErrorEquals": ["E"]}]"#)) == ["/States/S/Catch[0]: \(schema): These fields are required: [Next]"])
        #expect(errors(task(catcher: #"[{"ErrorEquals": ["E"], "Next": "S", "ResultPath": "$$.x"}]"#))
            == ["/States/S/Catch[0]/ResultPath: \(schema): Value is not a Reference Path: the context object ($$) cannot be used here"])
    }

    // MARK: - Choice

    private func choice(_ rule: String) -> [String] {
        errors(#"{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [\#(rule)], "Default": "D"}, "D": {"Type": "Succeed"}}}"#)
    }

    @Test func choiceRuleShape() {
        #expect(choice(#"{"Variable": "$.a", "StringEquals": "x", "NumericEquals": 1, "Next": "D"}"#)
            == ["/States/C/Choices[0]: \(schema): There should only be one of the following fields: [StringEquals, NumericEquals]"])
        #expect(choice(#"{"Variable": "$.a", "Next": "D"}"#)
            == ["/States/C/Choices[0]: \(schema): A Choice rule with 'Variable' needs exactly one comparison operator (StringEquals, NumericLessThan, IsPresent, ...)"])
        #expect(choice(#"{"Variable": "$.a", "IsPresent": true}"#) == ["/States/C/Choices[0]: \(schema): These fields are required: [Next]"])
        #expect(choice(#"{"Not": {"Variable": "$.a", "IsNull": true, "Next": "D"}, "Next": "D"}"#)
            == ["/States/C/Choices[0]/Not: \(schema): Field 'Next' is not supported: only top-level Choice rules have 'Next', not rules inside 'And', 'Or' or 'Not'"])
        #expect(choice(#"{"And": [], "Next": "D"}"#) == ["/States/C/Choices[0]/And: \(schema): Value cannot be empty"])
        #expect(choice(#"{"Variable": "$.a", "NumericEquals": "1", "Next": "D"}"#)
            == ["/States/C/Choices[0]/NumericEquals: \(schema): The field 'NumericEquals' must be a number, but was string"])
        #expect(choice(#"{"Or": [{"Variable": "$.a", "BooleanEquals": true}, {"Variable": "$.b", "StringMatches": "a*"}], "Next": "D"}"#).isEmpty)
    }

    @Test func invalidTimestamps() {
        #expect(choice(#"{"Variable": "$.t", "TimestampEquals": "2016-03-14 01:59:00Z", "Next": "D"}"#)
            == ["/States/C/Choices[0]/TimestampEquals: \(schema): String does not match RFC3339 timestamp"])
        #expect(errors(one(#"{"Type": "Wait", "Timestamp": "2016-13-05T21:29:29Z", "End": true}"#))
            == ["/States/S/Timestamp: \(schema): String does not match RFC3339 timestamp"])
        for good in ["2016-03-14T01:59:00Z", "2016-03-14T01:59:00.123+01:00", "2024-02-29T23:59:59-05:30"] {
            #expect(ValidationPass.isTimestampLiteral(good), "\(good)")
        }
        for bad in ["2016-12-05T21:29:29", "2016-12-05T25:29:29Z", "05-12-2016T21:29:29Z", "2023-02-29T00:00:00Z", "2016-03-14t01:59:00Z",
                    "2016-03-14T01:59Z", "2016-03-14T01:59:00+01:00:30"] {
            #expect(!ValidationPass.isTimestampLiteral(bad), "\(bad)")
        }
        // The definition schema is stricter than the run-time reader (Java's ISO_OFFSET_DATE_TIME),
        // which takes a lower-case `t`, no seconds and an offset with seconds.
        for lenient in ["2016-03-14t01:59:00Z", "2016-03-14T01:59Z", "2016-03-14T01:59:00+01:00:30"] {
            #expect(Timestamp(lenient) != nil, "\(lenient)")
        }
    }

    // MARK: - Paths and intrinsics

    @Test func invalidPaths() {
        #expect(errors(one(#"{"Type": "Pass", "End": true, "InputPath": "foo"}"#))
            == ["/States/S/InputPath: \(schema): The value for the field 'InputPath' must be a valid JSONPath (a path must start with '$')"])
        #expect(errors(one(#"{"Type": "Pass", "End": true, "ResultPath": "$.a[*]"}"#)) == ["/States/S/ResultPath: \(schema): Value is not a Reference Path"])
        #expect(errors(one(#"{"Type": "Wait", "SecondsPath": "$..x", "End": true}"#)) == ["/States/S/SecondsPath: \(schema): Value is not a Reference Path"])
        for good in ["$", "$.a.b[0]", "$['a b'][1]", "$$.Execution.Input", "$var.x", "$.a[?(@.b > 1)].c", "$..x", "$.a[0:2]", "$.a[*]"] {
            #expect(ValidationPass.pathProblem(good, .path) == nil, "\(good)")
        }
        for bad in ["a", "$.", "$.a[", "$.a[]", "$.a]", "$.a[?(@.b]", "$.a.length()", "$.a b"] {
            #expect(ValidationPass.pathProblem(bad, .path) != nil, "\(bad)")
        }
        // Reference paths: the parsed path says which step is not allowed.
        #expect(ValidationPass.pathProblem("$.a[*]", .referencePath) == "wildcards are not allowed in a reference path")
        #expect(ValidationPass.pathProblem("$..a", .referencePath) == "deep scan ('..') is not allowed in a reference path")
        #expect(ValidationPass.pathProblem("$.a[-1]", .referencePath) == "only a single index is allowed in a reference path")
        #expect(ValidationPass.pathProblem("$$.Execution", .resultPath) == "the context object ($$) cannot be used here")
        #expect(ValidationPass.pathProblem("$x.a", .resultPath) == "a variable cannot be used here")
        // A path the compiler cannot compile is a validation error now, not a compile-stage one.
        #expect(errors(one(#"{"Type": "Pass", "End": true, "OutputPath": "$.a.length()"}"#))
            == ["/States/S/OutputPath: \(schema): The value for the field 'OutputPath' must be a valid JSONPath (path functions are not supported)"])
        #expect(errors(one(#"{"Type": "Pass", "End": true, "ResultPath": "$$.x"}"#))
            == ["/States/S/ResultPath: \(schema): Value is not a Reference Path: the context object ($$) cannot be used here"])
    }

    @Test func payloadTemplateValues() {
        #expect(errors(one(#"{"Type": "Pass", "End": true, "Parameters": {"a": {"parsed.$": "nope"}}}"#))
            == ["/States/S/Parameters: \(schema): The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic function call"])
        #expect(errors(one(#"{"Type": "Pass", "End": true, "Parameters": {"a.$": "$.x", "b": "$.literal", "c.$": "States.Format('{} {}', $.a, States.UUID())"}}"#)).isEmpty)
    }

    @Test func intrinsicSyntax() {
        func valid(_ text: String) -> Bool { (try? IntrinsicFunction(text)) != nil }
        for good in ["States.Array()", "States.Format('it\\'s {}', $.a)", "States.MathAdd(-1.5, 2)", "States.ArrayRange(0, 10, 3)",
                     "States.Array('Foo', 2022, $.someJson, null, true)", "States.StringSplit('Hello\nWorld', '\n')",
                     "States.JsonToString($$.Execution.Input)", "States.Hash($.data, 'SHA-256')", "States.Format($myVar)"] {
            #expect(valid(good), "\(good)")
        }
        for bad in ["States.Nope(1)", "States.Format('a'", "States.StringToJson('{\\\"a\\\":1}')", "States.UUID(1)", "states.UUID()",
                    "States.Hash(1, 'SHA-256')"] {
            #expect(!valid(bad), "\(bad)")
        }
        let ten = String(repeating: "States.Array(", count: 10) + String(repeating: ")", count: 10)
        let eleven = String(repeating: "States.Array(", count: 11) + String(repeating: ")", count: 11)
        #expect(valid(ten))
        #expect(!valid(eleven))
        // The validator reports what the compiler's parser rejects, with AWS's generic wording.
        for bad in ["States.UUID(1)", "States.Hash(1, 'SHA-256')", "States.Format('a'"] {
            #expect(errors(one(#"{"Type": "Pass", "End": true, "Parameters": {"v.$": "\#(bad)"}}"#))
                == ["/States/S/Parameters: \(schema): The value for the field 'v.$' must be a valid JSONPath or a valid intrinsic function call"], "\(bad)")
        }
        #expect(errors(one(#"{"Type": "Fail", "ErrorPath": "States.Array($.a)"}"#))
            == ["/States/S/ErrorPath: \(schema): The value for the field 'ErrorPath' must be a valid JSONPath or a valid intrinsic function call"])
        #expect(errors(one(#"{"Type": "Fail", "ErrorPath": "States.Format('E{}', $.a)", "CausePath": "$.c"}"#)).isEmpty)
    }

    // MARK: - Query languages

    @Test func queryLanguageMixing() {
        #expect(errors(one(#"{"Type": "Pass", "End": true, "QueryLanguage": "JSONPath"}"#, top: #""QueryLanguage": "JSONata","#))
            == ["/States/S: \(schema): 'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine"])
        #expect(errors(one(#"{"Type": "Pass", "End": true, "QueryLanguage": "JSONata", "Output": "{% $states.input %}"}"#)).isEmpty)
        #expect(errors(one(#"{"Type": "Map", "End": true, "ItemProcessor": {"QueryLanguage": "JSONata", "StartAt": "X", "States": {"X": {"Type": "Succeed"}}}}"#))
            == ["/States/S/ItemProcessor: \(schema): Field 'QueryLanguage' is not supported"])
    }

    @Test func fieldsOfTheOtherLanguage() {
        #expect(errors(one(#"{"Type": "Pass", "End": true, "Output": {}}"#))
            == ["/States/S: \(schema): The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage"])
        #expect(errors(one(#"{"Type": "Pass", "End": true, "InputPath": "$"}"#, top: #""QueryLanguage": "JSONata","#))
            == ["/States/S: \(schema): The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage"])
        // States inside a Map inherit the machine's language, not the Map's.
        #expect(errors(one(#"{"Type": "Map", "QueryLanguage": "JSONata", "End": true, "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "Output": 1, "End": true}}}}"#))
            == ["/States/S/ItemProcessor/States/X: \(schema): The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage"])
    }

    @Test func jsonataFieldShape() {
        let top = #""QueryLanguage": "JSONata","#
        #expect(errors(one(#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": "$states.input", "End": true}"#, top: top))
            == ["/States/S/Arguments: \(schema): The field 'Arguments' must be an object or a JSONata expression ('{% ... %}'), but was string"])
        #expect(errors(one(#"{"Type": "Map", "Items": "nope", "End": true, "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Succeed"}}}}"#, top: top))
            == ["/States/S/Items: \(schema): The field 'Items' must be an array or a JSONata expression ('{% ... %}'), but was string"])
        #expect(errors(one(#"{"Type": "Pass", "Output": {"a": "{%  %}"}, "End": true}"#, top: top))
            == ["/States/S/Output: INVALID_JSONATA_EXPRESSION: The JSONata expression is empty: '{%  %}'"])
        #expect(errors(one(#"{"Type": "Wait", "Seconds": "{% $states.input.n %}", "End": true}"#, top: top)).isEmpty)
        #expect(errors(#"{"StartAt": "C", "QueryLanguage": "JSONata", "States": {"C": {"Type": "Choice", "Choices": [{"Condition": "$x", "Next": "D"}]}, "D": {"Type": "Succeed"}}}"#)
            == ["/States/C/Choices[0]/Condition: \(schema): The field 'Condition' must be a JSONata expression ('{% ... %}') or a boolean, but was string"])
    }

    @Test func assignVariableNames() {
        #expect(errors(one(#"{"Type": "Pass", "End": true, "Assign": {"a.b": 1}}"#))
            == ["/States/S/Assign: \(schema): Invalid variable name 'a.b': a variable name starts with a letter or '_' and holds only letters, digits and '_'"])
        #expect(errors(one(#"{"Type": "Pass", "End": true, "Assign": {"states": 1}}"#)) == ["/States/S/Assign: \(schema): The variable name 'states' is reserved"])
        #expect(errors(one(#"{"Type": "Pass", "End": true, "Assign": {"x.$": "$.a", "_y": 2}}"#)).isEmpty)
    }

    // MARK: - Task, Map and Express

    @Test func taskTimeouts() {
        #expect(errors(one(#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true, "TimeoutSeconds": 5, "HeartbeatSeconds": 5}"#))
            == ["/States/S/HeartbeatSeconds: \(schema): HeartbeatSeconds (5) must be smaller than TimeoutSeconds (5)"])
        #expect(errors(one(#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true, "TimeoutSeconds": 0}"#))
            == ["/States/S/TimeoutSeconds: \(schema): Minimum value is 1"])
        #expect(errors(one(#"{"Type": "Task", "Resource": "lambda", "End": true}"#))
            == ["/States/S/Resource: \(schema): The resource provided lambda is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."])
    }

    @Test func credentialsNeedRoleArn() {
        #expect(errors(one(#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true, "Credentials": {}}"#))
            == ["/States/S/Credentials: \(schema): The field 'RoleArn' is required but was missing"])
    }

    @Test func mapLimits() {
        let processor = #""ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Succeed"}}}"#
        #expect(errors(one(#"{"Type": "Map", "End": true, "ToleratedFailurePercentage": 101, "MaxConcurrency": -1, \#(processor)}"#))
            == ["/States/S/MaxConcurrency: \(schema): Minimum value is 0", "/States/S/ToleratedFailurePercentage: \(schema): Maximum value is 100.0"])
        #expect(errors(one(#"{"Type": "Map", "End": true, "ToleratedFailureCountPath": "$$.Execution.Input.n", \#(processor)}"#))
            == ["/States/S/ToleratedFailureCountPath: \(schema): Value is not a Reference Path"])
    }

    @Test func distributedMapLabel() {
        func label(_ text: String) -> [String] {
            errors(one(#"{"Type": "Map", "End": true, "Label": "\#(text)", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "X", "States": {"X": {"Type": "Succeed"}}}}"#), type: .standard)
        }
        #expect(label("") == ["/States/S/Label: INVALID_LABEL_NAME: Label cannot be empty"])
        #expect(label(String(repeating: "x", count: 41)) == ["/States/S/Label: INVALID_LABEL_NAME: Label cannot exceed 40 characters"])
        #expect(label("a b") == ["/States/S/Label: INVALID_LABEL_NAME: Label contains invalid character: ' '"])
        #expect(label("a\\u009f") == ["/States/S/Label: INVALID_LABEL_NAME: Label contains invalid character: '\\x9f'"])
        #expect(label("good-label_1").isEmpty)
    }

    @Test func expressRestrictions() {
        func resource(_ arn: String, _ type: WorkflowType) -> [String] {
            errors(one(#"{"Type": "Task", "Resource": "\#(arn)", "End": true}"#), type: type)
        }
        #expect(resource("arn:aws:states:::sqs:sendMessage.waitForTaskToken", .express)
            == ["/States/S/Resource: \(schema): Express state machine does not support '.waitForTaskToken' service integration "])
        #expect(resource("arn:aws:states:::states:startExecution.sync:2", .express)
            == ["/States/S/Resource: \(schema): Express state machine does not support '.sync' service integration"])
        #expect(resource("arn:aws:states:us-east-1:123456789012:activity:a", .express)
            == ["/States/S/Resource: \(schema): Express state machine does not support Activity ARN"])
        #expect(resource("arn:aws:states:::states:startExecution.sync", .standard).isEmpty)
        #expect(resource("arn:aws:states:::lambda:invoke", .express).isEmpty)
    }

    @Test func awsLocationRendering() {
        let root: JSONValue = ["States": ["0": ["Choices": [["Next": "x"]]]]]
        #expect(Validator.awsLocation(JSONPointer(["States", "0", "Choices", "0", "Next"]), in: root) == "/States/0/Choices[0]/Next")
        #expect(Validator.awsLocation(.root, in: root) == "/")
    }
}
