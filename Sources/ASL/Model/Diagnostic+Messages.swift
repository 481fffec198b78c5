import ASLJSON

extension Diagnostic {
    /// Every text the model decoder and the validator put in a ``Diagnostic``, one static
    /// member per message, so AWS's wording can be reviewed in one place. AWS's own texts are
    /// those recorded in `../shared/conformance/validation` and pinned by the validator tests;
    /// the others are ours, for problems AWS reports without a recorded text.
    ///
    /// It lives beside ``Diagnostic`` in `Model/` because the model decoder, which comes before
    /// the validator, uses it too.
    enum Message {
        // MARK: - Shape of the JSON

        static let notAJSONObject = "Definition must be a valid JSON object"

        /// Jackson's text for an unquoted word where a JSON value belongs.
        static func unrecognizedToken(_ word: String) -> String {
            "Unrecognized token '\(word)': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
        }
        static let valueCannotBeEmpty = "Value cannot be empty"

        /// `The field 'X' must be <expected>, but was <type>`.
        static func fieldType(_ field: String, _ expected: String, _ value: JSONValue) -> String {
            "The field '\(field)' must be \(expected), but was \(value.typeName)"
        }

        /// A number where an integer belongs, shown as written.
        static func notAnInteger(_ field: String, _ value: JSONValue) -> String {
            "The field '\(field)' must be an integer, but was \(value)"
        }

        static func oneOfValues(_ field: String, _ values: [String]) -> String {
            "The field '\(field)' should have one of these values: [\(values.joined(separator: ", "))]"
        }

        static func fieldNotSupported(_ field: String) -> String { "Field '\(field)' is not supported" }

        static func fieldsRequired(_ fields: [String]) -> String { "These fields are required: [\(fields.joined(separator: ", "))]" }

        static func onlyOneOf(_ fields: [String]) -> String {
            "There should only be one of the following fields: [\(fields.joined(separator: ", "))]"
        }

        static func exactlyOneRequired(_ fields: [String]) -> String {
            "Exactly one of these fields is required: [\(fields.joined(separator: ", "))]"
        }

        static let nextOrEndRequired = "Exactly one of these fields is required: [Next, End]; 'End' must be true"

        static func minimum(_ value: String) -> String { "Minimum value is \(value)" }
        static func maximum(_ value: String) -> String { "Maximum value is \(value)" }

        static func fieldRequiredButMissing(_ field: String) -> String { "The field '\(field)' is required but was missing" }

        // MARK: - Query languages

        /// A field of the other query language.
        static func otherLanguageField(_ language: StateMachineDefinition.QueryLanguage, field: String) -> String {
            let other: StateMachineDefinition.QueryLanguage = language == .jsonPath ? .jsonata : .jsonPath
            return "The QueryLanguage is set to '\(language.rawValue)', but field '\(field)' is only supported for the '\(other.rawValue)' QueryLanguage"
        }

        static let cannotDowngradeQueryLanguage = "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine"

        // MARK: - States and transitions

        static func stateNameTooLong(_ length: Int, maximum: Int) -> String {
            "State name is \(length) characters long; the maximum is \(maximum)"
        }

        static func missingNext(_ target: String, elsewhere: String?) -> String {
            var message = "Missing 'Next' target: \(target)"
            if let elsewhere {
                message += " (a state of that name exists in another scope, at \(elsewhere); transitions cannot cross Parallel branch or Map boundaries)"
            }
            return message
        }

        static func missingStartAt(_ target: String) -> String { "Missing 'StartAt' target: \(target)" }
        static let noTerminalState = "Workflow has no terminal state"
        static func unreachable(_ state: String) -> String { "State \"\(state)\" is not reachable." }

        // MARK: - Task

        static func unrecognizedResource(_ resource: String) -> String {
            "The resource provided \(resource) is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."
        }

        // AWS's text ends with a space.
        static let expressWaitForTaskToken = "Express state machine does not support '.waitForTaskToken' service integration "
        static let expressSync = "Express state machine does not support '.sync' service integration"
        static let expressActivity = "Express state machine does not support Activity ARN"

        static func heartbeatNotBelowTimeout(_ heartbeat: Int, _ timeout: Int) -> String {
            "HeartbeatSeconds (\(heartbeat)) must be smaller than TimeoutSeconds (\(timeout))"
        }

