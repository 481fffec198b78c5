#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A strict RFC 8259 parser over UTF-8 bytes.
///
/// Recursive descent with an explicit depth limit, so deeply nested input is an error rather
/// than a stack overflow. Implementation-defined cases: a leading UTF-8 BOM is skipped;
/// integers beyond `Int64` are kept as ``JSONNumber/big(_:)``; numbers that overflow `Double`
/// are rejected, underflow gives ±0.0; invalid UTF-8 and unpaired `\u` surrogates are rejected.
///
/// Speed: strings are scanned 8 bytes at a time and ASCII strings of up to 15 bytes are built
/// inline without re-validation; containers collect their members on scratch stacks and are
/// allocated once at their exact size (one block per object); doubles with at most 15
/// significant digits and a small exponent are converted exactly without `strtod`.
public struct JSONParser {
    /// Maximum nesting of arrays and objects.
    public static let defaultMaxDepth = 512

    /// Parses one JSON text (surrounding whitespace allowed, nothing else).
    public static func parse(_ bytes: some Sequence<UInt8>, maxDepth: Int = defaultMaxDepth) throws(JSONParserError) -> JSONValue {
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParserError) -> JSONValue in try parse(buffer: buffer, maxDepth: maxDepth) }
        } ?? Array(bytes).withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParserError) -> JSONValue in try parse(buffer: buffer, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Parses one JSON text from a string.
    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONParserError) -> JSONValue {
        var text = text
        return try text.withUTF8 { buffer in
            Result { () throws(JSONParserError) -> JSONValue in try parse(buffer: buffer, maxDepth: maxDepth) }
        }.get()
    }

    /// Parses one JSON text from UTF-8 bytes in memory (the fastest entry point).
    public static func parse(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int = defaultMaxDepth) throws(JSONParserError) -> JSONValue {
        try parseResult(buffer: buffer, maxDepth: maxDepth).get()
    }

    static func parseResult(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) -> Result<JSONValue, JSONParserError> {
        // The scratch stacks start in stack memory (enough for typical events) and move to the
        // heap only if a document needs more. Each stays within the 1 KiB that
        // `withUnsafeTemporaryAllocation` keeps on the stack (beyond it, it mallocs).
        withUnsafeTemporaryAllocation(of: JSONValue.self, capacity: scratchCapacity(of: JSONValue.self)) { values in
            withUnsafeTemporaryAllocation(of: JSONObject.Field.self, capacity: scratchCapacity(of: JSONObject.Field.self)) { fields in
                withUnsafeTemporaryAllocation(of: KeySpan.self, capacity: scratchCapacity(of: KeySpan.self)) { spans in
                    var reader = Reader(buffer: buffer, maxDepth: maxDepth, values: values, fields: fields, spans: spans)
                    defer { reader.destroy() }
                    return Result { () throws(JSONParserError) -> JSONValue in try reader.parseDocument() }
                }
            }
        }
    }
}

/// How many `T` fit in 1 KiB (at least 8).
@inline(__always) func scratchCapacity<T>(of type: T.Type) -> Int {
    Swift.max(8, 1024 / MemoryLayout<T>.stride)
}

extension Reader {
    mutating func parseDocument() throws(JSONParserError) -> JSONValue {
        // A UTF-8 byte order mark at the very start is ignored (RFC 8259 §8.1 allows it; Jackson does it).
        if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { position = 3 }
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if position < buffer.count {
            throw error("Unexpected \(describeCurrent()) after the JSON value")
        }
        return value
    }
}

private let ascii_quote: UInt8 = 0x22, ascii_backslash: UInt8 = 0x5C

/// A growable stack of values in manually managed memory, shared by every nesting level of
/// one parse: containers push their elements, then move them out into a block of exactly the
/// right size. This avoids per-container growth reallocations.
struct ScratchStack<Element> {
    var base: UnsafeMutablePointer<Element>
    var count = 0
    var capacity: Int
    /// Whether `base` was allocated here (else it is caller-provided temporary memory).
    var ownsMemory = false

    init(initial: UnsafeMutableBufferPointer<Element>) {
        base = initial.baseAddress!
        capacity = initial.count
    }

    @inline(__always) mutating func push(_ element: __owned Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count += 1
    }

