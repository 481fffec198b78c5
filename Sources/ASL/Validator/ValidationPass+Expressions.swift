import ASLJSON

/// The expressions embedded in a definition's strings: JSONPath paths and reference paths
/// (ASL-REFERENCE §3.4), intrinsic function calls (§4.2), RFC 3339 timestamps (§5.3) and
/// JSONata `{% %}` strings (§8.1). Each is parsed by the parser in `Expressions/` that the
/// compiler uses; the validator only maps that parser's errors to AWS's diagnostics.
extension ValidationPass {
    /// What a `$...` string may be in a given field.
    struct PathRules {
        /// Only `.name`, `['name']` and `[index]` steps (a Reference Path).
        var reference = false
        /// `$$...` (the context object) is allowed.
        var context = true
        /// `$name...` (a variable) is allowed.
        var variables = true

        static let path = PathRules()
        static let referencePath = PathRules(reference: true)
        /// `ResultPath`: a reference path into the state's input only.
        static let resultPath = PathRules(reference: true, context: false, variables: false)
        /// Map's `MaxConcurrencyPath` and `ToleratedFailure*Path`: no context object.
        static let numericPath = PathRules(reference: true, context: false, variables: true)
    }

    /// Why `text` is not a path allowed by `rules`, or `nil` when it is one.
    static func pathProblem(_ text: String, _ rules: PathRules) -> String? {
        switch parsePath(text, rules) {
        case .success: return nil
        case .failure(let problem): return problem.text
        }
    }

    struct PathProblem: Error { var text: String }

    /// The path `text`, or why it is not one `rules` allow.
    static func parsePath(_ text: String, _ rules: PathRules) -> Result<JSONPath, PathProblem> {
        let path: JSONPath
        do throws(ExpressionCompileError) {
            path = try JSONPath(text)
        } catch {
            return .failure(PathProblem(text: error.reason ?? error.message))
        }
        switch path.root {
        case .context where !rules.context: return .failure(PathProblem(text: Message.contextObjectNotAllowed))
        case .variable where !rules.variables: return .failure(PathProblem(text: Message.variableNotAllowed))
        default: break
        }
        if rules.reference, let problem = path.referencePathProblem { return .failure(PathProblem(text: problem)) }
        return .success(path)
    }

    /// Checks a path field, keeping the parsed path for the compiler.
    mutating func checkPathValue(_ path: String, field: String, _ rules: PathRules, at location: JSONPointer) {
        let problem: String
        switch Self.parsePath(path, rules) {
        case .success(let parsedPath):
            parsed.paths[path] = parsedPath
            return
        case .failure(let p):
            problem = p.text
        }
        if rules.reference {
            let explained = field == "ResultPath" && path.hasPrefix("$") && !path.hasPrefix("$.") && !path.hasPrefix("$[") && path != "$"
            schema(Message.notReferencePath(explained ? problem : nil), at: location)
        } else {
            schema(Message.invalidJSONPath(field: field, problem), at: location)
        }
    }

    /// Whether `text` is a literal timestamp the definition schema accepts.
    static func isTimestampLiteral(_ text: String) -> Bool { Timestamp(text, definitionLiteral: true) != nil }

    /// Whether `text` is a JSONata expression string (`{% ... %}`, ASL-REFERENCE §8.1).
    static func isJSONata(_ text: String) -> Bool { StateDefinition.jsonataBody(text) != nil }

    // MARK: - JSONPath payload templates

    /// A JSONPath payload template: keys ending `.$` hold a path or an intrinsic call.
    mutating func checkPathTemplate(_ value: JSONValue, field: String, requireObject: Bool, at location: JSONPointer) {
        if requireObject, value.objectValue == nil {
            schema(Message.fieldType(field, "an object", value), at: location)
            return
        }
        walkPathTemplate(value, at: location)
    }

    mutating func walkPathTemplate(_ value: JSONValue, at location: JSONPointer) {
        switch value {
        case .object(let object):
            for (key, v) in object {
                if key.hasSuffix(".$"), key.count > 2 {
                    do throws(ExpressionCompileError) {
                        guard case .string(let text) = v else { throw ExpressionCompileError(Message.invalidDynamicValue(key)) }
                        parsed.dynamicValues[text] = try PayloadTemplate.Expression(text, field: key)
                    } catch {
                        schema(error.message, at: location)
                    }
                } else {
                    walkPathTemplate(v, at: location)
                }
            }
        case .array(let elements):
            for e in elements { walkPathTemplate(e, at: location) }
        default:
            break
        }
    }

    // MARK: - JSONata

    /// A JSONata template: `{% %}` strings must not be empty and must parse.
    mutating func checkJSONataTemplate(_ value: JSONValue, field: String, objectOrExpression: Bool, at location: JSONPointer) {
        if objectOrExpression {
            switch value {
            case .object: break
            case .string(let s) where Self.isJSONata(s): break
            default:
                schema(Message.fieldType(field, "an object or a JSONata expression ('{% ... %}')", value), at: location)
                return
            }
        }
        walkJSONata(value, field: field, at: location)
    }

    /// Reports empty `{% %}` strings in `value`; when there is none, compiles `value` as the
    /// compiler will and reports the first expression that does not parse.
    mutating func walkJSONata(_ value: JSONValue, field: String, at location: JSONPointer) {
        var empty: [String] = []
        Self.collectEmptyJSONata(value, into: &empty)
        for s in empty { error(Diagnostic.Code.invalidJSONataExpression, Message.emptyJSONata(s), at: location) }
        guard empty.isEmpty else { return }
        do throws(StatesError) {
            parsed.jsonata[.init(location: location, name: field)] = try JSONataTemplate(value, field: field)
        } catch {
            schema(error.cause ?? error.error, at: location)
        }
    }

    private static func collectEmptyJSONata(_ value: JSONValue, into empty: inout [String]) {
        switch value {
        case .string(let s):
            if let body = StateDefinition.jsonataBody(s), body.allSatisfy(\.isWhitespace) { empty.append(s) }
        case .object(let object):
            // Keys are literal in JSONata: AWS runs `"x.$": ...` as a plain key named `x.$`.
            for v in object.values { collectEmptyJSONata(v, into: &empty) }
        case .array(let elements):
            for e in elements { collectEmptyJSONata(e, into: &empty) }
        default:
            break
        }
    }

    /// A JSONata field that takes a literal of one JSON type or a `{% %}` string.
    mutating func checkJSONataOperand(_ object: JSONObject, _ key: String, literal: String, at base: JSONPointer,
                                      matches: (JSONValue) -> Bool)
    {
        guard let value = object[key] else { return }
        if case .string(let s) = value, Self.isJSONata(s) { walkJSONata(value, field: key, at: base / key); return }
        if !matches(value) {
            schema(Message.fieldType(key, "\(literal) or a JSONata expression ('{% ... %}')", value), at: base / key)
        }
    }

    /// A model operand given as a `{% %}` string (`TimeoutSeconds`, Wait `Seconds`, Fail `Error`, ...).
    mutating func checkJSONataOperand<T>(_ operand: StateDefinition.Operand<T>?, field: String, at base: JSONPointer) {
        if case .jsonata(let text)? = operand { walkJSONata(.string(text), field: field, at: base / field) }
    }
}
