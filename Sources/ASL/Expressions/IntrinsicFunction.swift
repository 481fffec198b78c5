import ASLJSON
import JSONata
import Foundation

/// A compiled intrinsic function call (`States.Format('{}', $.x)`, nested calls, …) in
/// JSONPath mode (§4). Parsing, arity and literal-type checks happen once at compile time;
/// `evaluate` only resolves paths and computes.
public struct IntrinsicFunction: Sendable, CustomStringConvertible {
    /// The 18 intrinsics, named as in the definition.
    public enum Name: String, Sendable, CaseIterable {
        case format = "States.Format", stringToJson = "States.StringToJson", jsonToString = "States.JsonToString"
        case array = "States.Array", arrayPartition = "States.ArrayPartition", arrayContains = "States.ArrayContains"
        case arrayRange = "States.ArrayRange", arrayGetItem = "States.ArrayGetItem", arrayLength = "States.ArrayLength"
        case arrayUnique = "States.ArrayUnique", base64Encode = "States.Base64Encode", base64Decode = "States.Base64Decode"
        case hash = "States.Hash", jsonMerge = "States.JsonMerge", mathRandom = "States.MathRandom"
        case mathAdd = "States.MathAdd", stringSplit = "States.StringSplit", uuid = "States.UUID"

        /// Allowed argument counts.
        var arity: ClosedRange<Int> {
            switch self {
            case .format: return 1...Int.max
            case .array: return 0...Int.max
            case .uuid: return 0...0
            case .stringToJson, .jsonToString, .arrayLength, .arrayUnique, .base64Encode, .base64Decode: return 1...1
            case .arrayPartition, .arrayContains, .arrayGetItem, .hash, .mathAdd, .stringSplit: return 2...2
            case .arrayRange, .jsonMerge: return 3...3
            case .mathRandom: return 2...3
            }
        }
    }

    /// The call as written (used in error causes).
    public let text: String
    let call: IntrinsicCall

    /// Maximum nesting depth of calls inside one field [DOC].
    public static let maxNesting = 10

    public init(_ text: String) throws(ExpressionCompileError) {
        var parser = IntrinsicParser(text: text)
        let call = try parser.parseCall(depth: 1)
        parser.skipSpaces()
        guard parser.atEnd else { throw parser.fail("unexpected text after the call") }
        self.text = text
        self.call = call
    }

    public var name: Name { call.name }
    public var description: String { text }

    /// Whether `text` looks like an intrinsic call (`States.` … `)`), as AWS decides for `.$` values.
    public static func looksLikeCall(_ text: String) -> Bool {
        text.hasPrefix("States.") && text.hasSuffix(")")
    }

    /// Evaluates the call. Failures are `States.Runtime` with cause
    /// `The function '<text>' had the following error: <detail>`.
    public func evaluate(_ context: ExpressionContext) throws(StatesError) -> JSONValue {
        do {
            return try call.evaluate(context)
        } catch {
            throw StatesError.intrinsicCallFailed(text, error.detail)
        }
    }
}

/// An intrinsic failure detail, wrapped with the call text by ``IntrinsicFunction/evaluate(_:)``.
struct IntrinsicFailure: Error {
    var detail: String
    init(_ detail: String) { self.detail = detail }
}

indirect enum IntrinsicArgument: Sendable {
    case literal(JSONValue)
    case path(JSONPath)
    case call(IntrinsicCall)
}

/// A piece of a literal `States.Format` template.
enum IntrinsicFormatPiece: Sendable {
    case text(String)
    case placeholder
}

struct IntrinsicCall: Sendable {
    let name: IntrinsicFunction.Name
    let arguments: [IntrinsicArgument]
    /// For `States.Format` with a literal template: its pieces (escapes resolved).
    let template: [IntrinsicFormatPiece]?
    /// Seeded generator state for `States.MathRandom` is derived per call; nothing cached here.

