import ASLJSON
import Foundation

// The evaluator's value model. JSONata is defined on JavaScript values, so the evaluator works on
// a JS-like model: numbers are doubles, arrays and objects have reference semantics (the
// transform operator updates clones in place), arrays carry JSONata's sequence flags, and
// functions are values. `nil` (`Value?`) is JSONata's *undefined*.
//
// Values are created per evaluation and never shared between threads; only the compiled AST is.

/// An array, with the flags JSONata attaches to its sequences.
final class JArray {
    @exclusivity(unchecked) var items: [Value]
    /// A result sequence (singleton sequences collapse to their item).
    var sequence = false
    /// Built by `[]`: a singleton is kept as an array.
    var keepSingleton = false
    /// The whole input document was an array, wrapped as a singleton sequence.
    var outerWrapper = false
    /// A stream of tuples (objects binding `@` and the step's variables).
    var tupleStream = false
    /// Built by an array constructor; not flattened by a following step.
    var cons = false

    init(_ items: [Value] = [], sequence: Bool = false) {
        self.items = items
        self.sequence = sequence
    }

    var count: Int { items.count }
    subscript(i: Int) -> Value { items[i] }
    func append(_ v: Value) { items.append(v) }
}

/// An object: keys in insertion order. Objects converted from JSON convert their values
/// lazily, on first access (most expressions touch a few fields of a large `$states`).
/// Small objects are searched linearly; larger ones get a hash index.
final class JObject {
    @exclusivity(unchecked) private(set) var keys: [String] = []
    @exclusivity(unchecked) private var values: [Value?] = []
    @exclusivity(unchecked) private var source: JSONObject?
    @exclusivity(unchecked) private var index: [String: Int]?
    private static let indexThreshold = 12

    init() {}

    init(capacity: Int) {
        keys.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    init(json: JSONObject) {
        source = json
        keys = Array(json.keys)
        values = [Value?](repeating: nil, count: keys.count)
    }

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }

    private func position(of key: String) -> Int? {
        if keys.count <= JObject.indexThreshold {
            for i in 0..<keys.count where keys[i] == key { return i }
            return nil
        }
        if index == nil {
            var ix = [String: Int](minimumCapacity: keys.count)
            for (i, k) in keys.enumerated() { ix[k] = i }
            index = ix
        }
        return index![key]
    }

    private func value(at i: Int) -> Value {
        if let v = values[i] { return v }
        let v = Value(json: source!.value(at: i))
        values[i] = v
        return v
    }

    subscript(key: String) -> Value? {
        get {
            guard let i = position(of: key) else { return nil }
            return value(at: i)
        }
        set {
            if let i = position(of: key) {
                if let newValue {
                    values[i] = newValue
                } else {
                    for j in 0..<keys.count where values[j] == nil { values[j] = value(at: j) }
                    keys.remove(at: i)
                    values.remove(at: i)
                    index = nil
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
                index?[key] = keys.count - 1
            }
        }
    }

    var entries: [(String, Value)] {
        var out: [(String, Value)] = []
        out.reserveCapacity(keys.count)
        for i in 0..<keys.count { out.append((keys[i], value(at: i))) }
        return out
    }

    func copy() -> JObject {
        let o = JObject()
        o.keys = keys
        o.values = (0..<keys.count).map { value(at: $0) }
        return o
    }
}

/// A JSONata value (see the file comment). `Optional<Value>.none` is *undefined*.
enum Value {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array(JArray)
    case object(JObject)
    case function(JFunction)

    static func seq(_ items: [Value] = []) -> JArray { JArray(items, sequence: true) }

    var isArray: Bool { if case .array = self { return true }; return false }
    var isFunction: Bool { if case .function = self { return true }; return false }
    var arrayValue: JArray? { if case .array(let a) = self { return a }; return nil }
    var objectValue: JObject? { if case .object(let o) = self { return o }; return nil }
    var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    var numberValue: Double? { if case .number(let d) = self { return d }; return nil }
    var functionValue: JFunction? { if case .function(let f) = self { return f }; return nil }

