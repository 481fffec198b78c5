import ASLJSON
import Foundation
import JSONata

/// A JSONata-mode field value (`Arguments`, `Output`, `Assign`, `Items`, ...): literal JSON in
/// which any string of the form `{% expr %}`, at any depth, is an expression compiled ahead of time.
struct JSONataTemplate: Sendable {
    indirect enum Node: Sendable {
        case constant(JSONValue)
        case expression(JSONataExpression, source: String, fieldPath: String)
        case object([(String, Node)])
        case array([Node])
    }

    let root: Node
    /// Variables the expressions read (so evaluation binds only those).
    let referencedVariables: Set<String>
    /// Whether any expression may read `$states.context` (building it costs a few allocations).
    let usesContext: Bool
    /// Whether any expression reads `$states`.
    let usesStates: Bool
    /// `referencedVariables` without `states`, as a list (bound per evaluation).
    let otherVariables: [String]

    init(constant: JSONValue, field: String) {
        root = .constant(constant)
        referencedVariables = []
        usesContext = false
        usesStates = false
        otherVariables = []
    }

    init(root: Node) {
        self.root = root
        var variables = Set<String>()
        var context = false
        Self.visitExpressions(root) { e in
            variables.formUnion(e.referencedVariables)
            if e.fieldPaths(following: "states").contains(where: { $0.first == "context" || $0.isEmpty }) { context = true }
        }
        referencedVariables = variables
        usesContext = context
        usesStates = variables.contains("states")
        otherVariables = variables.filter { $0 != "states" }.sorted()
    }

    /// Compiles `value`; `field` names the field in error causes (`Output`, `Arguments`, ...).
    init(_ value: JSONValue, field: String) throws(StatesError) {
        self.init(root: try Self.compile(value, fieldPath: field))
    }

    private static func visitExpressions(_ node: Node, _ body: (JSONataExpression) -> Void) {
        switch node {
        case .constant: break
        case .expression(let e, _, _): body(e)
        case .object(let fields): for (_, n) in fields { visitExpressions(n, body) }
        case .array(let nodes): for n in nodes { visitExpressions(n, body) }
        }
    }

    /// Like ``init(_:field:)`` but reports a compile error and falls back to a constant.
    static func orConstant(_ value: JSONValue, field: String, report: (String) -> Void) -> JSONataTemplate {
        do throws(StatesError) {
            return try JSONataTemplate(value, field: field)
        } catch {
            report(error.cause ?? error.error)
            return JSONataTemplate(constant: .null, field: field)
        }
    }

    /// The expression text when the whole field is one `{% %}` expression.
    var singleExpressionSource: String? {
        if case .expression(_, let source, _) = root { return source }
        return nil
    }

    /// The `{% ... %}` body of a string, if it is a JSONata expression string.
    static func body(_ s: String) -> Substring? { StateDefinition.jsonataBody(s) }

    private static func compile(_ value: JSONValue, fieldPath: String) throws(StatesError) -> Node {
        switch value {
        case .string(let s):
            guard let rawBody = body(s) else { return .constant(value) }
            // AWS quotes the expression without the whitespace inside the delimiters.
            let body = rawBody.trimmingCharacters(in: .whitespacesAndNewlines)
            do throws(JSONataError) {
                let expression = try JSONataExpression(String(body))
                return .expression(expression, source: String(body), fieldPath: fieldPath)
            } catch {
                throw StatesError.jsonataNotParsed(body, field: fieldPath, error)
            }
        case .object(let o):
            var constant = true
            var fields: [(String, Node)] = []
            for (k, v) in o {
                let node = try compile(v, fieldPath: fieldPath + "/" + k)
                if case .constant = node {} else { constant = false }
                fields.append((k, node))
            }
            return constant ? .constant(value) : .object(fields)
        case .array(let a):
            var constant = true
            var nodes: [Node] = []
            for (i, v) in a.enumerated() {
                let node = try compile(v, fieldPath: fieldPath + "[\(i)]")
                if case .constant = node {} else { constant = false }
                nodes.append(node)
            }
            return constant ? .constant(value) : .array(nodes)
        default:
            return .constant(value)
        }
    }

    /// Evaluates with `bindings` (`states` plus the workflow variables).
    func evaluate(bindings: [(String, JSONValue)], environment: JSONataEnvironment) throws(StatesError) -> JSONValue {
        try Self.evaluate(root, bindings: bindings, environment: environment)
    }

    /// The single expression's raw result (nil = undefined), for fields that check the type themselves.
    func evaluateRaw(bindings: [(String, JSONValue)], environment: JSONataEnvironment) throws(StatesError) -> (JSONValue?, source: String, fieldPath: String)? {
        guard case .expression(let e, let source, let fieldPath) = root else { return nil }
        do throws(JSONataError) {
            switch try e.evaluateResult(input: nil, bindingList: bindings, environment: environment) {
            case .value(let v): return (v, source, fieldPath)
            case .undefined, .function: return (nil, source, fieldPath)
            }
        } catch {
            throw StatesError.jsonataFailed(source, field: fieldPath, error)
        }
    }

    private static func evaluate(_ node: Node, bindings: [(String, JSONValue)], environment: JSONataEnvironment) throws(StatesError) -> JSONValue {
        switch node {
        case .constant(let v): return v
        case .expression(let e, let source, let fieldPath):
            let result: JSONataResult
            do throws(JSONataError) {
                result = try e.evaluateResult(input: nil, bindingList: bindings, environment: environment)
            } catch {
                throw StatesError.jsonataFailed(source, field: fieldPath, error)
            }
            switch result {
            case .value(let v): return v
            case .undefined:
                throw StatesError.jsonataUndefined(source, field: fieldPath)
            case .function:
                throw StatesError.jsonataUnsupportedResult(source, field: fieldPath)
            }
        case .object(let fields):
            var o = JSONObject(minimumCapacity: fields.count)
            for (k, n) in fields { o[k] = try evaluate(n, bindings: bindings, environment: environment) }
            return .object(o)
        case .array(let nodes):
            var a: [JSONValue] = []
            a.reserveCapacity(nodes.count)
            for n in nodes { a.append(try evaluate(n, bindings: bindings, environment: environment)) }
            return .array(a)
        }
    }
}
