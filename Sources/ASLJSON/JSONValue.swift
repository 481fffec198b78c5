/// A JSON value as the VM sees it.
///
/// `JSONValue` is small (two words plus a tag) and cheap to copy: strings, arrays and
/// objects are copy-on-write, so sharing a value between executions or threads costs a
/// reference-count increment. Objects keep their keys in the order they were written, as AWS
/// does, and numbers keep their kind (see ``JSONNumber``).
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, keeping its kind (see ``JSONNumber``).
    case number(JSONNumber)
    /// A string (any Unicode scalars; lone surrogates cannot occur).
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, keys in written order.
    case object(JSONObject)
}

extension JSONValue {
    /// An integer value.
    @inlinable public static func int(_ value: Int) -> JSONValue { .number(.int(Int64(value))) }
    /// A floating-point value.
    @inlinable public static func double(_ value: Double) -> JSONValue { .number(.double(value)) }

    /// The field `key` of an object, or `nil` when this is not an object or has no such field.
    @inlinable public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The element at `index` of an array, or `nil` when out of range or not an array.
    @inlinable public subscript(index: Int) -> JSONValue? {
        if case .array(let array) = self, index >= 0, index < array.count { return array[index] }
        return nil
    }

    /// The string, if this is a string.
    @inlinable public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    /// The boolean, if this is a boolean.
    @inlinable public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    /// The number, if this is a number.
    @inlinable public var numberValue: JSONNumber? { if case .number(let n) = self { return n }; return nil }
    /// The number as a `Double` (possibly rounded), if this is a number: `input["amount"]?.doubleValue`.
    @inlinable public var doubleValue: Double? { numberValue?.doubleValue }
    /// The number as an `Int`, if this is a number with no fractional part that fits `Int`
    /// (`42` and `42.0` give 42; `42.5`, `1e30` and non-numbers give `nil`).
    @inlinable public var intValue: Int? { numberValue?.int64Value.flatMap { Int(exactly: $0) } }
    /// The elements, if this is an array.
    @inlinable public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    /// The object, if this is an object.
    @inlinable public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }
    /// Whether this is `null`.
    @inlinable public var isNull: Bool { if case .null = self { return true }; return false }

    /// The JSON type name used in error messages ("object", "array", "string", "number", "boolean", "null").
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension JSONValue {
    /// A cheap upper bound on the length in bytes of the compact serialization: every string
    /// byte counted as a 6-byte `\u00XX` escape, 32 bytes per number (or its digits, if more),
    /// 5 per literal, plus brackets, quotes and separators. It is additive over the tree, so a
    /// subtree never measures more than its whole. Objects keep theirs up to date (the parser
    /// adds it up, every mutation adjusts it), so this only walks arrays outside objects.
    public var sizeBound: Int {
        switch self {
        case .null, .bool: return 5
        case .number(let n):
            if case .big(let digits) = n { return Swift.max(32, digits.utf8.count) }
            return 32
        case .string(let s): return 2 &+ 6 &* s.utf8.count
        case .array(let a):
            var total = 2
            for element in a { total &+= 1 &+ element.sizeBound }
            return total
        case .object(let o): return o.sizeBound
        }
    }

    /// ``sizeBound`` when it is at most `limit`, else `nil` (found without walking further).
    public func sizeBound(limit: Int) -> Int? {
        switch self {
        case .array(let a):
            var total = 2
            for element in a {
                total &+= 1
                guard total <= limit, let v = element.sizeBound(limit: limit &- total) else { return nil }
                total &+= v
            }
            return total <= limit ? total : nil
        case .object(let o):
            return o.sizeBound(within: limit)
        default:
            let bound = sizeBound
            return bound <= limit ? bound : nil
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// `nil` is `null`.
    public init(nilLiteral: ()) { self = .null }
    /// A boolean literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An integer literal is an integer-kind number (`.int`).
    public init(integerLiteral value: Int64) { self = .number(.int(value)) }
    /// A float literal is a double-kind number (`.double`), even when integral (`1.0`).
    public init(floatLiteral value: Double) { self = .number(.double(value)) }
    /// A string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An array literal.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A dictionary literal: keys in the order written; a repeated key keeps its first position and last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject(minimumCapacity: elements.count)
        for (k, v) in elements { object[k] = v }
        self = .object(object)
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact serialization, byte-identical to what AWS emits.
    public var description: String { JSONWriter.string(self) }
}
