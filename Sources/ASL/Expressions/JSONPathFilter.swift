import ASLJSON
import Foundation

/// A compiled Jayway filter predicate (`[?(@.price < 10 && @.tag)]`).
@usableFromInline struct JSONPathFilter: Sendable {
    let expression: JSONPathFilterExpression
    init(_ expression: JSONPathFilterExpression) { self.expression = expression }

    func matches(_ item: JSONValue, root: JSONValue) -> Bool { expression.evaluate(item, root: root) }
}

indirect enum JSONPathFilterExpression: Sendable {
    case and(JSONPathFilterExpression, JSONPathFilterExpression)
    case or(JSONPathFilterExpression, JSONPathFilterExpression)
    case not(JSONPathFilterExpression)
    /// A lone operand: true when a path exists (or a literal is `true`).
    case exists(JSONPathFilterOperand)
    case compare(JSONPathFilterOperand, JSONPathFilterOperator, JSONPathFilterOperand)

    func evaluate(_ item: JSONValue, root: JSONValue) -> Bool {
        switch self {
        case .and(let a, let b): return a.evaluate(item, root: root) && b.evaluate(item, root: root)
        case .or(let a, let b): return a.evaluate(item, root: root) || b.evaluate(item, root: root)
        case .not(let a): return !a.evaluate(item, root: root)
        case .exists(let o):
            switch o {
            case .literal(let v): return v == .bool(true)
            case .regex: return false
            default: return o.value(item, root: root) != nil
            }
        case .compare(let l, let op, let r):
            if case .regex(let box) = r, op == .matches {
                guard let lv = l.value(item, root: root), case .string(let s) = lv else { return false }
                return box.fullMatch(s)
            }
            return op.apply(l.value(item, root: root), r.value(item, root: root))
        }
    }
}

enum JSONPathFilterOperand: Sendable {
    /// `@…` (relative to the item) or `$…` (from the document root).
    case path(relative: Bool, steps: [JSONPathStep], definite: Bool)
    case literal(JSONValue)
    case regex(JSONPathRegex)

    func value(_ item: JSONValue, root: JSONValue) -> JSONValue? {
        switch self {
        case .literal(let v): return v
        case .regex: return nil
        case .path(let relative, let steps, let definite):
            let start = relative ? item : root
            var results: [JSONValue] = []
            JSONPathStep.collect(steps[...], from: start, root: root, into: &results)
            if definite { return results.first }
            return .array(results)
        }
    }
}

/// An `NSRegularExpression`, which is immutable and documented as safe to share between threads.
final class JSONPathRegex: @unchecked Sendable {
    let regex: NSRegularExpression
    init(_ regex: NSRegularExpression) { self.regex = regex }
    func fullMatch(_ s: String) -> Bool {
        let range = NSRange(s.startIndex..., in: s)
        guard let m = regex.firstMatch(in: s, options: [.anchored], range: range) else { return false }
        return m.range == range
    }
}

enum JSONPathFilterOperator: String, Sendable {
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    case matches = "=~", `in` = "in", nin = "nin", subsetof, anyof, noneof, size, empty, contains

    func apply(_ l: JSONValue?, _ r: JSONValue?) -> Bool {
        switch self {
        case .eq: return Self.equal(l, r)
        case .ne: return !Self.equal(l, r)
        case .lt, .le, .gt, .ge:
            guard let l, let r else { return false }
            let order: Int
            switch (l, r) {
            case (.number(let a), .number(let b)): order = a < b ? -1 : (a == b ? 0 : 1)
            case (.string(let a), .string(let b)): order = a < b ? -1 : (a == b ? 0 : 1)
            default: return false
            }
            switch self {
            case .lt: return order < 0
            case .le: return order <= 0
            case .gt: return order > 0
            default: return order >= 0
            }
        case .matches: return false
        case .in:
            guard let l, case .array(let a)? = r else { return false }
            return a.contains { Self.equal(l, $0) }
        case .nin:
            guard let l, case .array(let a)? = r else { return false }
            return !a.contains { Self.equal(l, $0) }
        case .subsetof:
            guard case .array(let a)? = l, case .array(let b)? = r else { return false }
            return a.allSatisfy { x in b.contains { Self.equal(x, $0) } }
        case .anyof:
            guard case .array(let a)? = l, case .array(let b)? = r else { return false }
            return a.contains { x in b.contains { Self.equal(x, $0) } }
        case .noneof:
            guard case .array(let a)? = l, case .array(let b)? = r else { return false }
            return !a.contains { x in b.contains { Self.equal(x, $0) } }
        case .size:
            guard case .number(let n)? = r, let size = n.int64Value else { return false }
            switch l {
            case .array(let a)?: return a.count == size
            case .string(let s)?: return s.utf16.count == size
            default: return false
            }
        case .empty:
            guard case .bool(let want)? = r else { return false }
            switch l {
            case .array(let a)?: return a.isEmpty == want
            case .string(let s)?: return s.isEmpty == want
            default: return false
            }
        case .contains:
            switch (l, r) {
            case (.array(let a)?, let v?): return a.contains { Self.equal($0, v) }
            case (.string(let s)?, .string(let t)?): return s.contains(t)
            default: return false
            }
        }
    }

    /// Jayway equality: numbers by value (a string operand that reads as a number compares
    /// numerically), everything else structurally.
    static func equal(_ l: JSONValue?, _ r: JSONValue?) -> Bool {
        guard let l, let r else { return l == nil && r == nil }
        switch (l, r) {
        case (.number(let a), .string(let s)), (.string(let s), .number(let a)):
            guard let d = Double(s) else { return false }
            return a.doubleValue == d
        default: return l == r
        }
    }
}