    func evaluate(_ context: ExpressionContext) throws(IntrinsicFailure) -> JSONValue {
        var values: [JSONValue] = []
        values.reserveCapacity(arguments.count)
        for (i, argument) in arguments.enumerated() {
            if i == 0, template != nil { values.append(.null); continue }
            switch argument {
            case .literal(let v): values.append(v)
            case .call(let c): values.append(try c.evaluate(context))
            case .path(let p):
                guard let v = p.evaluate(context) else {
                    throw IntrinsicFailure.pathNotFound(p.text, input: context.input)
                }
                values.append(v)
            }
        }
        return try IntrinsicEvaluator.apply(self, values, context)
    }
}

// MARK: - Evaluation

enum IntrinsicEvaluator {
    static let maxInputLength = 10_000
    static let maxRangeItems = 1000

    static func apply(_ call: IntrinsicCall, _ args: [JSONValue], _ context: ExpressionContext) throws(IntrinsicFailure) -> JSONValue {
        let name = call.name.rawValue
        func string(_ i: Int) throws(IntrinsicFailure) -> String {
            guard case .string(let s) = args[i] else { throw typeError(name, i, "string", args[i]) }
            return s
        }
        func array(_ i: Int) throws(IntrinsicFailure) -> [JSONValue] {
            guard case .array(let a) = args[i] else { throw typeError(name, i, "array", args[i]) }
            return a
        }
        func integer(_ i: Int) throws(IntrinsicFailure) -> Int64 {
            guard case .number(let n) = args[i], let v = n.int64Value else { throw typeError(name, i, "integer", args[i]) }
            return v
        }
        func number(_ i: Int) throws(IntrinsicFailure) -> JSONNumber {
            guard case .number(let n) = args[i] else { throw typeError(name, i, "number", args[i]) }
            return n
        }
        /// A number with its fraction dropped (LS), which must then fit `Int64`.
        func truncated(_ i: Int) throws(IntrinsicFailure) -> Int64 {
            let n = try number(i)
            if let v = n.int64Value { return v }
            guard let v = Int64(exactly: n.doubleValue.rounded(.towardZero)) else {
                throw IntrinsicFailure.outside64BitRange(name, i, args[i])
            }
            return v
        }

        switch call.name {
        case .format:
            let pieces: [IntrinsicFormatPiece]
            if let t = call.template { pieces = t } else { pieces = formatPieces(fromRuntime: try string(0)) }
            let placeholders = pieces.reduce(0) { if case .placeholder = $1 { return $0 + 1 }; return $0 }
            guard placeholders == args.count - 1 else {
                throw IntrinsicFailure.formatArgumentCount(args.count - 1, placeholders: placeholders)
            }
            // Built as UTF-8 bytes in one buffer, then made a String once.
            var out = JSONWriter(capacity: 64)
            var next = 1
            for p in pieces {
                switch p {
                case .text(let t): out.appendRaw(t.utf8)
                case .placeholder: javaString(args[next], into: &out); next += 1
                }
            }
            return .string(String(decoding: out.bytes, as: UTF8.self))

        case .stringToJson:
            let s = try string(0)
            if s.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }) { return .null }
            do { return try JSONParser.parse(s) } catch {
                throw IntrinsicFailure.notJSON(s)
            }

        case .jsonToString:
            return .string(JSONWriter.string(args[0]))

        case .array:
            return .array(args)

        case .arrayPartition:
            // Intrinsic functions page: a non-integer chunk size is rounded to the nearest integer.
            let a = try array(0)
            let size = try javaRound(number(1), name, 1)
            guard size > 0 else { throw IntrinsicFailure.chunkSizeNotPositive(size) }
            var chunks: [JSONValue] = []
            var i = 0
            while i < a.count {
                let end = min(a.count, i + Int(min(size, Int64(Int.max / 2))))
                chunks.append(.array(Array(a[i..<end])))
                i = end
            }
            return .array(chunks)

        case .arrayContains:
            let a = try array(0)
            return .bool(a.contains(args[1]))

