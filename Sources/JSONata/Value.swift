import ASLJSON
import Foundation

// The evaluator's value model. JSONata is defined on JavaScript values, so the evaluator works on
// a JS-like model: numbers are doubles, arrays and objects have reference semantics (the
// transform operator updates clones in place), arrays carry JSONata's sequence flags, and
// functions are values. `nil` (`Value?`) is JSONata's *undefined*.
//
// Values are created per evaluation and never shared between threads; only the compiled AST is.

/// An array, with the flags JSONata attaches to its sequences.
///
/// An array converted from JSON converts its items lazily and keeps the JSON until it is
/// modified, so returning it unchanged converts back in O(1).
final class JArray {
    @exclusivity(unchecked) private var storage: [Value]
    /// The JSON this array was converted from, while its items are unmodified.
    @exclusivity(unchecked) private(set) var json: [JSONValue]?
    /// `storage` not yet converted from `json`.
    @exclusivity(unchecked) private var pending = false
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
        self.storage = items
        self.sequence = sequence
    }

    init(json: [JSONValue]) {
        storage = []
        self.json = json
        pending = !json.isEmpty
    }

    @inline(never) private func materialize() {
        pending = false
        let j = json!
        var out: [Value] = []
        out.reserveCapacity(j.count)
        for v in j { out.append(Value(json: v)) }
        storage = out
    }

    var items: [Value] {
        get {
            if pending { materialize() }
            return storage
        }
        _modify {
            if pending { materialize() }
            json = nil
            yield &storage
        }
        set {
            pending = false
            json = nil
            storage = newValue
        }
    }

    var count: Int { pending ? json!.count : storage.count }
    subscript(i: Int) -> Value {
        if pending { materialize() }
        return storage[i]
    }
    func append(_ v: Value) { items.append(v) }
}

/// An object: keys in insertion order. Objects converted from JSON read their keys from the
/// JSON and convert their values lazily, on first access (most expressions touch a few fields
/// of a large `$states`); until modified they keep the JSON, so returning one unchanged
/// converts back in O(1). Small objects are searched linearly; larger ones get a hash index.
///
/// Layout: the first `base.count` fields are `base`'s keys (positions as in `base`), followed
/// by `extraKeys`; `vals[i]` is the converted value, `nil` for a base value not yet converted
/// (`vals` is empty until needed).
final class JObject {
    @exclusivity(unchecked) private var base: JSONObject
    @exclusivity(unchecked) private var extraKeys: [String] = []
    @exclusivity(unchecked) private var vals: [Value?] = []
    @exclusivity(unchecked) private var index: [String: Int]?
    /// The object is exactly `base` (converted from JSON, unmodified).
    @exclusivity(unchecked) private var pristine: Bool
    /// A base field has been replaced (its converted value may differ from the JSON).
    @exclusivity(unchecked) private var dirtyBase = false
    /// Converted from JSON (so possibly reachable from another JSON-backed value).
    let fromJSON: Bool
    private static let indexThreshold = 12

    init() {
        base = JSONObject()
        fromJSON = false
        pristine = false
    }

    init(capacity: Int) {
        base = JSONObject()
        fromJSON = false
        pristine = false
        extraKeys.reserveCapacity(capacity)
        vals.reserveCapacity(capacity)
    }

    init(json: JSONObject) {
        base = json
        fromJSON = true
        pristine = true
    }

    /// The JSON this object was converted from, while it is unmodified.
    var json: JSONObject? { pristine ? base : nil }

    var count: Int { base.count + extraKeys.count }
    var isEmpty: Bool { count == 0 }
    var keys: [String] {
        if base.isEmpty { return extraKeys }
        return Array(base.keys) + extraKeys
    }

    private func position(of key: String) -> Int? {
        if !base.isEmpty, let i = base.index(forKey: key) { return i }
        if extraKeys.isEmpty { return nil }
        if extraKeys.count <= JObject.indexThreshold {
            for i in 0..<extraKeys.count where extraKeys[i] == key { return base.count + i }
            return nil
        }
        if index == nil {
            var ix = [String: Int](minimumCapacity: extraKeys.count)
            for (i, k) in extraKeys.enumerated() { ix[k] = i }
            index = ix
        }
        return index![key].map { base.count + $0 }
    }

