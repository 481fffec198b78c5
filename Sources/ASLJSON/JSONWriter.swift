#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Compact serialization, byte-identical to what AWS (Jackson) emits for the same value.
///
/// No whitespace; `/` and non-ASCII are written as is; `"` and `\` are escaped; control
/// characters use `\b \t \n \f \r` or `\u00XX` (uppercase hex); integers are exact; doubles are
/// printed as Java's `Double.toString` prints them (`1.0`, `0.001`, `1.0E7`, `1.5E-5`).
public struct JSONWriter {
    /// The output so far (UTF-8).
    public private(set) var bytes: [UInt8]

    /// An empty writer whose buffer has room for `capacity` bytes.
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
    /// Appends raw bytes.
    public mutating func appendRaw(_ raw: some Sequence<UInt8>) { bytes.append(contentsOf: raw) }
    /// Appends one raw byte.
    public mutating func appendRaw(byte: UInt8) { bytes.append(byte) }

    /// Appends the compact serialization of `value`.
    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: appendRaw("null")
        case .bool(let b): if b { appendRaw("true") } else { appendRaw("false") }
        case .number(let n): write(n)
        case .string(let s): writeQuoted(s, prefix: nil, suffix: nil)
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
            if o.isEmpty { bytes.append(0x7B); bytes.append(0x7D); return }
            o.withFields { fields in
                for i in 0..<fields.count {
                    // `{"key":` or `,"key":` in one append.
                    writeQuoted(fields[i].key, prefix: i == 0 ? 0x7B : 0x2C, suffix: 0x3A)
                    write(fields[i].value)
                }
            }
            bytes.append(0x7D)
        }
    }

    /// Appends a number as AWS prints it: integers exactly, doubles as Java's `Double.toString`.
    public mutating func write(_ number: JSONNumber) {
        switch number {
        case .int(let i): writeInt(i)
        case .big(let s): bytes.append(contentsOf: s.utf8)
        case .double(let d): JavaDouble.write(d, into: &bytes)
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

    /// Appends `string` as a JSON string literal: `"` and `\\` escaped, control characters as
    /// `\b \t \n \f \r` or `\u00XX` (uppercase hex, as Jackson), everything else (including
    /// `/`, DEL and non-ASCII) as its UTF-8 bytes.
    public mutating func write(string: String) {
        writeQuoted(string, prefix: nil, suffix: nil)
    }

    /// Writes `prefix`, the quoted escaped string, then `suffix`. Strings up to 160 bytes are
    /// escaped into stack memory (under the 1 KiB limit for stack temporaries) and appended in one
    /// call; longer ones stream in runs.
    @inline(__always) mutating func writeQuoted(_ string: String, prefix: UInt8?, suffix: UInt8?) {
        var s = string
        s.withUTF8 { utf8 in
            let n = utf8.count
            guard n <= 160 else {
                if let prefix { bytes.append(prefix) }
                writeEscaped(utf8)
                if let suffix { bytes.append(suffix) }
                return
            }
            // Worst case: every byte as \u00XX, plus quotes, prefix, suffix and 8 bytes of slack
            // for whole-word stores.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 6 * 160 + 16) { temp in
                let out = temp.baseAddress!
                var o = 0
                if let prefix { out[0] = prefix; o = 1 }
                out[o] = 0x22; o += 1
                if let source = utf8.baseAddress {
                    var i = 0
                    while i < n {
                        if i + 8 <= n {
                            let word = UnsafeRawPointer(source + i).loadUnaligned(as: UInt64.self)
                            if !Self.needsEscape(word) {
                                UnsafeMutableRawPointer(out + o).storeBytes(of: word, as: UInt64.self)
                                i += 8; o += 8
                                continue
                            }
                        }
                        let c = source[i]
                        i += 1
                        if c >= 0x20 && c != 0x22 && c != 0x5C { out[o] = c; o += 1; continue }
                        out[o] = 0x5C
                        switch c {
                        case 0x22: out[o + 1] = 0x22; o += 2
                        case 0x5C: out[o + 1] = 0x5C; o += 2
                        case 0x08: out[o + 1] = 0x62; o += 2
                        case 0x09: out[o + 1] = 0x74; o += 2
                        case 0x0A: out[o + 1] = 0x6E; o += 2
                        case 0x0C: out[o + 1] = 0x66; o += 2
                        case 0x0D: out[o + 1] = 0x72; o += 2
                        default:
                            let lo = c & 0xF
                            out[o + 1] = 0x75; out[o + 2] = 0x30; out[o + 3] = 0x30
                            out[o + 4] = 0x30 + (c >> 4); out[o + 5] = lo < 10 ? 0x30 + lo : 0x37 + lo
                            o += 6
                        }
                    }
                }
                out[o] = 0x22; o += 1
                if let suffix { out[o] = suffix; o += 1 }
                bytes.append(contentsOf: UnsafeBufferPointer(start: out, count: o))
            }
        }
    }

    @inline(__always) mutating func writeEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(0x22)
        guard let raw = utf8.baseAddress else { bytes.append(0x22); return }
        let count = utf8.count
        var runStart = 0
        var i = 0
        while i < count {
            // Skip 8 clean bytes at a time.
            while i + 8 <= count, !Self.needsEscape(UnsafeRawPointer(raw + i).loadUnaligned(as: UInt64.self)) { i += 8 }
            guard i < count else { break }
            let c = raw[i]
            if c >= 0x20 && c != 0x22 && c != 0x5C { i += 1; continue }
            if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(start: raw + runStart, count: i - runStart)) }
            i += 1
            runStart = i
            switch c {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x08: bytes.append(0x5C); bytes.append(0x62)
            case 0x09: bytes.append(0x5C); bytes.append(0x74)
            case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
            case 0x0C: bytes.append(0x5C); bytes.append(0x66)
            case 0x0D: bytes.append(0x5C); bytes.append(0x72)
            default:
                let hi = c >> 4, lo = c & 0xF
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, 0x30 + hi, lo < 10 ? 0x30 + lo : 0x37 + lo] as [UInt8])
            }
        }
        if runStart < count { bytes.append(contentsOf: UnsafeBufferPointer(start: raw + runStart, count: count - runStart)) }
        bytes.append(0x22)
    }

    /// Whether any byte of `word` is `"`, `\\` or below 0x20 (SWAR; bytes ≥ 0x80 are fine).
    @inline(__always) static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
        let zeroInQuote = (quote &- ones) & ~quote
        let zeroInBackslash = (backslash &- ones) & ~backslash
        let control = (word &- (ones &* 0x20)) & ~word  // high bit set for bytes < 0x20
        return ((zeroInQuote | zeroInBackslash | control) & highs) != 0
    }
}