        case .arrayRange:
            // Intrinsic functions page: non-integer arguments are rounded to the nearest integer.
            let first = try javaRound(number(0), name, 0), last = try javaRound(number(1), name, 1)
            let step = try javaRound(number(2), name, 2)
            guard step != 0 else { throw IntrinsicFailure.zeroStep }
            var out: [JSONValue] = []
            var v = first
            while step > 0 ? v <= last : v >= last {
                if out.count == maxRangeItems {
                    throw IntrinsicFailure.rangeTooLong(maxItems: maxRangeItems)
                }
                out.append(.number(.int(v)))
                let (n, overflow) = v.addingReportingOverflow(step)
                if overflow { break }
                v = n
            }
            return .array(out)

        case .arrayGetItem:
            let a = try array(0)
            let index = try integer(1)
            guard index >= 0, index < Int64(a.count) else {
                throw IntrinsicFailure.indexOutOfBounds(index, count: a.count)
            }
            return a[Int(index)]

        case .arrayLength:
            return .number(.int(Int64(try array(0).count)))

        case .arrayUnique:
            var seen = Set<JSONValue>()
            var out: [JSONValue] = []
            for v in try array(0) where seen.insert(v).inserted { out.append(v) }
            return .array(out)

        case .base64Encode:
            let s = try string(0)
            try checkLength(s, name)
            return .string(Data(s.utf8).base64EncodedString())

        case .base64Decode:
            let s = try string(0)
            try checkLength(s, name)
            guard let data = Data(base64Encoded: s) else {
                throw IntrinsicFailure.notBase64(s)
            }
            return .string(String(decoding: data, as: UTF8.self))

        case .hash:
            let s = try string(0)
            let algorithm = try string(1)
            try checkLength(s, name)
            guard let hex = Digest.hex(algorithm: algorithm, Array(s.utf8)) else {
                throw IntrinsicFailure.unsupportedHash(algorithm)
            }
            return .string(hex)

        case .jsonMerge:
            guard case .object(var merged) = args[0] else { throw typeError(name, 0, "object", args[0]) }
            guard case .object(let other) = args[1] else { throw typeError(name, 1, "object", args[1]) }
            guard case .bool(let deep) = args[2] else { throw typeError(name, 2, "boolean", args[2]) }
            if deep { throw IntrinsicFailure.deepMerge }
            for (k, v) in other { merged[k] = v }
            return .object(merged)

        case .mathRandom:
            // Fractions are truncated (LS); the range is [start, end).
            let start = try truncated(0), end = try truncated(1)
            guard end > start else { throw IntrinsicFailure.randomEndNotAfterStart(start: start, end: end) }
            // Both ends fit Int64, their distance may not: `Int64.max - (-1)`.
            let (bound, overflow) = end.subtractingReportingOverflow(start)
            if overflow { throw IntrinsicFailure.randomRangeTooLarge(name, start: start, end: end) }
            if args.count == 3 {
                var random = JavaRandom(seed: try truncated(2))
                if bound <= Int64(Int32.max) { return .number(.int(start + Int64(random.nextInt(bound: Int32(bound))))) }
                return .number(.int(start + Int64(UInt64(bitPattern: random.nextLong()) % UInt64(bound))))
            }
            return .number(.int(context.randomInteger(start, end)))

        case .mathAdd:
            let a = try javaRound(number(0), name, 0), b = try javaRound(number(1), name, 1)
            return .number(.int(a &+ b))

        case .stringSplit:
            let s = try string(0)
            if let parts = splitOnASCII(s, delimiters: try string(1)) { return .array(parts) }
            let delimiters = Set(try string(1).unicodeScalars)
            var parts: [JSONValue] = []
            var current = String.UnicodeScalarView()
            for u in s.unicodeScalars {
                if delimiters.contains(u) {
                    if !current.isEmpty { parts.append(.string(String(current))); current = String.UnicodeScalarView() }
                } else {
                    current.append(u)
                }
            }
            if !current.isEmpty { parts.append(.string(String(current))) }
            return .array(parts)