/// Parses a filter expression; shares position with the enclosing path parser.
struct JSONPathFilterParser {
    var parent: JSONPathParser

    var peek: Character? { parent.peek }
    mutating func skipSpaces() { parent.skipSpaces() }
    func fail(_ why: String) -> ExpressionCompileError { parent.fail(why) }

    mutating func consume(_ s: String) -> Bool {
        skipSpaces()
        let cs = Array(s)
        guard parent.pos + cs.count <= parent.chars.count, Array(parent.chars[parent.pos..<parent.pos + cs.count]) == cs else { return false }
        parent.pos += cs.count
        return true
    }

    mutating func parseOr() throws(ExpressionCompileError) -> JSONPathFilterExpression {
        var left = try parseAnd()
        while consume("||") { left = .or(left, try parseAnd()) }
        return left
    }

    mutating func parseAnd() throws(ExpressionCompileError) -> JSONPathFilterExpression {
        var left = try parseUnary()
        while consume("&&") { left = .and(left, try parseUnary()) }
        return left
    }

    mutating func parseUnary() throws(ExpressionCompileError) -> JSONPathFilterExpression {
        skipSpaces()
        if peek == "!" && !(parent.pos + 1 < parent.chars.count && parent.chars[parent.pos + 1] == "=") {
            parent.pos += 1
            try parent.enterNesting()
            defer { parent.nesting -= 1 }
            return .not(try parseUnary())
        }
        if peek == "(" {
            parent.pos += 1
            try parent.enterNesting()
            defer { parent.nesting -= 1 }
            let e = try parseOr()
            guard consume(")") else { throw fail("expected ')' in filter") }
            return e
        }
        let left = try parseOperand()
        skipSpaces()
        for op in ["==", "!=", "<=", ">=", "=~", "<", ">"] where consume(op) {
            let o = JSONPathFilterOperator(rawValue: op)!
            return .compare(left, o, try parseOperand())
        }
        for word in ["nin", "in", "subsetof", "anyof", "noneof", "size", "empty", "contains"] {
            let save = parent.pos
            if consume(word), peek == " " {
                return .compare(left, JSONPathFilterOperator(rawValue: word)!, try parseOperand())
            }
            parent.pos = save
        }
        return .exists(left)
    }

    mutating func parseOperand() throws(ExpressionCompileError) -> JSONPathFilterOperand {
        skipSpaces()
        guard let c = peek else { throw fail("unexpected end of filter") }
        if c == "@" || c == "$" {
            parent.pos += 1
            let steps = try parent.parseSteps(stopAt: [")", " ", "=", "!", "<", ">", "&", "|", ","])
            let definite = steps.allSatisfy { $0.isDefinite(isLeaf: false) }
            return .path(relative: c == "@", steps: steps, definite: definite)
        }
        if c == "'" || c == "\"" {
            parent.pos += 1
            var s = ""
            while let d = peek, d != c {
                parent.pos += 1
                if d == "\\", let n = peek { s.append(n); parent.pos += 1; continue }
                s.append(d)
            }
            guard peek == c else { throw fail("unclosed string in filter") }
            parent.pos += 1
            return .literal(.string(s))
        }
        if c == "/" {
            parent.pos += 1
            var pattern = ""
            while let d = peek, d != "/" {
                parent.pos += 1
                if d == "\\", let n = peek { pattern.append(d); pattern.append(n); parent.pos += 1; continue }
                pattern.append(d)
            }
            guard peek == "/" else { throw fail("unclosed regular expression") }
            parent.pos += 1
            var options: NSRegularExpression.Options = []
            while let f = peek, f.isLetter {
                parent.pos += 1
                switch f {
                case "i": options.insert(.caseInsensitive)
                case "m": options.insert(.anchorsMatchLines)
                case "s": options.insert(.dotMatchesLineSeparators)
                case "x": options.insert(.allowCommentsAndWhitespace)
                default: break
                }
            }
            guard let regex = try? NSRegularExpression(pattern: pattern, options: options) else {
                throw fail("invalid regular expression /\(pattern)/")
            }
            return .regex(JSONPathRegex(regex))
        }
        if c == "[" || c == "{" {
            // A JSON literal: scan to the matching bracket.
            let start = parent.pos
            var depth = 0
            var inString: Character? = nil
            while let d = peek {
                parent.pos += 1
                if let q = inString {
                    if d == "\\" { parent.pos += 1 } else if d == q { inString = nil }
                    continue
                }
                if d == "'" || d == "\"" { inString = d }
                else if d == "[" || d == "{" { depth += 1 }
                else if d == "]" || d == "}" { depth -= 1; if depth == 0 { break } }
            }
            let raw = String(parent.chars[start..<parent.pos]).replacingOccurrences(of: "'", with: "\"")
            guard let v = try? JSONParser.parse(raw) else { throw fail("invalid JSON literal \(raw)") }
            return .literal(v)
        }
        var token = ""
        while let d = peek, d != " ", d != ")", d != "&", d != "|", d != "=", d != "!", d != "<", d != ">", d != "," {
            token.append(d); parent.pos += 1
        }
        switch token {
        case "true": return .literal(.bool(true))
        case "false": return .literal(.bool(false))
        case "null": return .literal(.null)
        default:
            guard !token.isEmpty, let v = try? JSONParser.parse(token), case .number = v else {
                throw fail("unexpected '\(token)' in filter")
            }
            return .literal(v)
        }
    }
}