    /// JSONata's type name (`$type`).
    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        case .function: return "function"
        }
    }
}

// MARK: - Conversion from and to ASLJSON

extension Value {
    /// Converts a parsed JSON value (deep).
    init(json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let n): self = .number(n.doubleValue)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(JArray(a.map(Value.init(json:))))
        case .object(let o):
            self = .object(JObject(json: o))
        }
    }

    /// Converts to JSON: integral doubles in the safe range become integers, functions become
    /// undefined (omitted from objects, `null` in arrays, as `JSON.stringify` does).
    func toJSON() -> JSONValue? {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let d): return d.isFinite ? .number(jsonNumber(d)) : .null
        case .string(let s): return .string(s)
        case .array(let a): return .array(a.items.map { $0.toJSON() ?? .null })
        case .object(let o):
            var obj = JSONObject(minimumCapacity: o.count)
            for (k, v) in o.entries { if let j = v.toJSON() { obj.setValue(j, forKey: k) } }
            return .object(obj)
        case .function: return nil
        }
    }
}

/// The JSON number for a JSONata number: integral values within ±2^53 are integers.
func jsonNumber(_ d: Double) -> JSONNumber {
    if d.rounded(.towardZero) == d && abs(d) <= 9_007_199_254_740_992 { return .int(Int64(d)) }
    return .double(d)
}

// MARK: - JavaScript number formatting

/// `Number.prototype.toString()` for a double.
func jsNumberString(_ d: Double) -> String {
    if d.isNaN { return "NaN" }
    if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
    if d == 0 { return "0" }
    if d.rounded(.towardZero) == d && abs(d) < 1e15 { return String(Int64(d)) }
    let (negative, digits, n) = decomposeDouble(d)
    let k = digits.count
    var out = negative ? "-" : ""
    if k <= n && n <= 21 {
        out += digits + String(repeating: "0", count: n - k)
    } else if 0 < n && n <= 21 {
        let idx = digits.index(digits.startIndex, offsetBy: n)
        out += digits[..<idx] + "." + digits[idx...]
    } else if -6 < n && n <= 0 {
        out += "0." + String(repeating: "0", count: -n) + digits
    } else {
        let e = n - 1
        out += String(digits.prefix(1))
        if k > 1 { out += "." + digits.dropFirst() }
        out += "e" + (e >= 0 ? "+" : "-") + String(abs(e))
    }
    return out
}

/// Splits a finite non-zero double into sign, shortest significant digits and exponent `n`
/// such that value = 0.digits × 10^n.
func decomposeDouble(_ d: Double) -> (Bool, String, Int) {
    let text = abs(d).description
    var mantissa = Substring(text)
    var exp10 = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = text[..<e]
        exp10 = Int(text[text.index(after: e)...]) ?? 0
    }
    var intPart = mantissa
    var fracPart: Substring = ""
    if let dot = mantissa.firstIndex(of: ".") {
        intPart = mantissa[..<dot]
        fracPart = mantissa[mantissa.index(after: dot)...]
    }
    var digits = String(intPart) + fracPart
    var pointPos = intPart.count + exp10
    while digits.first == "0" { digits.removeFirst(); pointPos -= 1 }
    while digits.last == "0" { digits.removeLast() }
    if digits.isEmpty { digits = "0" }
    return (d < 0, digits, pointPos)
}

/// `Number(x.toPrecision(15))`, as `$string` normalises numbers (safe integers are kept).
func toPrecision15(_ d: Double) -> Double {
    guard d.isFinite, d != 0 else { return d }
    if d.rounded(.towardZero) == d && abs(d) <= 9_007_199_254_740_992 { return d }
    return Double(String(format: "%.15g", d)) ?? d
}

// MARK: - JSON.stringify