        case .uuid:
            return .string(context.uuid())
        }
    }

    static func checkLength(_ s: String, _ name: String) throws(IntrinsicFailure) {
        if s.utf16.count > maxInputLength {
            throw IntrinsicFailure.inputTooLong(name, maxLength: maxInputLength)
        }
    }

    static func typeError(_ name: String, _ index: Int, _ expected: String, _ value: JSONValue) -> IntrinsicFailure {
        IntrinsicFailure.invalidArgument(name, index, expected: expected, value)
    }

    /// Java `Math.round`: `floor(x + 0.5)`, within the 32-bit range AWS documents.
    static func javaRound(_ n: JSONNumber, _ name: String, _ index: Int) throws(IntrinsicFailure) -> Int64 {
        let value: Int64
        if let i = n.int64Value, n.isIntegerKind || n.isIntegral { value = i }
        else {
            // Range-check as a Double: 1e19 or NaN must not reach the Int64 conversion.
            let rounded = (n.doubleValue + 0.5).rounded(.down)
            guard rounded >= Double(Int32.min), rounded <= Double(Int32.max) else { throw outOfRange(n, name, index) }
            value = Int64(rounded)
        }
        guard value >= Int64(Int32.min), value <= Int64(Int32.max) else { throw outOfRange(n, name, index) }
        return value
    }

    private static func outOfRange(_ n: JSONNumber, _ name: String, _ index: Int) -> IntrinsicFailure {
        IntrinsicFailure.outside32BitRange(name, index, .number(n))
    }

    /// A template that came from a path or variable: `{}` are placeholders, nothing is escaped.
    static func formatPieces(fromRuntime s: String) -> [IntrinsicFormatPiece] {
        var pieces: [IntrinsicFormatPiece] = []
        var text = ""
        var it = s.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? it.next() {
            pending = nil
            if c == "{" {
                if let n = it.next() {
                    if n == "}" { pieces.append(.text(text)); text = ""; pieces.append(.placeholder); continue }
                    text.append(c); pending = n; continue
                }
            }
            text.append(c)
        }
        if !text.isEmpty { pieces.append(.text(text)) }
        return pieces
    }

    /// Java `toString` of a Jackson-converted value: strings raw, objects `{k=v, k2=v2}`, arrays
    /// `[a, b]`, numbers and literals as JSON (AWS `States.Format`, [SNAP test_generic]).
    static func javaString(_ value: JSONValue, into out: inout JSONWriter) {
        switch value {
        case .string(let s): out.appendRaw(s.utf8)
        case .null: out.appendRaw("null")
        case .bool(let b): out.appendRaw(b ? "true" : "false")
        case .number(let n): out.write(n)
        case .array(let a):
            out.appendRaw("[")
            for (i, v) in a.enumerated() { if i > 0 { out.appendRaw(", ") }; javaString(v, into: &out) }
            out.appendRaw("]")
        case .object(let o):
            out.appendRaw("{")
            var first = true
            for (k, v) in o {
                if !first { out.appendRaw(", ") }
                first = false
                out.appendRaw(k.utf8); out.appendRaw("=")
                javaString(v, into: &out)
            }
            out.appendRaw("}")
        }
    }

    /// `States.StringSplit` when every delimiter is ASCII: cuts the UTF-8 bytes directly (an
    /// ASCII byte never occurs inside a multi-byte character, so each part stays valid UTF-8);
    /// `nil` sends other delimiters to the general path. Empty parts are dropped, as AWS does.
    static func splitOnASCII(_ s: String, delimiters: String) -> [JSONValue]? {
        var low: UInt64 = 0, high: UInt64 = 0  // bit b: byte b (below 64, from 64) is a delimiter
        for b in delimiters.utf8 {
            guard b < 0x80 else { return nil }
            if b < 64 { low |= 1 &<< UInt64(b) } else { high |= 1 &<< UInt64(b &- 64) }
        }
        var s = s
        return s.withUTF8 { bytes in
            var parts: [JSONValue] = []
            var start = 0
            func cut(_ end: Int) {
                if end > start { parts.append(.string(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))) }
            }
            for i in 0..<bytes.count {
                let b = bytes[i]
                let isDelimiter = b < 64 ? (low &>> UInt64(b)) & 1 != 0 : b < 0x80 && (high &>> UInt64(b &- 64)) & 1 != 0
                if isDelimiter { cut(i); start = i + 1 }
            }
            cut(bytes.count)
            return parts
        }
    }
}