        // MARK: - Retry and Catch

        static let statesAllNotAlone = "States.ALL must appear alone in 'ErrorEquals'; it cannot be combined with other error names"

        static func statesAllNotLast(_ field: String) -> String { "A \(field) rule with States.ALL must be the last one in '\(field)'" }

        // MARK: - Choice

        static func choiceRuleNotObject(_ rule: JSONValue) -> String { "A Choice rule must be an object, but was \(rule.typeName)" }

        static func conditionType(_ condition: JSONValue) -> String {
            fieldType("Condition", "a JSONata expression ('{% ... %}') or a boolean", condition)
        }

        static let nestedNext = "Field 'Next' is not supported: only top-level Choice rules have 'Next', not rules inside 'And', 'Or' or 'Not'"

        static func choiceRuleMixed(_ fields: [String]) -> String {
            "A Choice rule has either 'Variable' with one comparison operator, or one of 'And', 'Or', 'Not'; found [\(fields.joined(separator: ", "))]"
        }

        // What makes a decoded rule ``ChoiceRule/Condition/invalid(_:)`` (the compiler's texts;
        // the validator reports the same problems with the messages above).
        static let ruleNotObject = "A Choice rule must be an object"
        static func ruleListEmpty(_ combinator: String) -> String { "The value of '\(combinator)' must be a non-empty array of Choice rules" }
        static let notNotObject = "The value of 'Not' must be a Choice rule object"
        static let ruleWithoutVariable = "A Choice rule must have a 'Variable' field or one of 'And', 'Or', 'Not'"
        static let variableNotString = "The field 'Variable' must be a string"

        static func ruleOperatorCount(_ operators: [String]) -> String {
            operators.isEmpty
                ? "A Choice rule with 'Variable' must have a comparison operator"
                : "A Choice rule must have exactly one comparison operator, found: \(operators.joined(separator: ", "))"
        }

        static let choiceRuleEmpty = "A Choice rule needs 'Variable' with one comparison operator, or one of 'And', 'Or', 'Not'"
        static let choiceRuleNoOperator = "A Choice rule with 'Variable' needs exactly one comparison operator (StringEquals, NumericLessThan, IsPresent, ...)"

        // MARK: - Variables

        static func outerScopeVariable(_ name: String) -> String {
            "The variable '\(name)' exists in an outer scope: a Parallel branch or Map iteration can read it but cannot assign it (use another name, or return the value through the branch's or iteration's output)"
        }

        static let reservedVariable = "The variable name 'states' is reserved"

        static func invalidVariableName(_ name: Substring) -> String {
            "Invalid variable name '\(name)': a variable name starts with a letter or '_' and holds only letters, digits and '_'"
        }

        static func variableNameTooLong(_ name: Substring) -> String { "Variable name '\(name)' is longer than 80 characters" }

        // MARK: - Map Label

        static let labelEmpty = "Label cannot be empty"
        static let labelTooLong = "Label cannot exceed 40 characters"
        static func labelCharacter(_ repr: String) -> String { "Label contains invalid character: \(repr)" }

        // MARK: - Paths and expressions

        static let contextObjectNotAllowed = "the context object ($$) cannot be used here"
        static let variableNotAllowed = "a variable cannot be used here"

        /// A field that takes a Reference Path; `problem` is given only where AWS explains.
        static func notReferencePath(_ problem: String?) -> String {
            problem.map { "Value is not a Reference Path: \($0)" } ?? "Value is not a Reference Path"
        }

        static func invalidJSONPath(field: String, _ problem: String) -> String {
            "The value for the field '\(field)' must be a valid JSONPath (\(problem))"
        }

        /// A `.$` key (or Fail's `ErrorPath`/`CausePath`) whose value is neither.
        static func invalidDynamicValue(_ field: String) -> String {
            "The value for the field '\(field)' must be a valid JSONPath or a valid intrinsic function call"
        }

        static let notRFC3339Timestamp = "String does not match RFC3339 timestamp"

        static func emptyJSONata(_ text: String) -> String { "The JSONata expression is empty: '\(text)'" }
    }
}

extension Diagnostic.Code {
    public static let invalidJSONataExpression = "INVALID_JSONATA_EXPRESSION"
}