    mutating func grow() {
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: count)
        if ownsMemory { base.deallocate() }
        base = bigger
        capacity *= 2
        ownsMemory = true
    }

    func destroy() {
        base.deinitialize(count: count)
        if ownsMemory { base.deallocate() }
    }
}

/// A key's source bytes: `length < 0` when the key had escapes (compare decoded strings then).
struct KeySpan { var start: Int; var length: Int }

struct Reader {
    let buffer: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var position = 0
    var values: ScratchStack<JSONValue>
    var fields: ScratchStack<JSONObject.Field>
    var spans: ScratchStack<KeySpan>
    /// `smallStringLayoutVerified`, read once per document rather than per string.
    let smallStrings = smallStringLayoutVerified
    /// Whether the last string parsed contained an escape.
    var lastStringEscaped = false
    /// ``JSONValue/sizeBound`` of the last value (or key) parsed: containers add up their
    /// members' and record the sum in the object, so size checks need not walk parsed input.
    var lastBound = 0

    init(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int, values: UnsafeMutableBufferPointer<JSONValue>,
         fields: UnsafeMutableBufferPointer<JSONObject.Field>, spans: UnsafeMutableBufferPointer<KeySpan>) {
        self.buffer = buffer
        self.maxDepth = maxDepth
        self.values = ScratchStack(initial: values)
        self.fields = ScratchStack(initial: fields)
        self.spans = ScratchStack(initial: spans)
    }

    func destroy() {
        values.destroy()
        fields.destroy()
        spans.destroy()
    }

    @inline(__always) var atEnd: Bool { position >= buffer.count }
    @inline(__always) var current: UInt8 { buffer[position] }