/// `java.util.Random`, so a seeded `States.MathRandom` is reproducible the way a JVM is.
struct JavaRandom {
    private var seed: Int64
    private static let multiplier: Int64 = 0x5DEECE66D
    private static let mask: Int64 = (1 << 48) - 1

    init(seed: Int64) { self.seed = (seed ^ Self.multiplier) & Self.mask }

    mutating func next(_ bits: Int) -> Int32 {
        seed = (seed &* Self.multiplier &+ 0xB) & Self.mask
        return Int32(truncatingIfNeeded: seed >> (48 - Int64(bits)))
    }

    mutating func nextInt(bound: Int32) -> Int32 {
        if bound & -bound == bound { return Int32(truncatingIfNeeded: (Int64(bound) &* Int64(next(31))) >> 31) }
        var bits: Int32, value: Int32
        repeat {
            bits = next(31)
            value = bits % bound
        } while bits &- value &+ (bound &- 1) < 0
        return value
    }

    mutating func nextLong() -> Int64 { (Int64(next(32)) << 32) &+ Int64(next(32)) }
}

// MARK: - Parser

struct IntrinsicParser {
    let text: String
    let chars: [Character]
    var pos = 0

    init(text: String) {
        self.text = text
        self.chars = Array(text)
    }

    var atEnd: Bool { pos >= chars.count }
    var peek: Character? { pos < chars.count ? chars[pos] : nil }
    mutating func skipSpaces() { while let c = peek, c == " " || c == "\t" || c == "\n" || c == "\r" { pos += 1 } }

    func fail(_ why: String) -> ExpressionCompileError {
        ExpressionCompileError("Invalid intrinsic function call '\(text)': \(why)")
    }

    mutating func parseCall(depth: Int) throws(ExpressionCompileError) -> IntrinsicCall {
        guard depth <= IntrinsicFunction.maxNesting else {
            throw fail("intrinsic functions cannot be nested more than \(IntrinsicFunction.maxNesting) levels deep")
        }
        skipSpaces()
        var name = ""
        while let c = peek, c.isLetter || c.isNumber || c == "." { name.append(c); pos += 1 }
        guard let function = IntrinsicFunction.Name(rawValue: name) else {
            throw fail("unknown function '\(name)'")
        }
        skipSpaces()
        guard peek == "(" else { throw fail("expected '(' after \(name)") }
        pos += 1
        var arguments: [IntrinsicArgument] = []
        var rawTemplate: [IntrinsicFormatPiece]? = nil
        skipSpaces()
        if peek == ")" {
            pos += 1
        } else {
            while true {
                skipSpaces()
                let (argument, pieces) = try parseArgument(depth: depth)
                if arguments.isEmpty, function == .format, let pieces { rawTemplate = pieces }
                arguments.append(argument)
                skipSpaces()
                if peek == "," { pos += 1; continue }
                if peek == ")" { pos += 1; break }
                throw fail("expected ',' or ')' at position \(pos)")
            }
        }
        guard function.arity.contains(arguments.count) else {
            throw fail("\(name) does not take \(arguments.count) argument\(arguments.count == 1 ? "" : "s")")
        }
        try checkLiteralTypes(function, arguments)
        return IntrinsicCall(name: function, arguments: arguments, template: rawTemplate)
    }