/// Java's `Double.toString` (JDK 19+ specification; Jackson prints doubles with it).
///
/// Digits: the shortest decimal that rounds back to the double, closest to it (Swift's own
/// shortest round-trip digits). Java adds one rule: when that decimal has a single digit, a
/// two-digit decimal closer to the double is preferred; this only matters for subnormals
/// (`Double.leastNonzeroMagnitude` prints `4.9E-324`, not `5.0E-324`). Layout: plain notation
/// with at least one fractional digit for 10⁻³ ≤ |d| < 10⁷ (`1.0`, `0.001`, `1234567.0`), else
/// computerized scientific notation (`1.0E-4`, `1.0E7`, `1.2345678E7`).
public enum JavaDouble {
    /// Java's `Double.toString(d)`.
    public static func format(_ d: Double) -> String {
        var bytes: [UInt8] = []
        write(d, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends Java's `Double.toString(d)` as UTF-8 to `bytes`.
    public static func write(_ d: Double, into bytes: inout [UInt8]) {
        if d.isNaN { bytes.append(contentsOf: "NaN".utf8); return }
        if d.isInfinite { bytes.append(contentsOf: (d < 0 ? "-Infinity" : "Infinity").utf8); return }
        if d.sign == .minus { bytes.append(0x2D) }
        if d == 0 { bytes.append(0x30); bytes.append(0x2E); bytes.append(0x30); return }
        let magnitude = d.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { digits in
            // Value = 0.d1d2…dn × 10^pointPos.
            var (n, pointPos) = shortestDigits(magnitude, into: digits)
            if n == 1 && magnitude < Double.leastNormalMagnitude {
                (n, pointPos) = twoDigitsIfCloser(magnitude, digits: digits, n: n, pointPos: pointPos)
            }
            if magnitude >= 1e-3 && magnitude < 1e7 {
                if pointPos <= 0 {
                    bytes.append(0x30); bytes.append(0x2E)
                    for _ in 0..<(-pointPos) { bytes.append(0x30) }
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[0..<n]))
                } else if pointPos >= n {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[0..<n]))
                    for _ in 0..<(pointPos - n) { bytes.append(0x30) }
                    bytes.append(0x2E); bytes.append(0x30)
                } else {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[0..<pointPos]))
                    bytes.append(0x2E)
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[pointPos..<n]))
                }
            } else {
                bytes.append(digits[0]); bytes.append(0x2E)
                if n > 1 { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[1..<n])) } else { bytes.append(0x30) }
                bytes.append(0x45)
                var e = pointPos - 1
                if e < 0 { bytes.append(0x2D); e = -e }
                if e >= 100 { bytes.append(UInt8(0x30 + e / 100)) }
                if e >= 10 { bytes.append(UInt8(0x30 + (e / 10) % 10)) }
                bytes.append(UInt8(0x30 + e % 10))
            }
        }
    }

    /// Shortest round-trip digits of a positive finite double (from Swift's `description`,
    /// e.g. `1.5`, `1e-05`, `1.2345e+22`), without leading or trailing zeros; returns the digit
    /// count and the decimal point position (value = 0.digits × 10^pointPos).
    @inline(__always)
    static func shortestDigits(_ magnitude: Double, into digits: UnsafeMutableBufferPointer<UInt8>) -> (Int, Int) {
        var text = magnitude.description
        return text.withUTF8 { utf8 -> (Int, Int) in
            var n = 0, intDigits = 0, exponent = 0, i = 0
            var seenPoint = false
            while i < utf8.count {
                let c = utf8[i]
                if c == 0x2E { seenPoint = true } else if c == 0x65 || c == 0x45 {
                    i += 1
                    var negative = false
                    if i < utf8.count && (utf8[i] == 0x2D || utf8[i] == 0x2B) { negative = utf8[i] == 0x2D; i += 1 }
                    while i < utf8.count { exponent = exponent * 10 + Int(utf8[i] &- 0x30); i += 1 }
                    if negative { exponent = -exponent }
                    break
                } else {
                    if n == 0 && c == 0x30 {
                        // Leading zero: moves the point left when after it, vanishes otherwise.
                        if seenPoint { intDigits -= 1 }
                    } else {
                        digits[n] = c; n += 1
                        if !seenPoint { intDigits += 1 }
                    }
                }
                i += 1
            }
            while n > 1 && digits[n - 1] == 0x30 { n -= 1 }
            return (n, intDigits + exponent)
        }
    }

    /// Java's rule for one-digit results: use the closest two-digit decimal when it still
    /// rounds to the same double.
    static func twoDigitsIfCloser(_ magnitude: Double, digits: UnsafeMutableBufferPointer<UInt8>, n: Int, pointPos: Int) -> (Int, Int) {
        var buffer = [CChar](repeating: 0, count: 32)
        let count = withVaList([magnitude]) { vsnprintf(&buffer, 32, "%.1e", $0) }  // d.de±XX, correctly rounded
        guard count >= 6, strtod(buffer, nil) == magnitude else { return (n, pointPos) }
        let d1 = UInt8(bitPattern: buffer[0]), d2 = UInt8(bitPattern: buffer[2])
        let exponent = Int(String(cString: Array(buffer[4...]))) ?? 0
        digits[0] = d1
        if d2 == 0x30 { return (1, exponent + 1) }
        digits[1] = d2
        return (2, exponent + 1)
    }
}
