#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A strict RFC 8259 parser over UTF-8 bytes.
///
/// Recursive descent with an explicit depth limit, so deeply nested input is an error rather
/// than a stack overflow. Strings without escapes are validated and copied in one step;
/// integers are accumulated directly; only numbers with a fraction or exponent go through
/// `strtod`.
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

    public static func parse(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int = defaultMaxDepth) throws(JSONParserError) -> JSONValue {
        var reader = Reader(buffer: buffer, maxDepth: maxDepth)
        // A UTF-8 byte order mark at the very start is ignored (RFC 8259 §8.1 allows it; Jackson does it).
        if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { reader.position = 3 }
        reader.skipWhitespace()
        let value = try reader.parseValue(depth: 0)
        reader.skipWhitespace()
        if reader.position < buffer.count {
            throw reader.error("Unexpected \(reader.describeCurrent()) after the JSON value")
        }
        return value
    }
}

private let ascii_quote: UInt8 = 0x22, ascii_backslash: UInt8 = 0x5C

struct Reader {
    let buffer: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var position = 0

    init(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.buffer = buffer
        self.maxDepth = maxDepth
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

    func error(_ message: String, at offset: Int? = nil) -> JSONParserError {
        let offset = min(offset ?? position, buffer.count)
        var line = 1, column = 1
        for i in 0..<offset {
            if buffer[i] == 0x0A { line += 1; column = 1 } else if buffer[i] & 0xC0 != 0x80 { column += 1 }
        }
        return JSONParserError(message: message, line: line, column: column, offset: offset)
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
        case 0x7B: return try parseObject(depth: depth + 1)
        case 0x5B: return try parseArray(depth: depth + 1)
        case ascii_quote: return .string(try parseString())
        case 0x74: try expectLiteral("true"); return .bool(true)
        case 0x66: try expectLiteral("false"); return .bool(false)
        case 0x6E: try expectLiteral("null"); return .null
        case 0x2D, 0x30...0x39: return .number(try parseNumber())
        default: throw error("Expected a JSON value but found \(describeCurrent())")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParserError) {
        let start = position
        let n = literal.utf8CodeUnitCount
        let p = literal.utf8Start
        for i in 0..<n {
            guard position < buffer.count, buffer[position] == p[i] else {
                throw error("Invalid literal, expected '\(literal)'", at: start)
            }
            position += 1
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParserError) -> JSONValue {
        if depth > maxDepth { throw error("Exceeds the maximum nesting depth of \(maxDepth)") }
        position += 1  // {
        skipWhitespace()
        var keys = ContiguousArray<String>()
        var values = ContiguousArray<JSONValue>()
        if !atEnd && current == 0x7D { position += 1; return .object(JSONObject()) }
        while true {
            guard !atEnd, current == ascii_quote else {
                throw error("Expected a string key for object member but found \(describeCurrent())")
            }
            let key = try parseString()
            skipWhitespace()
            guard !atEnd, current == 0x3A else { throw error("Expected ':' after object key but found \(describeCurrent())") }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            keys.append(key)
            values.append(value)
            skipWhitespace()
            guard !atEnd else { throw error("Expected ',' or '}' after object member but found end of input") }
            if current == 0x2C { position += 1; skipWhitespace(); continue }
            if current == 0x7D { position += 1; break }
            throw error("Expected ',' or '}' after object member but found \(describeCurrent())")
        }
        return .object(JSONObject(keys: keys, values: values))
    }

    mutating func parseArray(depth: Int) throws(JSONParserError) -> JSONValue {
        if depth > maxDepth { throw error("Exceeds the maximum nesting depth of \(maxDepth)") }
        position += 1  // [
        skipWhitespace()
        var elements = [JSONValue]()
        if !atEnd && current == 0x5D { position += 1; return .array(elements) }
        while true {
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard !atEnd else { throw error("Expected ',' or ']' after array element but found end of input") }
            if current == 0x2C { position += 1; skipWhitespace(); continue }
            if current == 0x5D { position += 1; break }
            throw error("Expected ',' or ']' after array element but found \(describeCurrent())")
        }
        return .array(elements)
    }

    mutating func parseString() throws(JSONParserError) -> String {
        let start = position
        position += 1  // opening quote
        var ascii = true
        // Fast path: no escapes. Scan to the closing quote.
        while position < buffer.count {
            let c = buffer[position]
            if c == ascii_quote {
                let slice = UnsafeBufferPointer(rebasing: buffer[(start + 1)..<position])
                position += 1
                if ascii { return String(decoding: slice, as: UTF8.self) }
                guard let s = String(validating: slice, as: UTF8.self) else {
                    throw error("Invalid UTF-8 in string", at: start)
                }
                return s
            }
            if c == ascii_backslash { break }
            if c < 0x20 { throw error("Unescaped control character in string") }
            if c >= 0x80 { ascii = false }
            position += 1
        }
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
        var negative = false
        if current == 0x2D { negative = true; position += 1 }
        guard !atEnd, current >= 0x30 && current <= 0x39 else {
            throw error("Invalid number: expected a digit after '-'", at: position)
        }
        var magnitude: UInt64 = 0
        var overflow = false
        if current == 0x30 {
            position += 1
            if !atEnd, current >= 0x30 && current <= 0x39 { throw error("Invalid number: leading zeros are not allowed", at: start) }
        } else {
            while !atEnd, current >= 0x30 && current <= 0x39 {
                let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (m2, o2) = m1.addingReportingOverflow(UInt64(current - 0x30))
                overflow = overflow || o1 || o2
                magnitude = m2
                position += 1
            }
        }
        var isFloat = false
        if !atEnd, current == 0x2E {
            isFloat = true
            position += 1
            guard !atEnd, current >= 0x30 && current <= 0x39 else { throw error("Invalid number: expected a digit after '.'") }
            while !atEnd, current >= 0x30 && current <= 0x39 { position += 1 }
        }
        if !atEnd, current == 0x65 || current == 0x45 {
            isFloat = true
            position += 1
            if !atEnd, current == 0x2B || current == 0x2D { position += 1 }
            guard !atEnd, current >= 0x30 && current <= 0x39 else { throw error("Invalid number: expected a digit in the exponent") }
            while !atEnd, current >= 0x30 && current <= 0x39 { position += 1 }
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
        if !isFloat { return .big(String(decoding: slice, as: UTF8.self)) }
        let d = Self.parseDouble(slice)
        // Overflow is rejected (no JSON text can carry the result); underflow rounds to ±0.0.
        guard d.isFinite else { throw error("Number out of range: magnitude exceeds the largest double", at: start) }
        return .double(d)
    }

    static func parseDouble(_ slice: UnsafeBufferPointer<UInt8>) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: slice.count + 1) { tmp in
            for i in 0..<slice.count { tmp[i] = CChar(bitPattern: slice[i]) }
            tmp[slice.count] = 0
            return strtod(tmp.baseAddress!, nil)
        }
    }
}

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