    @inline(__always) private func ensureVals() {
        // (`vals` is either empty or covers `base`; keep the capacity of an object built empty.)
        if vals.count < base.count { vals = [Value?](repeating: nil, count: base.count) }
    }

    @inline(__always) private func value(at i: Int) -> Value {
        if i < vals.count, let v = vals[i] { return v }
        ensureVals()
        let v = Value(json: base.value(at: i))
        vals[i] = v
        return v
    }

    @inline(__always) private func key(at i: Int) -> String {
        let n = base.count
        return i < n ? base.key(at: i) : extraKeys[i - n]
    }

    /// Drops `base`: every field converted, keys in `extraKeys`.
    @inline(never) private func detachBase() {
        let n = base.count
        guard n > 0 else { return }
        var k: [String] = []
        var v: [Value?] = []
        k.reserveCapacity(count)
        v.reserveCapacity(count)
        for i in 0..<count {
            k.append(key(at: i))
            v.append(value(at: i))
        }
        base = JSONObject()
        extraKeys = k
        vals = v
        index = nil
        dirtyBase = false
    }

    /// The JSON of field `key` while it is not converted (so it is exactly that JSON), else nil.
    @inline(__always) func unconvertedJSON(_ key: String) -> JSONValue? {
        guard !base.isEmpty, let i = base.index(forKey: key) else { return nil }
        if i < vals.count, vals[i] != nil { return nil }
        return base.value(at: i)
    }

    subscript(key: String) -> Value? {
        get {
            guard let i = position(of: key) else { return nil }
            return value(at: i)
        }
        set {
            pristine = false
            if let i = position(of: key) {
                if let newValue {
                    ensureVals()
                    if i < base.count { dirtyBase = true }
                    vals[i] = newValue
                } else {
                    detachBase()
                    extraKeys.remove(at: i)
                    vals.remove(at: i)
                    index = nil
                }
            } else if let newValue {
                ensureVals()
                extraKeys.append(key)
                vals.append(newValue)
                index?[key] = extraKeys.count - 1
            }
        }
    }

    /// Appends a field whose key is known not to be present.
    func appendNew(_ key: String, _ value: Value) {
        pristine = false
        ensureVals()
        extraKeys.append(key)
        vals.append(value)
        index?[key] = extraKeys.count - 1
    }

    var entries: [(String, Value)] {
        let n = count
        var out: [(String, Value)] = []
        out.reserveCapacity(n)
        for i in 0..<n { out.append((key(at: i), value(at: i))) }
        return out
    }

    /// Calls `body` with each key and value in order.
    @inline(__always) func forEach<E: Error>(_ body: (String, Value) throws(E) -> Void) throws(E) {
        let n = count
        for i in 0..<n { try body(key(at: i), value(at: i)) }
    }

    /// Sets every field of `other` (as `self[k] = v` for each, in order); when `self` is
    /// empty this shares `other`'s JSON and converted values.
    func merge(_ other: JObject) {
        if count == 0 && other.count > 0 {
            base = other.base
            extraKeys = other.extraKeys
            vals = other.vals
            index = other.index
            dirtyBase = other.dirtyBase
            pristine = false
            return
        }
        other.forEach { (k: String, v: Value) in self[k] = v }
    }

    func copy() -> JObject {
        let o = fromJSON && pristine ? JObject(json: base) : JObject()
        o.base = base
        o.extraKeys = extraKeys
        o.vals = vals
        o.index = index
        o.dirtyBase = dirtyBase
        return o
    }