    @inline(__always) mutating func skipWhitespace() {
        while position < buffer.count {
            switch buffer[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    @inline(never)
    func error(_ message: String, at offset: Int? = nil) -> JSONParserError {
        let offset = min(offset ?? position, buffer.count)
        var line = 1, column = 1
        for i in 0..<offset {
            if buffer[i] == 0x0A { line += 1; column = 1 } else if buffer[i] & 0xC0 != 0x80 { column += 1 }
        }
        return JSONParserError(message: message, line: line, column: column, offset: offset)
    }

    /// "`what` but found <the current byte or end of input>", at the current position.
    /// Out of line: building messages stays off the hot paths.
    @inline(never)
    func expected(_ what: StaticString) -> JSONParserError {
        error("\(what) but found \(describeCurrent())")
    }

    func describeCurrent() -> String {
        guard !atEnd else { return "end of input" }
        let c = current
        if c >= 0x21 && c < 0x7F { return "character '\(Character(Unicode.Scalar(c)))'" }
        return "byte 0x" + String(c, radix: 16, uppercase: true)
    }

    mutating func parseValue(depth: Int) throws(JSONParserError) -> JSONValue {
        guard !atEnd else { throw error("Expected a JSON value but found end of input") }
        switch current {
        case ascii_quote: return .string(try parseString())
        case 0x2D, 0x30...0x39: return .number(try parseNumber())
        case 0x7B: return try parseObject(depth: depth + 1)
        case 0x5B: return try parseArray(depth: depth + 1)
        case 0x74: try expectLiteral(0x65757274, "true"); lastBound = 5; return .bool(true)
        case 0x66: position += 1; try expectLiteral(0x65736C61, "false", start: position - 1); lastBound = 5; return .bool(false)
        case 0x6E: try expectLiteral(0x6C6C756E, "null"); lastBound = 5; return .null
        default: throw expected("Expected a JSON value")
        }
    }

    /// Matches 4 bytes (little-endian `word`) at the current position.
    @inline(__always)
    mutating func expectLiteral(_ word: UInt32, _ literal: StaticString, start: Int? = nil) throws(JSONParserError) {
        guard position + 4 <= buffer.count,
              UnsafeRawPointer(buffer.baseAddress! + position).loadUnaligned(as: UInt32.self) == UInt32(littleEndian: word)
        else { throw error("Invalid literal, expected '\(literal)'", at: start ?? position) }
        position += 4
    }

    mutating func parseObject(depth: Int) throws(JSONParserError) -> JSONValue {
        if depth > maxDepth { throw error("Exceeds the maximum nesting depth of \(maxDepth)") }
        position += 1  // {
        skipWhitespace()
        if !atEnd && current == 0x7D { position += 1; lastBound = 2; return .object(JSONObject()) }
        // On error the scratch stacks are left as they are: the whole parse fails and
        // `destroy()` releases everything.
        let base = fields.count
        var bound = 2
        while true {
            guard !atEnd, current == ascii_quote else {
                throw expected("Expected a string key for object member")
            }
            let keyStart = position + 1
            let key = try parseString()
            bound &+= lastBound &+ 2  // the key, its `:` and a `,`
            spans.push(KeySpan(start: keyStart, length: lastStringEscaped ? -1 : position - 1 - keyStart))
            skipWhitespace()
            guard !atEnd, current == 0x3A else { throw expected("Expected ':' after object key") }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            bound &+= lastBound
            fields.push(JSONObject.Field(key: consume key, value: consume value))
            skipWhitespace()
            guard !atEnd else { throw error("Expected ',' or '}' after object member but found end of input") }
            if current == 0x2C { position += 1; skipWhitespace(); continue }
            if current == 0x7D { position += 1; break }
            throw expected("Expected ',' or '}' after object member")
        }
        let n = fields.count - base
        let spanBase = spans.count - n
        defer { spans.count = spanBase }
        let object: JSONObject
        if !hasDuplicateKeys(fieldBase: base, spanBase: spanBase, count: n) {
            object = JSONObject(movingUniqueFields: fields.base + base, count: n, sizeBound: bound)
            fields.count = base
        } else {
            // Rare: rebuild with last-one-wins semantics.
            var o = JSONObject(minimumCapacity: n)
            for i in 0..<n {
                let field = (fields.base + base + i).move()
                o[field.key] = field.value
            }
            fields.count = base
            object = o
        }
        lastBound = object.sizeBound
        return .object(object)
    }

    /// Duplicate detection on source bytes (no String comparisons for plain keys).
    @inline(__always)
    func hasDuplicateKeys(fieldBase: Int, spanBase: Int, count n: Int) -> Bool {
        if n < 2 { return false }
        if n > JSONObject.indexThreshold {
            var seen = Set<String>(minimumCapacity: n)
            for i in 0..<n where !seen.insert(fields.base[fieldBase + i].key).inserted { return true }
            return false
        }
        let raw = buffer.baseAddress!
        for i in 1..<n {
            let a = spans.base[spanBase + i]
            for j in 0..<i {
                let b = spans.base[spanBase + j]
                if a.length >= 0 && b.length >= 0 {
                    if a.length == b.length && memcmp(raw + a.start, raw + b.start, a.length) == 0 { return true }
                } else if fields.base[fieldBase + i].key == fields.base[fieldBase + j].key {
                    return true
                }
            }
        }
        return false
    }

    mutating func parseArray(depth: Int) throws(JSONParserError) -> JSONValue {
        if depth > maxDepth { throw error("Exceeds the maximum nesting depth of \(maxDepth)") }
        position += 1  // [
        skipWhitespace()
        if !atEnd && current == 0x5D { position += 1; lastBound = 2; return .array([]) }
        let base = values.count
        var bound = 2
        while true {
            values.push(try parseValue(depth: depth))
            bound &+= 1 &+ lastBound
            skipWhitespace()
            guard !atEnd else { throw error("Expected ',' or ']' after array element but found end of input") }
            if current == 0x2C { position += 1; skipWhitespace(); continue }
            if current == 0x5D { position += 1; break }
            throw expected("Expected ',' or ']' after array element")
        }
        let n = values.count - base
        let source = values.base + base
        let array = [JSONValue](unsafeUninitializedCapacity: n) { destination, initialized in
            destination.baseAddress!.moveInitialize(from: source, count: n)
            initialized = n
        }
        values.count = base
        lastBound = bound
        return .array(array)
    }

    mutating func parseString() throws(JSONParserError) -> String {
        let start = position
        var p = position + 1  // after the opening quote; a local so it stays in a register
        lastStringEscaped = false
        var ascii = true
        // Fast path: no escapes. Scan 8 bytes at a time for the first byte that is a quote,
        // a backslash, a control character or non-ASCII (its position comes from the mask's
        // lowest set bit), then deal with that byte.
        let raw = UnsafeRawPointer(buffer.baseAddress!)
        let count = buffer.count
        while true {
            if p + 8 <= count {
                let mask = Self.specialBytes((raw + p).loadUnaligned(as: UInt64.self))
                if mask == 0 { p += 8; continue }
                p += mask.trailingZeroBitCount >> 3
            } else if p >= count {
                break
            }
            let c = buffer[p]
            if c == ascii_quote {
                let slice = UnsafeBufferPointer(start: buffer.baseAddress! + start + 1, count: p - start - 1)
                position = p + 1
                lastBound = 2 &+ 6 &* slice.count
                if ascii {
                    let n = slice.count
                    guard smallStrings && n <= 15 else { return String(decoding: slice, as: UTF8.self) }
                    if start + 17 <= count {
                        // Two 8-byte loads from the string start (still inside the buffer), masked to n bytes.
                        var low = UInt64(littleEndian: (raw + start + 1).loadUnaligned(as: UInt64.self))
                        var high = UInt64(littleEndian: (raw + start + 9).loadUnaligned(as: UInt64.self))
                        if n < 8 { low &= (1 &<< UInt64(8 * n)) &- 1; high = 0 } else { high &= (1 &<< UInt64(8 * (n - 8))) &- 1 }
                        high |= UInt64(0xE0 | n) << 56
                        return makeSmallString(low: low, high: high)
                    }
                    return smallASCIIString(slice)
                }
                guard let s = String(validating: slice, as: UTF8.self) else {
                    throw error("Invalid UTF-8 in string", at: start)
                }
                return s
            }
            if c == ascii_backslash { break }
            if c < 0x20 { position = p; throw error("Unescaped control character in string") }
            if c >= 0x80 { ascii = false }
            p += 1
        }
        position = p
        lastStringEscaped = true
        return try parseEscapedString(start: start)
    }

    /// The slow path of ``parseString()``: the string has escapes (or is unterminated);
    /// `position` is at the first backslash. Kept out of line so the fast path stays small.
    @inline(never)
    mutating func parseEscapedString(start: Int) throws(JSONParserError) -> String {
        if position >= buffer.count { throw error("Unterminated string", at: start) }
        // Slow path: escapes present.
        var bytes = [UInt8]()
        bytes.reserveCapacity(position - start + 16)
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[(start + 1)..<position]))
        while position < buffer.count {
            let c = buffer[position]
            if c == ascii_quote {
                position += 1
                guard let s = String(validating: bytes, as: UTF8.self) else {
                    throw error("Invalid UTF-8 in string", at: start)
                }
                lastBound = 2 &+ 6 &* bytes.count
                return s
            }
            if c < 0x20 { throw error("Unescaped control character in string") }
            if c != ascii_backslash { bytes.append(c); position += 1; continue }
            position += 1
            guard position < buffer.count else { break }
            let e = buffer[position]
            position += 1
            switch e {
            case 0x22: bytes.append(0x22)
            case 0x5C: bytes.append(0x5C)
            case 0x2F: bytes.append(0x2F)
            case 0x62: bytes.append(0x08)
            case 0x66: bytes.append(0x0C)
            case 0x6E: bytes.append(0x0A)
            case 0x72: bytes.append(0x0D)
            case 0x74: bytes.append(0x09)
            case 0x75:
                var scalar = try parseHex4()
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    // High surrogate: must be followed by \u low surrogate.
                    guard position + 1 < buffer.count, buffer[position] == ascii_backslash, buffer[position + 1] == 0x75 else {
                        throw error("Unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true)) in string")
                    }
                    position += 2
                    let low = try parseHex4()
                    guard low >= 0xDC00 && low < 0xE000 else {
                        throw error("Unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true)) in string")
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw error("Unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true)) in string")
                }
                appendUTF8(scalar, to: &bytes)
            default:
                throw error("Invalid escape sequence '\\\(Character(Unicode.Scalar(e)))' in string", at: position - 2)
            }
        }
        throw error("Unterminated string", at: start)
    }

    /// The high bit of each byte of `word` that is `"`, `\\`, below 0x20 or at least 0x80 (SWAR).
    /// Borrows can flag bytes above a flagged byte, so only the lowest set bit is exact.
    @inline(__always) static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
        let zeroInQuote = (quote &- ones) & ~quote
        let zeroInBackslash = (backslash &- ones) & ~backslash
        let control = word &- (ones &* 0x20)  // borrows into the high bit for bytes < 0x20
        return (zeroInQuote | zeroInBackslash | control | word) & highs
    }

