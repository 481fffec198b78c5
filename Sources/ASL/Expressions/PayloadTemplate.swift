import ASLJSON

/// A compiled payload template (`Parameters`, `ResultSelector`, `ItemSelector`, Map
/// `Parameters`, JSONPath `Assign`, …) (§3.3).
///
/// Keys ending in `.$` hold a path (`$…`, `$$…`, `$var…`) or an intrinsic call; the suffix is
/// dropped from the output key. Everything else is copied literally, recursing into nested
/// objects and arrays. Constant subtrees are built once; an object with dynamic fields is a
/// prebuilt skeleton whose slots are filled per evaluation.
public struct PayloadTemplate: Sendable {
    /// A single dynamic value: the string under a `.$` key (also `ErrorPath`/`CausePath`).
    public enum Expression: Sendable {
        case path(JSONPath)
        case intrinsic(IntrinsicFunction)

        /// Classifies and compiles the string value of the field `field` (e.g. `"k.$"`), as
        /// AWS does: `$…` is a path, `States.…)` an intrinsic, anything else is rejected with
        /// `The value for the field '<field>' must be a valid JSONPath or a valid intrinsic function call`.
        public init(_ text: String, field: String) throws(ExpressionCompileError) {
            if text.hasPrefix("$") {
                do { self = .path(try JSONPath(text)) } catch {
                    throw ExpressionCompileError("The value for the field '\(field)' must be a valid JSONPath or a valid intrinsic function call", detail: error.message)
                }
            } else if IntrinsicFunction.looksLikeCall(text) {
                do { self = .intrinsic(try IntrinsicFunction(text)) } catch {
                    throw ExpressionCompileError("The value for the field '\(field)' must be a valid JSONPath or a valid intrinsic function call", detail: error.message)
                }
            } else {
                throw ExpressionCompileError("The value for the field '\(field)' must be a valid JSONPath or a valid intrinsic function call")
            }
        }

        /// The value, or `States.Runtime`:
        /// `The JSONPath '<path>' specified for the field '<field>' could not be found in the input '<json>'`.
        @inlinable public func evaluate(_ context: ExpressionContext, field: String) throws(StatesError) -> JSONValue {
            switch self {
            case .path(let path):
                if let v = path.evaluate(context) { return v }
                throw Self.missing(path, field: field, context)
            case .intrinsic(let function):
                return try function.evaluate(context)
            }
        }

        @usableFromInline static func missing(_ path: JSONPath, field: String, _ context: ExpressionContext) -> StatesError {
            StatesError.fieldPathNotFound(path.text, field: field, input: JSONWriter.string(context.input))
        }
    }

    indirect enum Node: Sendable {
        case constant(JSONValue)
        /// An object: prebuilt with constants (dynamic fields hold `null`), then slots filled.
        case object(JSONObject, [ObjectSlot])
        case array([JSONValue], [ArraySlot])
        case expression(Expression, field: String)

        var isConstant: Bool { if case .constant = self { return true }; return false }

        func evaluate(_ context: ExpressionContext) throws(StatesError) -> JSONValue {
            switch self {
            case .constant(let v): return v
            case .expression(let e, let field): return try e.evaluate(context, field: field)
            case .object(var object, let slots):
                for slot in slots {
                    let value = try slot.node.evaluate(context)
                    if slot.position >= 0 { object.setValue(value, at: slot.position) } else { object.setValue(value, forKey: slot.key) }
                }
                return .object(object)
            case .array(var array, let slots):
                for slot in slots { array[slot.index] = try slot.node.evaluate(context) }
                return .array(array)
            }
        }
    }

    /// `position`: the key's place in the skeleton, filled in by `compile` once the skeleton is
    /// complete; -1 (look the key up) for slots built elsewhere (the bytecode decoder).
    struct ObjectSlot: Sendable { let key: String; var position = -1; let node: Node }
    struct ArraySlot: Sendable { let index: Int; let node: Node }

    /// `node` with every object slot's skeleton position filled in (for trees built outside
    /// `compile`, such as by the `.aslc` decoder).
    static func resolvingPositions(_ node: Node) -> Node {
        switch node {
        case .constant, .expression: return node
        case .object(let skeleton, let slots):
            return .object(skeleton, slots.map { slot in
                var s = ObjectSlot(key: slot.key, node: resolvingPositions(slot.node))
                s.position = skeleton.index(forKey: slot.key) ?? -1
                return s
            })
        case .array(let skeleton, let slots):
            return .array(skeleton, slots.map { ArraySlot(index: $0.index, node: resolvingPositions($0.node)) })
        }
    }

    let root: Node

    /// Compiles `template` (normally a JSON object).
    public init(_ template: JSONValue) throws(ExpressionCompileError) {
        root = try Self.compile(template, parsed: [:])
    }

    /// Compiles `template`, taking the `.$` values found in `parsed` (by their text) as they are.
    init(_ template: JSONValue, parsed: [String: Expression]) throws(ExpressionCompileError) {
        root = try Self.compile(template, parsed: parsed)
    }

    /// Whether the template has no paths or intrinsics (its value is ``constantValue``).
    public var isConstant: Bool { root.isConstant }
    /// The value of a constant template.
    public var constantValue: JSONValue? { if case .constant(let v) = root { return v }; return nil }

    /// Builds the payload. Missing paths fail with AWS's cause text (see ``Expression``);
    /// intrinsic failures with `The function '<call>' had the following error: …`.
    public func evaluate(_ context: ExpressionContext) throws(StatesError) -> JSONValue {
        try root.evaluate(context)
    }

    static func compile(_ value: JSONValue, parsed: [String: Expression]) throws(ExpressionCompileError) -> Node {
        switch value {
        case .object(let object):
            var skeleton = JSONObject(minimumCapacity: object.count)
            var slots: [ObjectSlot] = []
            for (key, child) in object {
                if key.hasSuffix(".$") {
                    let outKey = String(key.dropLast(2))
                    guard case .string(let text) = child else {
                        throw ExpressionCompileError("The value for the field '\(key)' must be a valid JSONPath or a valid intrinsic function call")
                    }
                    let e: Expression
                    if let known = parsed[text] { e = known } else { e = try Expression(text, field: key) }
                    skeleton.setValue(.null, forKey: outKey)
                    slots.removeAll { $0.key == outKey }
                    slots.append(ObjectSlot(key: outKey, node: .expression(e, field: key)))
                } else {
                    let node = try compile(child, parsed: parsed)
                    slots.removeAll { $0.key == key }
                    if case .constant(let v) = node {
                        skeleton.setValue(v, forKey: key)
                    } else {
                        skeleton.setValue(.null, forKey: key)
                        slots.append(ObjectSlot(key: key, node: node))
                    }
                }
            }
            for i in slots.indices { slots[i].position = skeleton.index(forKey: slots[i].key)! }
            return slots.isEmpty ? .constant(.object(skeleton)) : .object(skeleton, slots)
        case .array(let array):
            var skeleton: [JSONValue] = []
            skeleton.reserveCapacity(array.count)
            var slots: [ArraySlot] = []
            for (i, child) in array.enumerated() {
                let node = try compile(child, parsed: parsed)
                if case .constant(let v) = node { skeleton.append(v) } else {
                    skeleton.append(.null)
                    slots.append(ArraySlot(index: i, node: node))
                }
            }
            return slots.isEmpty ? .constant(.array(skeleton)) : .array(skeleton, slots)
        default:
            return .constant(value)
        }
    }
}
