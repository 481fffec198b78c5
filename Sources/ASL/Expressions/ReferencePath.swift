import ASLJSON

/// A Reference Path (`ResultPath`, Choice `Variable`, `*Path` operands, `SecondsPath`, …):
/// a path made only of single `.name` / `['name']` / `[index]` steps, which names exactly one
/// node and so can also be written to.
public struct ReferencePath: Sendable, Hashable, CustomStringConvertible {
    /// The underlying (definite) path.
    public let path: JSONPath

    public init(_ text: String) throws(ExpressionCompileError) {
        try self.init(path: JSONPath(text))
    }

    /// A parsed path that must be a Reference Path.
    public init(path: JSONPath) throws(ExpressionCompileError) {
        let text = path.text
        if let problem = path.referencePathProblem {
            throw ExpressionCompileError("The value '\(text)' is not a valid reference path", reason: problem)
        }
        self.path = path
    }

    public var text: String { path.text }
    public var description: String { path.text }
    /// Whether this path can be a `ResultPath` target (rooted at `$`, not `$$` or a variable).
    public var isWritable: Bool { path.root == .input }

    /// The referenced value, or `nil` when it does not exist (or the variable is unset).
    @inlinable public func value(_ context: ExpressionContext) -> JSONValue? { path.evaluate(context) }

    /// The referenced value in `root`, or `nil`.
    @inlinable public func value(in root: JSONValue) -> JSONValue? { path.evaluate(root: root) }

    /// `ResultPath` semantics: `$` replaces `root` by `value`; otherwise `root` is copied with
    /// the node at this path set to `value`, creating missing intermediate objects. An
    /// intermediate that is not an object (or an array index out of range) cannot take the
    /// value: `States.ResultPathMatchFailure` (the ASL specification's and the Developer Guide's
    /// name for "a state's ResultPath field cannot be applied to the input the state received",
    /// which a `States.ALL` catcher can catch), worded like Jayway (`Invalid path '$.a.b' : …`).
    public func set(_ value: JSONValue, into root: JSONValue) throws(StatesError) -> JSONValue {
        if path.steps.isEmpty { return value }
        var result = root
        if Self.assign(value, at: path.steps[...], in: &result) { return result }
        throw StatesError.resultPathNotApplicable(path.text, setFailureReason(root: root))
    }

    private static func assign(_ value: JSONValue, at steps: ArraySlice<JSONPathStep>, in node: inout JSONValue) -> Bool {
        guard let step = steps.first else { node = value; return true }
        let rest = steps.dropFirst()
        switch step {
        case .field(let name):
            guard case .object(var object) = node else { return false }
            node = .null  // drop our reference so `object` is uniquely owned when possible
            var child: JSONValue
            if let existing = object[name] {
                child = existing
                // Release the object's reference so the child is uniquely owned and the
                // nested write happens in place.
                if !rest.isEmpty { object.setValue(.null, forKey: name) }
            } else {
                child = rest.isEmpty ? .null : .object(JSONObject())
            }
            let ok = assign(value, at: rest, in: &child)
            object[name] = child
            node = .object(object)
            return ok
        case .index(let index):
            guard case .array(var array) = node, index >= 0, index < array.count else { return false }
            node = .null
            var child = array[index]
            if !rest.isEmpty { array[index] = .null }
            let ok = assign(value, at: rest, in: &child)
            array[index] = child
            node = .array(array)
            return ok
        default:
            return false
        }
    }

    private func setFailureReason(root: JSONValue) -> String {
        var current = root
        var rendered = "$"
        for step in path.steps {
            switch step {
            case .field(let name):
                guard case .object(let o) = current else {
                    return "Expected to find an object with property ['\(name)'] in path \(rendered) but found '\(current.typeName)'."
                }
                rendered += "['\(name)']"
                guard let v = o[name] else { return "Missing property in path \(rendered)" }
                current = v
            case .index(let i):
                guard case .array(let a) = current else {
                    return "Filter: [\(i)] can only be applied to arrays. Current context is: \(JSONWriter.string(current))"
                }
                guard i < a.count else { return "Index \(i) is out of bounds in path \(rendered)" }
                rendered += "[\(i)]"
                current = a[i]
            default: break
            }
        }
        return "No results for path: \(path.normalized)"
    }
}
