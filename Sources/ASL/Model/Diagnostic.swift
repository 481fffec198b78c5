import ASLJSON

/// One problem found in a state machine definition, shaped like an element of AWS's
/// `ValidateStateMachineDefinition` response (ASL-REFERENCE §12).
///
/// `code` is AWS's diagnostic code (`SCHEMA_VALIDATION_FAILED`, `MISSING_TRANSITION_TARGET`, ...),
/// `message` the human-readable text (AWS's own wording where it is known) and `location` the
/// JSON pointer of the offending value (`/States/Foo/Next`), or `nil` when the problem has no
/// place in the definition (an empty text, say).
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// How bad a diagnostic is. Only errors make a definition invalid.
    public enum Severity: String, Sendable, Hashable {
        case error = "ERROR"
        case warning = "WARNING"
    }

    public var severity: Severity
    public var code: String
    public var message: String
    public var location: JSONPointer?
    /// The location as AWS prints it: the pointer with array indices in brackets
    /// (`/States/C/Choices[0]/Next`), or a parser position for JSON syntax errors
    /// (`[Source: (String)"..."; line: 1, column: 4]`). `nil` when there is no location.
    public var locationText: String?
    /// Where in the definition's text a JSON syntax error is (`INVALID_JSON_DESCRIPTION`):
    /// 1-based line and column (in characters). `nil` for every other diagnostic.
    public var textPosition: TextPosition?

    /// A 1-based line and column in a text.
    public struct TextPosition: Sendable, Hashable {
        public var line: Int
        public var column: Int
        public init(line: Int, column: Int) { self.line = line; self.column = column }
    }

    /// Creates a diagnostic; `locationText` defaults to the pointer's RFC 6901 form
    /// (``Validator`` re-renders it with bracketed array indices).
    public init(_ severity: Severity = .error, code: String, message: String, location: JSONPointer?, locationText: String? = nil) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
        self.locationText = locationText ?? location?.description
    }

    /// `location: severity code: message`, e.g. `/States/A/Next: ERROR MISSING_TRANSITION_TARGET: ...`.
    public var description: String {
        "\(locationText ?? "-"): \(severity.rawValue) \(code): \(message)"
    }

    /// The diagnostic as one element of AWS's `diagnostics` array.
    public var json: JSONValue {
        var object = JSONObject()
        object["severity"] = .string(severity.rawValue)
        object["code"] = .string(code)
        object["message"] = .string(message)
        if let text = locationText { object["location"] = .string(text) }
        return .object(object)
    }

    /// The text AWS's CreateStateMachine embeds in its `InvalidDefinition` exception:
    /// `Invalid State Machine Definition: 'CODE: message at /location'`.
    public var invalidDefinitionMessage: String {
        var text = "\(code): \(message)"
        if let location = locationText { text += " at \(location)" }
        return "Invalid State Machine Definition: '\(text)'"
    }
}

extension Diagnostic {
    /// Well-known diagnostic codes (AWS `ValidateStateMachineDefinitionDiagnostic`).
    public enum Code {
        public static let schemaValidationFailed = "SCHEMA_VALIDATION_FAILED"
        public static let invalidJSONDescription = "INVALID_JSON_DESCRIPTION"
        public static let missingDescription = "MISSING_DESCRIPTION"
        public static let invalidResource = "INVALID_RESOURCE"
        public static let missingEndState = "MISSING_END_STATE"
        public static let duplicateStateName = "DUPLICATE_STATE_NAME"
        public static let invalidStateName = "INVALID_STATE_NAME"
        public static let invalidLabelName = "INVALID_LABEL_NAME"
        public static let missingTransitionTarget = "MISSING_TRANSITION_TARGET"
        public static let tooDeeplyNested = "TOO_DEEPLY_NESTED"
        public static let unreachableState = "UNREACHABLE_STATE"
        public static let noDollar = "NO_DOLLAR"
        public static let noPath = "NO_PATH"
        public static let passResultIsStatic = "PASS_RESULT_IS_STATIC"
    }

    static func schema(_ message: String, at location: JSONPointer?) -> Diagnostic {
        Diagnostic(.error, code: Code.schemaValidationFailed, message: message, location: location)
    }
}

/// The kind of state machine a definition is validated for. Express machines reject `.sync`
/// and `.waitForTaskToken` integrations and activities (ASL-REFERENCE §10.6).
public enum WorkflowType: String, Sendable, Hashable, CaseIterable {
    case standard = "STANDARD"
    case express = "EXPRESS"
}
