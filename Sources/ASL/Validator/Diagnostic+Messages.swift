import ASLJSON

extension Diagnostic {
    /// Every text the validator and the model decoder put in a ``Diagnostic``: AWS's wording
    /// where it is known (recorded in `../shared/conformance/validation` and the validator
    /// tests), ours where AWS is silent. One static member per message, so the wording can be
    /// reviewed in one place.
    enum Message {
        // MARK: - The definition as a whole

        static let notAJSONObject = "Definition must be a valid JSON object"

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

        // MARK: - Field types

        /// `The field 'X' must be <expected>, but was <type>`.
        static func fieldType(_ field: String, _ expected: String, _ value: JSONValue) -> String {
            "The field '\(field)' must be \(expected), but was \(value.typeName)"
        }
    }
}

extension Diagnostic.Code {
    public static let invalidJSONataExpression = "INVALID_JSONATA_EXPRESSION"
}