    mutating func parseHex4() throws(JSONParserError) -> UInt32 {
        guard position + 4 <= buffer.count else { throw error("Invalid \\u escape: expected 4 hex digits") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = buffer[position]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw error("Invalid \\u escape: expected 4 hex digits")
            }
            v = v << 4 | d
            position += 1
        }
        return v
    }

    mutating func parseNumber() throws(JSONParserError) -> JSONNumber {
        let start = position
        lastBound = 32
        var negative = false
        if current == 0x2D { negative = true; position += 1 }
        guard !atEnd, current >= 0x30 && current <= 0x39 else {
            throw error("Invalid number: expected a digit after '-'", at: position)
        }
        // `magnitude` accumulates all significant digits (integer and fraction) while they fit.
        var magnitude: UInt64 = 0
        var digitCount = 0  // digits accumulated in `magnitude`, leading zeros excluded
        var overflow = false
        if current == 0x30 {
            position += 1
            if !atEnd, current >= 0x30 && current <= 0x39 { throw error("Invalid number: leading zeros are not allowed", at: start) }
        } else {
            while !atEnd, current >= 0x30 && current <= 0x39 {
                let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (m2, o2) = m1.addingReportingOverflow(UInt64(current &- 0x30))
                overflow = overflow || o1 || o2
                magnitude = m2
                digitCount += 1
                position += 1
            }
        }
        var isFloat = false
        var fractionDigits = 0
        if !atEnd, current == 0x2E {
            isFloat = true
            position += 1
            guard !atEnd, current >= 0x30 && current <= 0x39 else { throw error("Invalid number: expected a digit after '.'") }
            while !atEnd, current >= 0x30 && current <= 0x39 {
                if digitCount < 19 {
                    magnitude = magnitude &* 10 &+ UInt64(current &- 0x30)
                    if magnitude != 0 { digitCount += 1 }
                    fractionDigits += 1
                } else {
                    overflow = true
                }
                position += 1
            }
        }
        var exponent = 0
        if !atEnd, current == 0x65 || current == 0x45 {
            isFloat = true
            position += 1
            var negativeExponent = false
            if !atEnd, current == 0x2B || current == 0x2D { negativeExponent = current == 0x2D; position += 1 }
            guard !atEnd, current >= 0x30 && current <= 0x39 else { throw error("Invalid number: expected a digit in the exponent") }
            while !atEnd, current >= 0x30 && current <= 0x39 {
                if exponent < 100_000 { exponent = exponent * 10 + Int(current &- 0x30) }
                position += 1
            }
            if negativeExponent { exponent = -exponent }
        }
        if !isFloat && !overflow {
            if negative {
                if magnitude <= UInt64(Int64.max) { return .int(-Int64(magnitude)) }
                if magnitude == UInt64(Int64.max) + 1 { return .int(Int64.min) }
            } else if magnitude <= UInt64(Int64.max) {
                return .int(Int64(magnitude))
            }
        }
        let slice = UnsafeBufferPointer(rebasing: buffer[start..<position])
        if !isFloat {
            lastBound = Swift.max(32, slice.count)
            return .big(String(decoding: slice, as: UTF8.self))
        }
        // Clinger's fast path: an exact significand below 2^53 scaled by an exact power of ten
        // rounds correctly with one IEEE multiplication or division.
        let scale = exponent - fractionDigits
        if !overflow && magnitude < (1 << 53) && scale >= -22 && scale <= 22 {
            var d = Double(magnitude)
            if scale < 0 { d /= Self.powerOfTen(-scale) } else { d *= Self.powerOfTen(scale) }
            return .double(negative ? -d : d)
        }
        let d = Self.parseDouble(slice)
        // Overflow is rejected (no JSON text can carry the result); underflow rounds to ±0.0.
        guard d.isFinite else { throw error("Number out of range: magnitude exceeds the largest double", at: start) }
        return .double(d)
    }

    @inline(__always) static func powerOfTen(_ k: Int) -> Double {
        // Exact powers of ten 10^0...10^22 (all representable), without a global's lazy init.
        switch k {
        case 0: 1e0; case 1: 1e1; case 2: 1e2; case 3: 1e3; case 4: 1e4; case 5: 1e5; case 6: 1e6; case 7: 1e7
        case 8: 1e8; case 9: 1e9; case 10: 1e10; case 11: 1e11; case 12: 1e12; case 13: 1e13; case 14: 1e14
        case 15: 1e15; case 16: 1e16; case 17: 1e17; case 18: 1e18; case 19: 1e19; case 20: 1e20; case 21: 1e21
        default: 1e22
        }
    }

    static func parseDouble(_ slice: UnsafeBufferPointer<UInt8>) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: slice.count + 1) { tmp in
            for i in 0..<slice.count { tmp[i] = CChar(bitPattern: slice[i]) }
            tmp[slice.count] = 0
            return strtod(tmp.baseAddress!, nil)
        }
    }
}

