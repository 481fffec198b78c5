import ASLJSON

/// Checks a state machine definition the way AWS's `ValidateStateMachineDefinition` does
/// (ASL-REFERENCE §12): every problem is reported at once, each as a ``Diagnostic`` with AWS's
/// code, AWS's message text where it is known, and the JSON-pointer location of the problem.
///
/// ```swift
/// let result = Validator.validate(text, type: .express)
/// if result.isValid, let machine = result.definition { ... }
/// for d in result.diagnostics { print("\(file):\(d.locationText ?? "/"): \(d.severity.rawValue) \(d.code): \(d.message)") }
/// ```
public enum Validator {
    /// Validates a definition given as JSON text. A text that is not JSON yields a single
    /// `INVALID_JSON_DESCRIPTION` diagnostic worded like AWS's (Jackson's) parser message.
    ///
    /// - Parameter type: the machine type to validate for. Defaults to `.express` because aslx
    ///   runs Express workflows (AWS's own default is STANDARD).
    public static func validate(_ text: String, type: WorkflowType = .express) -> ValidationResult {
        if text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }) {
            return ValidationResult(diagnostics: [.schema(Diagnostic.Message.notAJSONObject, at: nil)], definition: nil)
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(text)
        } catch {
            return ValidationResult(diagnostics: [jsonSyntaxDiagnostic(text, error)], definition: nil)
        }
        return validate(json, type: type)
    }

    /// Validates an already parsed definition.
    ///
    /// Every expression in it (paths, intrinsic calls, timestamps, JSONata) is parsed by the
    /// parser the compiler uses, so a definition this accepts also compiles.
    public static func validate(_ json: JSONValue, type: WorkflowType = .express) -> ValidationResult {
        guard case .object = json else {
            return ValidationResult(diagnostics: [.schema(Diagnostic.Message.notAJSONObject, at: nil)], definition: nil)
        }
        var decoder = ModelDecoder()
        let machine = decoder.machine(json, at: .root, inherited: .jsonPath, topLevel: true)
        var pass = ValidationPass(type: type, root: json)
        pass.diagnostics = decoder.diagnostics
        pass.checkMachine(json, machine, topLevel: true)
        var diagnostics = pass.diagnostics
        for i in diagnostics.indices {
            if let location = diagnostics[i].location { diagnostics[i].locationText = awsLocation(location, in: json) }
        }
        let isValid = !diagnostics.contains { $0.severity == .error }
        var result = ValidationResult(diagnostics: diagnostics, definition: isValid ? machine : nil)
        if isValid { result.parsed = pass.parsed }
        return result
    }

    /// Renders a pointer the way AWS prints locations: array indices in brackets
    /// (`/States/C/Choices[0]/Next`), the root as `/`, no RFC 6901 escaping.
    public static func awsLocation(_ pointer: JSONPointer, in root: JSONValue) -> String {
        if pointer.tokens.isEmpty { return "/" }
        var out = ""
        var node: JSONValue? = root
        for token in pointer.tokens {
            if case .array(let a)? = node, let i = Int(token) {
                out += "[\(token)]"
                node = i >= 0 && i < a.count ? a[i] : nil
            } else {
                out += "/" + token
                node = node?[token]
            }
        }
        return out
    }

    /// AWS reports JSON syntax errors with Jackson's wording and a `[Source: ...]` location.
    static func jsonSyntaxDiagnostic(_ text: String, _ error: any Error) -> Diagnostic {
        let parserError = error as? JSONParserError
        let bytes = Array(text.utf8)
        var line = parserError?.line ?? 1
        var column = parserError?.column ?? 1
        var message = parserError?.message ?? "\(error)"
        // An unquoted word where a value belongs: Jackson reads the whole word first.
        if let offset = parserError?.offset, offset <= bytes.count {
            var start = min(offset, bytes.count)
            func isWord(_ b: UInt8) -> Bool {
                (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x24
            }
            while start > 0, isWord(bytes[start - 1]) { start -= 1 }
            var end = start
            while end < bytes.count, isWord(bytes[end]) { end += 1 }
            if end > start, !(bytes[start] >= 0x30 && bytes[start] <= 0x39) {
                let word = String(decoding: bytes[start..<end], as: UTF8.self)
                if !["true", "false", "null"].contains(word) {
                    message = Diagnostic.Message.unrecognizedToken(word)
                    // Line and column of the character after the word (1-based).
                    line = 1
                    var lineStart = 0
                    for k in 0..<start where bytes[k] == 0x0A { line += 1; lineStart = k + 1 }
                    column = end - lineStart + 1
                }
            }
        }
        var source = text
        if source.count > 500 { source = String(source.prefix(500)) + "\"[truncated \(text.count - 500) chars]" } else { source += "\"" }
        let location = "[Source: (String)\"\(source); line: \(line), column: \(column)]"
        var diagnostic = Diagnostic(.error, code: Diagnostic.Code.invalidJSONDescription, message: "\(message)\n at \(location)",
                                    location: nil, locationText: location)
        diagnostic.textPosition = .init(line: line, column: column)
        return diagnostic
    }
}

/// What ``Validator`` found: every diagnostic, and the decoded machine when there is no error.
public struct ValidationResult: Sendable {
    /// All diagnostics, errors and warnings, in the order found.
    public var diagnostics: [Diagnostic]
    /// The decoded definition; `nil` when any ERROR diagnostic exists.
    public var definition: StateMachineDefinition?
    /// The expressions the validator parsed, which the compiler reuses.
    var parsed = ParsedExpressions()

    public init(diagnostics: [Diagnostic], definition: StateMachineDefinition?) {
        self.diagnostics = diagnostics
        self.definition = definition
    }

    /// No ERROR diagnostic (warnings allowed).
    public var isValid: Bool { !diagnostics.contains { $0.severity == .error } }

    /// The ERROR diagnostics only.
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }

    /// AWS's response shape: `{"result": "OK"|"FAIL", "diagnostics": [...], "truncated": false}`.
    ///
    /// - Parameters:
    ///   - severity: the least severe diagnostic to include (AWS's `severity` request field,
    ///     default ERROR, which leaves warnings out).
    ///   - maxResults: at most this many diagnostics (AWS's default and maximum is 100);
    ///     `truncated` tells whether more existed.
    public func json(severity: Diagnostic.Severity = .error, maxResults: Int = 100) -> JSONValue {
        let selected = diagnostics.filter { severity == .warning || $0.severity == .error }
        var object = JSONObject()
        object["result"] = .string(isValid ? "OK" : "FAIL")
        object["diagnostics"] = .array(selected.prefix(max(0, maxResults)).map(\.json))
        object["truncated"] = .bool(selected.count > max(0, maxResults))
        return .object(object)
    }
}
