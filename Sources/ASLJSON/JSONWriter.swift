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
    /// The bytes written are `storage[0..<count]`; the rest is room to write into. Writing
    /// straight into that room (one capacity check per string or number) costs far less than
    /// an `Array.append` per piece. The array keeps the writer copy-on-write.
    @usableFromInline var storage: [UInt8]
    /// The number of bytes written.
    public private(set) var count = 0

    /// An empty writer whose buffer has room for `capacity` bytes.
    public init(capacity: Int = 256) {
        storage = [UInt8](repeating: 0, count: Swift.max(capacity, 16))
    }

    /// The output so far (UTF-8). Reading it trims the buffer's spare room (so it is not
    /// copied); the next write makes room again.
    public var bytes: [UInt8] {
        mutating get {
            if storage.count > count { storage.removeLast(storage.count - count) }
            return storage
        }
    }

    /// Serializes `value` into a new string.
    public static func string(_ value: JSONValue) -> String {
        var writer = JSONWriter()
        writer.write(value)
        let n = writer.count
        return writer.storage.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[0..<n]), as: UTF8.self) }
    }

    /// Serializes `value` into new bytes.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(value)
        return writer.bytes
    }

    /// Empties the buffer, keeping its capacity.
    public mutating func reset() { count = 0 }

    /// Calls `body` with room for at least `n` bytes at the end of the output; `body` returns
    /// how many it wrote.
    @inline(__always) mutating func withRoom(_ n: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        if n > storage.count &- count { makeRoom(n) }
        let start = count
        count = start &+ storage.withUnsafeMutableBufferPointer { body($0.baseAddress! + start) }
    }

    @inline(never) mutating func makeRoom(_ n: Int) {
        storage.append(contentsOf: repeatElement(0, count: Swift.max(storage.count, n &+ 64)))
    }

    /// Appends raw bytes (for callers composing records around values).
    public mutating func appendRaw(_ text: StaticString) {
        let n = text.utf8CodeUnitCount
        withRoom(n) { out in out.initialize(from: text.utf8Start, count: n); return n }
    }
    /// Appends raw bytes.
    public mutating func appendRaw(_ raw: some Sequence<UInt8>) {
        let done: Void? = raw.withContiguousStorageIfAvailable { source in
            withRoom(source.count) { out in
                if let base = source.baseAddress { out.initialize(from: base, count: source.count) }
                return source.count
            }
        }
        if done == nil { for byte in raw { appendRaw(byte: byte) } }
    }
    /// Appends one raw byte.
    public mutating func appendRaw(byte: UInt8) {
        withRoom(1) { out in out[0] = byte; return 1 }
    }

    /// Appends the compact serialization of `value`.
    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: appendRaw("null")
        case .bool(let b): if b { appendRaw("true") } else { appendRaw("false") }
        case .number(let n): write(n)
        case .string(let s): writeQuoted(s, prefix: nil, suffix: nil)
        case .array(let a):
            appendRaw(byte: 0x5B)
            var first = true
            for element in a {
                if !first { appendRaw(byte: 0x2C) }
                first = false
                write(element)
            }
            appendRaw(byte: 0x5D)
        case .object(let o):
            if o.isEmpty { appendRaw("{}"); return }
            o.withFields { fields in
                for i in 0..<fields.count {
                    // `{"key":` or `,"key":` in one write.
                    writeQuoted(fields[i].key, prefix: i == 0 ? 0x7B : 0x2C, suffix: 0x3A)
                    write(fields[i].value)
                }
            }
            appendRaw(byte: 0x7D)
        }
    }

    /// Appends a number as AWS prints it: integers exactly, doubles as Java's `Double.toString`.
    public mutating func write(_ number: JSONNumber) {
        switch number {
        case .int(let i): writeInt(i)
        case .big(let s): appendRaw(s.utf8)
        case .double(let d): withRoom(JavaDouble.maxLength) { JavaDouble.write(d, to: $0) }
        }
    }

    mutating func writeInt(_ value: Int64) {
        withRoom(20) { out in
            if value == 0 { out[0] = 0x30; return 1 }
            var magnitude = value.magnitude
            var n = 0
            if value < 0 { out[0] = 0x2D; n = 1 }
            var digits = 0
            var rest = magnitude
            while rest > 0 { rest /= 10; digits += 1 }
            var i = n &+ digits
            while magnitude > 0 {
                i -= 1
                out[i] = UInt8(truncatingIfNeeded: magnitude % 10) &+ 0x30
                magnitude /= 10
            }
            return n &+ digits
        }
    }

    /// Appends `string` as a JSON string literal: `"` and `\\` escaped, control characters as
    /// `\b \t \n \f \r` or `\u00XX` (uppercase hex, as Jackson), everything else (including
    /// `/`, DEL and non-ASCII) as its UTF-8 bytes.
    public mutating func write(string: String) {
        writeQuoted(string, prefix: nil, suffix: nil)
    }

    /// Writes `prefix`, the quoted escaped string, then `suffix`, straight into the buffer
    /// (room for the worst case, every byte as `\u00XX`, is made first; clean 8-byte runs are
    /// copied a word at a time).
    @inline(__always) mutating func writeQuoted(_ string: String, prefix: UInt8?, suffix: UInt8?) {
        var s = string
        s.withUTF8 { utf8 in
            let n = utf8.count
            // Room for quotes, prefix, suffix, 8 bytes of slack for whole-word stores and the
            // escaped text: for short strings the worst case (every byte as \u00XX), for long
            // ones what their escapes really need (so a long string does not grow the buffer 6×).
            withRoom(n <= 32 ? 6 &* n &+ 12 : n &+ 12 &+ Self.escapeGrowth(utf8)) { out in
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
                return o
            }
        }
    }

    /// How many bytes escaping adds to `utf8` (1 for `\\n`-style escapes, 5 for `\\u00XX`).
    static func escapeGrowth(_ utf8: UnsafeBufferPointer<UInt8>) -> Int {
        guard let source = utf8.baseAddress else { return 0 }
        let n = utf8.count
        var growth = 0
        var i = 0
        while i < n {
            if i + 8 <= n, !needsEscape(UnsafeRawPointer(source + i).loadUnaligned(as: UInt64.self)) { i += 8; continue }
            let c = source[i]
            i += 1
            switch c {
            case 0x22, 0x5C, 0x08, 0x09, 0x0A, 0x0C, 0x0D: growth += 1
            case 0..<0x20: growth += 5
            default: break
            }
        }
        return growth
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

    /// The longest text `write(_:to:)` produces (`-2.2250738585072014E-308` is 24 bytes).
    static let maxLength = 32

    /// Appends Java's `Double.toString(d)` as UTF-8 to `bytes`.
    public static func write(_ d: Double, into bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLength) { out in
            let n = write(d, to: out.baseAddress!)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: out[0..<n]))
        }
    }

    /// Writes Java's `Double.toString(d)` to `out` (room for ``maxLength`` bytes); returns the length.
    static func write(_ d: Double, to out: UnsafeMutablePointer<UInt8>) -> Int {
        // A struct, not local functions over a captured counter: those would box it and pay a
        // dynamic exclusivity check per call.
        var cursor = Cursor(out: out)
        if d.isNaN { cursor.put(0x4E); cursor.put(0x61); cursor.put(0x4E); return cursor.o }
        if d.isInfinite {
            if d < 0 { cursor.put(0x2D) }
            for c in "Infinity".utf8 { cursor.put(c) }
            return cursor.o
        }
        if d.sign == .minus { cursor.put(0x2D) }
        if d == 0 { cursor.put(0x30); cursor.put(0x2E); cursor.put(0x30); return cursor.o }
        let magnitude = d.magnitude
        let start = cursor
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { digits in
            var cursor = start
            cursor.format(magnitude, digits: digits)
            return cursor.o
        }
    }

    private struct Cursor {
        let out: UnsafeMutablePointer<UInt8>
        var o = 0
        init(out: UnsafeMutablePointer<UInt8>) { self.out = out }
        @inline(__always) mutating func put(_ byte: UInt8) { out[o] = byte; o += 1 }
        @inline(__always) mutating func put(_ digits: UnsafeMutableBufferPointer<UInt8>, _ range: Range<Int>) {
            for i in range { out[o] = digits[i]; o += 1 }
        }

        /// Digits and layout of a positive finite `magnitude`.
        mutating func format(_ magnitude: Double, digits: UnsafeMutableBufferPointer<UInt8>) {
            // Value = 0.d1d2…dn × 10^pointPos.
            var (n, pointPos) = JavaDouble.shortestDigits(magnitude, into: digits)
            if n == 1 && magnitude < Double.leastNormalMagnitude {
                (n, pointPos) = JavaDouble.twoDigitsIfCloser(magnitude, digits: digits, n: n, pointPos: pointPos)
            }
            if magnitude >= 1e-3 && magnitude < 1e7 {
                if pointPos <= 0 {
                    put(0x30); put(0x2E)
                    for _ in 0..<(-pointPos) { put(0x30) }
                    put(digits, 0..<n)
                } else if pointPos >= n {
                    put(digits, 0..<n)
                    for _ in 0..<(pointPos - n) { put(0x30) }
                    put(0x2E); put(0x30)
                } else {
                    put(digits, 0..<pointPos)
                    put(0x2E)
                    put(digits, pointPos..<n)
                }
            } else {
                put(digits[0]); put(0x2E)
                if n > 1 { put(digits, 1..<n) } else { put(0x30) }
                put(0x45)
                var e = pointPos - 1
                if e < 0 { put(0x2D); e = -e }
                if e >= 100 { put(UInt8(0x30 + e / 100)) }
                if e >= 10 { put(UInt8(0x30 + (e / 10) % 10)) }
                put(UInt8(0x30 + e % 10))
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