/// Makes a `String` from up to 15 bytes already known to be ASCII.
///
/// Strings of up to 15 bytes are stored inline by Swift (no allocation); building that inline
/// form directly skips the standard library's re-validation, which dominated the cost of short
/// keys and values. The layout (bytes in order over two little-endian words, the last byte
/// `0xE0 | count`) is Swift's stable ABI for small ASCII strings; it is checked once against
/// strings the standard library builds, and if it ever differs the standard path is used.
@inline(__always) func smallASCIIString(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    let n = bytes.count
    var low: UInt64 = 0, high: UInt64 = 0
    if let p = bytes.baseAddress.map(UnsafeRawPointer.init) {
        if n >= 8 {
            // Two overlapping 8-byte loads inside the string.
            low = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
            if n > 8 { high = UInt64(littleEndian: (p + n - 8).loadUnaligned(as: UInt64.self)) >> UInt64(8 * (16 - n)) }
        } else {
            var shift: UInt64 = 0
            for i in 0..<n { low |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << shift; shift += 8 }
        }
    }
    high |= UInt64(0xE0 | n) << 56
    return makeSmallString(low: low, high: high)
}

/// Reinterprets two words as a small `String`, taking it (a move: no retain call, which an
/// `unsafeBitCast` copy would make).
@inline(__always) func makeSmallString(low: UInt64, high: UInt64) -> String {
    var words = (UInt64(littleEndian: low), UInt64(littleEndian: high))
    return withUnsafeMutableBytes(of: &words) { raw in
        raw.baseAddress!.bindMemory(to: String.self, capacity: 1).move()
    }
}