    /// Converts to a JSON object (see ``Value/toJSON(reuseJSON:)``).
    func toJSON(reuseJSON: Bool) -> JSONObject {
        if reuseJSON && pristine && isCanonicalJSON(base) { return base }
        let n = base.count
        var obj: JSONObject
        if reuseJSON && n > 0 && isCanonicalJSON(base) {
            // Start from the JSON; rewrite only the converted base fields and add the others.
            obj = base
            // Unless a base field was replaced, converted base fields are unchanged (in-place
            // changes of nested objects turn `reuseJSON` off).
            if dirtyBase {
                for i in 0..<n {
                    guard let v = vals[i] else { continue }
                    obj[base.key(at: i)] = v.toJSON(reuseJSON: true)
                }
            }
        } else {
            obj = JSONObject(minimumCapacity: count)
            for i in 0..<n {
                if let j = value(at: i).toJSON(reuseJSON: reuseJSON) { obj[base.key(at: i)] = j }
            }
        }
        for i in 0..<extraKeys.count {
            if let j = vals[n + i]!.toJSON(reuseJSON: reuseJSON) { obj[extraKeys[i]] = j }
        }
        return obj
    }
}

/// Whether converting `v` to a JSONata value and back gives `v` (numbers are doubles in
/// JSONata: integers beyond ±2^53, integral doubles and big integers do not round-trip).
func isCanonicalJSON(_ v: JSONValue) -> Bool {
    switch v {
    case .null, .bool, .string: return true
    case .number(let n): return isCanonicalNumber(n)
    case .array(let a):
        for x in a where !isCanonicalJSON(x) { return false }
        return true
    case .object(let o): return isCanonicalJSON(o)
    }
}

func isCanonicalJSON(_ o: JSONObject) -> Bool {
    for i in 0..<o.count {
        switch o.value(at: i) {
        case .null, .bool, .string: continue
        case .number(let n): if !isCanonicalNumber(n) { return false }
        case .array(let a): if !isCanonicalJSON(.array(a)) { return false }
        case .object(let x): if !isCanonicalJSON(x) { return false }
        }
    }
    return true
}

@inline(__always) func isCanonicalNumber(_ n: JSONNumber) -> Bool {
    switch n {
    case .int(let i): return i >= -9_007_199_254_740_992 && i <= 9_007_199_254_740_992
    case .double(let d): return !(d.rounded(.towardZero) == d && abs(d) <= 9_007_199_254_740_992) && d.isFinite
    case .big: return false
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
        case .array(let a): self = .array(JArray(json: a))
        case .object(let o):
            self = .object(JObject(json: o))
        }
    }

    /// Converts to JSON: integral doubles in the safe range become integers, functions become
    /// undefined (omitted from objects, `null` in arrays, as `JSON.stringify` does).
    /// `reuseJSON`: unmodified values converted from JSON return that JSON (valid unless an
    /// object converted from JSON was modified in place, see `Evaluator.mutatedJSONObject`).
    func toJSON(reuseJSON: Bool = true) -> JSONValue? {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let d): return d.isFinite ? .number(jsonNumber(d)) : .null
        case .string(let s): return .string(s)
        case .array(let a):
            if reuseJSON, let j = a.json, isCanonicalJSON(.array(j)) { return .array(j) }
            var out: [JSONValue] = []
            out.reserveCapacity(a.count)
            for item in a.items { out.append(item.toJSON(reuseJSON: reuseJSON) ?? .null) }
            return .array(out)
        case .object(let o):
            return .object(o.toJSON(reuseJSON: reuseJSON))
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

/// The longest string a function builds from a requested width (`$pad`, picture widths);
/// beyond it jsonata-js fails with JavaScript's `RangeError: Invalid string length`.
let maxBuiltStringLength = 100_000_000

/// JavaScript's `Invalid string length`, as jsonata-js surfaces it.
func invalidStringLength() -> RawError {
    var e = RawError("D3137")
    e.message = "Invalid string length"
    return e
}

/// A requested width as an `Int` in `0...maxBuiltStringLength` (negative widths build nothing).
func checkedWidth(_ d: Double) throws(RawError) -> Int {
    guard !(d > Double(maxBuiltStringLength)) else { throw invalidStringLength() }
    return max(0, clampInt(d))
}

/// A double as an `Int`, clamped to ±2^52 (NaN → 0): never traps on user-supplied numbers.
@inline(__always) func clampInt(_ d: Double) -> Int {
    if d.isNaN { return 0 }
    return Int(min(max(d, -4_503_599_627_370_496), 4_503_599_627_370_496))
}