    /// Static checks AWS applies to literal arguments at creation.
    func checkLiteralTypes(_ function: IntrinsicFunction.Name, _ arguments: [IntrinsicArgument]) throws(ExpressionCompileError) {
        func literal(_ i: Int) -> JSONValue? {
            if i < arguments.count, case .literal(let v) = arguments[i] { return v }
            return nil
        }
        func requireString(_ i: Int) throws(ExpressionCompileError) {
            if let v = literal(i), v.stringValue == nil { throw fail("argument \(i + 1) of \(function.rawValue) must be a string") }
        }
        func requireInteger(_ i: Int) throws(ExpressionCompileError) {
            if let v = literal(i), v.numberValue?.isIntegral != true { throw fail("argument \(i + 1) of \(function.rawValue) must be an integer") }
        }
        func requireNumber(_ i: Int) throws(ExpressionCompileError) {
            if let v = literal(i), v.numberValue == nil { throw fail("argument \(i + 1) of \(function.rawValue) must be a number") }
        }
        switch function {
        case .format, .stringToJson, .base64Encode, .base64Decode: try requireString(0)
        case .hash: try requireString(0); try requireString(1)
        case .stringSplit: try requireString(0); try requireString(1)
        case .arrayGetItem: try requireInteger(1)
        // Rounded to the nearest integer at run time (intrinsic functions page).
        case .arrayPartition: try requireNumber(1)
        case .arrayRange: try requireNumber(0); try requireNumber(1); try requireNumber(2)
        case .mathAdd: try requireNumber(0); try requireNumber(1)
        case .mathRandom: for i in arguments.indices { try requireNumber(i) }
        case .jsonMerge: if let v = literal(2), v.boolValue == nil { throw fail("argument 3 of States.JsonMerge must be a boolean") }
        default: break
        }
        // An unsupported `States.Hash` algorithm literal is left to run time (no AWS evidence that
        // creation rejects it).
    }

    mutating func parseArgument(depth: Int) throws(ExpressionCompileError) -> (IntrinsicArgument, [IntrinsicFormatPiece]?) {
        guard let c = peek else { throw fail("unexpected end") }
        if c == "'" {
            pos += 1
            var value = ""
            var pieces: [IntrinsicFormatPiece] = []
            var piece = ""
            while true {
                guard let d = peek else { throw fail("unterminated string literal") }
                pos += 1
                if d == "'" { break }
                if d == "\\" {
                    guard let e = peek, e == "'" || e == "{" || e == "}" || e == "\\" else {
                        throw fail("invalid escape sequence in string literal")
                    }
                    pos += 1
                    value.append(e); piece.append(e)
                    continue
                }
                if d == "{", peek == "}" {
                    pos += 1
                    value += "{}"
                    pieces.append(.text(piece)); piece = ""
                    pieces.append(.placeholder)
                    continue
                }
                value.append(d); piece.append(d)
            }
            if !piece.isEmpty { pieces.append(.text(piece)) }
            return (.literal(.string(value)), pieces)
        }
        if c == "$" {
            let start = pos
            var depthBrackets = 0
            var quote: Character? = nil
            while let d = peek {
                if let q = quote {
                    pos += 1
                    if d == "\\" { pos += 1 } else if d == q { quote = nil }
                    continue
                }
                if depthBrackets == 0, d == "," || d == ")" { break }
                if d == "'" || d == "\"" { quote = d }
                else if d == "[" || d == "(" { depthBrackets += 1 }
                else if d == "]" || d == ")" { depthBrackets -= 1 }
                pos += 1
            }
            var pathText = String(chars[start..<pos])
            while let last = pathText.last, last == " " || last == "\t" || last == "\n" { pathText.removeLast() }
            do {
                return (.path(try JSONPath(pathText)), nil)
            } catch {
                throw fail(error.message)
            }
        }
        if text[text.index(text.startIndex, offsetBy: pos)...].hasPrefix("States.") {
            return (.call(try parseCall(depth: depth + 1)), nil)
        }
        var token = ""
        while let d = peek, d != ",", d != ")", d != " " { token.append(d); pos += 1 }
        switch token {
        case "true": return (.literal(.bool(true)), nil)
        case "false": return (.literal(.bool(false)), nil)
        case "null": return (.literal(.null), nil)
        default:
            if let first = token.first, first == "-" || first.isNumber, let v = try? JSONParser.parse(token), case .number = v {
                return (.literal(v), nil)
            }
            throw fail("invalid argument '\(token)'")
        }
    }
}