/// Whether `smallASCIIString` reproduces the standard library's own small strings, bit for bit.
let smallStringLayoutVerified: Bool = {
    guard MemoryLayout<String>.size == 16, UInt64(littleEndian: 1) == 1 else { return false }
    let sample: [UInt8] = Array("aZ0~ {}:,.-_/\\x".utf8)
    for n in 0...15 {
        let built = sample.withUnsafeBufferPointer { smallASCIIString(UnsafeBufferPointer(rebasing: $0[0..<n])) }
        let standard = sample.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[0..<n]), as: UTF8.self) }
        let a = unsafeBitCast(built, to: (UInt64, UInt64).self), b = unsafeBitCast(standard, to: (UInt64, UInt64).self)
        guard a == b, built == standard, built.utf8.count == n, Array(built.utf8) == Array(sample[0..<n]) else { return false }
    }
    return true
}()

@inline(__always) func appendUTF8(_ scalar: UInt32, to bytes: inout [UInt8]) {
    switch scalar {
    case 0..<0x80: bytes.append(UInt8(scalar))
    case 0x80..<0x800:
        bytes.append(UInt8(0xC0 | (scalar >> 6)))
        bytes.append(UInt8(0x80 | (scalar & 0x3F)))
    case 0x800..<0x10000:
        bytes.append(UInt8(0xE0 | (scalar >> 12)))
        bytes.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (scalar & 0x3F)))
    default:
        bytes.append(UInt8(0xF0 | (scalar >> 18)))
        bytes.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
        bytes.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (scalar & 0x3F)))
    }
}
