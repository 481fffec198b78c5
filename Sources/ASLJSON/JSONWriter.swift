/// Compact serialization, byte-identical to what AWS (Jackson) emits for the same value.
///
/// No whitespace; `/` and non-ASCII are written as is; `"` and `\` are escaped; control
/// characters use `\b \t \n \f \r` or `\u00XX` (uppercase hex); integers are exact; doubles are
/// printed as Java's `Double.toString` prints them (`1.0`, `0.001`, `1.0E7`, `1.5E-5`).
public struct JSONWriter {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Serializes `value` into a new string.
    public static func string(_ value: JSONValue) -> String {
        var writer = JSONWriter()
        writer.write(value)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Serializes `value` into new bytes.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(value)
        return writer.bytes
    }

    /// Empties the buffer, keeping its capacity.
    public mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    /// Appends raw bytes (for callers composing records around values).
    public mutating func appendRaw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
    public mutating func appendRaw(_ raw: some Sequence<UInt8>) { bytes.append(contentsOf: raw) }
    public mutating func appendRaw(byte: UInt8) { bytes.append(byte) }

    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: appendRaw("null")
        case .bool(let b): if b { appendRaw("true") } else { appendRaw("false") }
        case .number(let n): write(n)
        case .string(let s): write(string: s)
        case .array(let a):
            bytes.append(0x5B)
            var first = true
            for element in a {
                if !first { bytes.append(0x2C) }
                first = false
                write(element)
            }
            bytes.append(0x5D)
        case .object(let o):
            bytes.append(0x7B)
            let keys = o.storage.keys, values = o.storage.values
            for i in 0..<keys.count {
                if i > 0 { bytes.append(0x2C) }
                write(string: keys[i])
                bytes.append(0x3A)
                write(values[i])
            }
            bytes.append(0x7D)
        }
    }

    public mutating func write(_ number: JSONNumber) {
        switch number {
        case .int(let i): writeInt(i)
        case .big(let s): bytes.append(contentsOf: s.utf8)
        case .double(let d): bytes.append(contentsOf: JavaDouble.format(d).utf8)
        }
    }

    mutating func writeInt(_ value: Int64) {
        if value == 0 { bytes.append(0x30); return }
        var magnitude = value.magnitude
        if value < 0 { bytes.append(0x2D) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { tmp in
            var n = 0
            while magnitude > 0 {
                tmp[n] = UInt8(truncatingIfNeeded: magnitude % 10) + 0x30
                magnitude /= 10
                n += 1
            }
            while n > 0 { n -= 1; bytes.append(tmp[n]) }
        }
    }

    private static let hex: [UInt8] = Array("0123456789ABCDEF".utf8)

    public mutating func write(string: String) {
        bytes.append(0x22)
        var s = string
        s.withUTF8 { utf8 in
            var runStart = 0
            for i in 0..<utf8.count {
                let c = utf8[i]
                if c >= 0x20 && c != 0x22 && c != 0x5C { continue }
                if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
                runStart = i + 1
                bytes.append(0x5C)
                switch c {
                case 0x22: bytes.append(0x22)
                case 0x5C: bytes.append(0x5C)
                case 0x08: bytes.append(0x62)
                case 0x09: bytes.append(0x74)
                case 0x0A: bytes.append(0x6E)
                case 0x0C: bytes.append(0x66)
                case 0x0D: bytes.append(0x72)
                default:
                    bytes.append(0x75); bytes.append(0x30); bytes.append(0x30)
                    bytes.append(Self.hex[Int(c >> 4)]); bytes.append(Self.hex[Int(c & 0xF)])
                }
            }
            if runStart < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count])) }
        }
        bytes.append(0x22)
    }
}

/// Java's `Double.toString` (JDK 19+: shortest digits that round-trip).
public enum JavaDouble {
    public static func format(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description gives the shortest round-trip digits; re-layout them Java's way.
        let (negative, digits, exponent) = decompose(d)
        var out = negative ? "-" : ""
        // Value = 0.d1d2d3... × 10^exponent; i.e. the decimal point sits after `exponent` digits.
        let magnitude = abs(d)
        if magnitude >= 1e-3 && magnitude < 1e7 {
            if exponent <= 0 {
                out += "0." + String(repeating: "0", count: -exponent) + digits
            } else if exponent >= digits.count {
                out += digits + String(repeating: "0", count: exponent - digits.count) + ".0"
            } else {
                let idx = digits.index(digits.startIndex, offsetBy: exponent)
                out += digits[..<idx] + "." + digits[idx...]
            }
        } else {
            let first = digits.prefix(1)
            let rest = digits.dropFirst()
            out += first + "." + (rest.isEmpty ? "0" : rest) + "E" + String(exponent - 1)
        }
        return out
    }

    /// Splits a finite non-zero double into sign, significant digits (no leading/trailing
    /// zeros) and exponent such that value = 0.digits × 10^exponent.
    static func decompose(_ d: Double) -> (Bool, String, Int) {
        let text = abs(d).description  // e.g. "1.5", "1e-05", "1.2345e+22", "123.0"
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
        // Strip leading zeros (adjusting the point) and trailing zeros.
        while digits.first == "0" { digits.removeFirst(); pointPos -= 1 }
        while digits.last == "0" { digits.removeLast() }
        if digits.isEmpty { digits = "0" }
        return (d < 0, digits, pointPos)
    }
}