/// `JSON.stringify` of a value; `jsonataNumbers` applies `$string`'s 15-digit precision.
func stringify(_ v: Value?, pretty: Bool = false, jsonataNumbers: Bool = false) -> String {
    guard let v else { return "undefined" }
    var out = ""
    writeJSON(v, into: &out, indent: pretty ? 0 : -1, precision15: jsonataNumbers)
    return out
}

private func writeJSON(_ v: Value, into out: inout String, indent: Int, precision15: Bool) {
    switch v {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .number(let d):
        if !d.isFinite { out += "null"; return }
        out += jsNumberString(precision15 && !(d.rounded(.towardZero) == d && abs(d) <= 9_007_199_254_740_992) ? toPrecision15(d) : d)
    case .string(let s): writeJSONString(s, into: &out)
    case .function: out += precision15 ? "\"\"" : "null"
    case .array(let a):
        if a.items.isEmpty { out += "[]"; return }
        out += "["
        for (i, item) in a.items.enumerated() {
            if i > 0 { out += "," }
            if indent >= 0 { out += "\n" + String(repeating: " ", count: indent + 2) }
            writeJSON(item, into: &out, indent: indent >= 0 ? indent + 2 : -1, precision15: precision15)
        }
        if indent >= 0 { out += "\n" + String(repeating: " ", count: indent) }
        out += "]"
    case .object(let o):
        var first = true
        out += "{"
        for (k, item) in o.entries {
            if case .function = item, !precision15 { continue }
            if !first { out += "," }
            first = false
            if indent >= 0 { out += "\n" + String(repeating: " ", count: indent + 2) }
            writeJSONString(k, into: &out)
            out += indent >= 0 ? ": " : ":"
            writeJSON(item, into: &out, indent: indent >= 0 ? indent + 2 : -1, precision15: precision15)
        }
        if !first && indent >= 0 { out += "\n" + String(repeating: " ", count: indent) }
        out += "}"
    }
}

func writeJSONString(_ s: String, into out: inout String) {
    out += "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
            if u.value < 0x20 {
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    out += "\""
}

// MARK: - Equality and helpers

/// JSONata's deep equality (`=`): functions compare by identity.
func deepEqual(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.number(let x), .number(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.function(let x), .function(let y)): return x === y
    case (.array(let x), .array(let y)):
        if x === y { return true }
        guard x.count == y.count else { return false }
        for i in 0..<x.count where !deepEqual(x[i], y[i]) { return false }
        return true
    case (.object(let x), .object(let y)):
        if x === y { return true }
        guard x.count == y.count else { return false }
        for (k, v) in x.entries {
            guard let w = y[k], deepEqual(v, w) else { return false }
        }
        return true
    default: return false
    }
}

/// JavaScript's `===`: primitives by value, arrays/objects/functions by identity.
func strictEqual(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.array(let x), .array(let y)): return x === y
    case (.object(let x), .object(let y)): return x === y
    case (.function(let x), .function(let y)): return x === y
    case (.array, _), (.object, _), (.function, _): return false
    default: return deepEqual(a, b)
    }
}

/// JavaScript truthiness (used where jsonata-js relies on it, e.g. sort comparators).
func jsTruthy(_ v: Value?) -> Bool {
    guard let v else { return false }
    switch v {
    case .null: return false
    case .bool(let b): return b
    case .number(let d): return d != 0 && !d.isNaN
    case .string(let s): return !s.isEmpty
    default: return true
    }
}

/// A deep copy (`$clone`).
func deepClone(_ v: Value) -> Value {
    switch v {
    case .array(let a):
        let c = JArray(a.items.map(deepClone))
        c.sequence = a.sequence
        return .array(c)
    case .object(let o):
        let c = JObject(capacity: o.count)
        for (k, x) in o.entries { c[k] = deepClone(x) }
        return .object(c)
    default: return v
    }
}

/// A double as an `Int`, clamped to ±2^52 (NaN → 0): never traps on user-supplied numbers.
@inline(__always) func clampInt(_ d: Double) -> Int {
    if d.isNaN { return 0 }
    return Int(min(max(d, -4_503_599_627_370_496), 4_503_599_627_370_496))
}
