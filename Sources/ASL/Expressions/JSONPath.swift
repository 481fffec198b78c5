import ASLJSON

/// A compiled JSONPath (`$…` over the input, `$$…` over the context object, `$name…` over a
/// workflow variable) with the semantics of the Jayway JsonPath library AWS uses:
/// definite paths (only single field/index steps) yield one value or nothing; indefinite
/// paths (wildcards, slices, filters, `..`, index lists) yield an array of every match,
/// possibly empty.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    /// What the path starts from.
    public enum Root: Sendable, Hashable {
        /// `$`: the current input.
        case input
        /// `$$`: the context object.
        case context
        /// `$name`: a workflow variable.
        case variable(String)
    }

    /// The path as written in the definition (used verbatim in AWS's error texts).
    public let text: String
    public let root: Root
    @usableFromInline let steps: [JSONPathStep]
    /// Whether the path identifies at most one node (Jayway's "definite").
    public let isDefinite: Bool

    /// Parses `text`; throws a diagnostic message when it is not a valid path.
    public init(_ text: String) throws(ExpressionCompileError) {
        var parser = JSONPathParser(text)
        let (root, steps) = try parser.parsePath()
        self.text = text
        self.root = root
        self.steps = steps
        self.isDefinite = steps.allSatisfy { $0.isDefinite(isLeaf: false) } || Self.definiteWithMergedLeaf(steps)
    }

    private static func definiteWithMergedLeaf(_ steps: [JSONPathStep]) -> Bool {
        guard let last = steps.last, case .fields = last else { return false }
        return steps.dropLast().allSatisfy { $0.isDefinite(isLeaf: false) }
    }

    /// Whether this is a Reference Path: only single `.name` / `['name']` / `[index]` steps.
    public var isReferencePath: Bool { referencePathProblem == nil }

    /// Why this is not a Reference Path (the first step that is not a single `.name`,
    /// `['name']` or non-negative `[index]`), or `nil` when it is one.
    public var referencePathProblem: String? {
        for step in steps {
            switch step {
            case .field: continue
            case .index(let i) where i >= 0: continue
            case .scan: return "deep scan ('..') is not allowed in a reference path"
            case .wildcard: return "wildcards are not allowed in a reference path"
            case .filter: return "filters are not allowed in a reference path"
            case .fields: return "name lists are not allowed in a reference path"
            case .index, .indexes, .slice: return "only a single index is allowed in a reference path"
            }
        }
        return nil
    }

    /// A variable name's first character (`$name`, `Assign` keys; ASL-REFERENCE §9.1).
    public static func isVariableNameStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic
    }

    /// A variable name's later characters: letters, ASCII digits and `_`.
    public static func isVariableNamePart(_ c: Unicode.Scalar) -> Bool {
        isVariableNameStart(c) || (c.isASCII && c.properties.numericType != nil)
    }

    /// Whether the path selects one existing node (only `.name` / `['name']` / `[index]`
    /// steps, negative indexes included): its result is a subtree of the root.
    var isSingleNode: Bool {
        steps.allSatisfy {
            switch $0 {
            case .field, .index: return true
            default: return false
            }
        }
    }

    /// Whether the path is exactly `$` (the whole input).
    public var isWholeInput: Bool { root == .input && steps.isEmpty }

    public var description: String { text }
    public static func == (a: JSONPath, b: JSONPath) -> Bool { a.text == b.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// Jayway's normalised rendering, e.g. `$['a'][0]`, as shown in its error messages.
    public var normalized: String {
        var out = "$"
        for s in steps { s.render(into: &out) }
        return out
    }

    // MARK: - Evaluation

    /// The value the path starts from, or `nil` for an unset variable.
    @inlinable public func rootValue(_ context: ExpressionContext) -> JSONValue? {
        switch root {
        case .input: return context.input
        case .context: return context.contextObject
        case .variable(let name): return context.variable(name)
        }
    }

    /// The selected value: for a definite path the node or `nil` when it does not exist; for an
    /// indefinite path an array of all matches. `nil` also when the root variable is unset.
    @inlinable public func evaluate(_ context: ExpressionContext) -> JSONValue? {
        guard let root = rootValue(context) else { return nil }
        return evaluate(root: root)
    }

    /// Evaluates the steps against `root` (ignoring `self.root`).
    public func evaluate(root: JSONValue) -> JSONValue? {
        if isDefinite {
            var current = root
            for i in steps.indices {
                switch steps[i] {
                case .field(let name):
                    guard case .object(let o) = current, let v = o[name] else { return nil }
                    current = v
                case .index(let index):
                    guard case .array(let a) = current else { return nil }
                    let k = index < 0 ? a.count + index : index
                    guard k >= 0, k < a.count else { return nil }
                    current = a[k]
                case .fields(let names):
                    guard case .object(let o) = current else { return nil }
                    var merged = JSONObject(minimumCapacity: names.count)
                    for n in names { if let v = o[n] { merged[n] = v } }
                    return .object(merged)
                default:
                    return nil
                }
            }
            return current
        }
        var results: [JSONValue] = []
        JSONPathStep.collect(steps[...], from: root, root: root, into: &results)
        return .array(results)
    }

    /// For `InputPath`, `OutputPath`, `ItemsPath`, `*SecondsPath`…: the selected value, or
    /// `States.Runtime` worded as AWS does:
    /// `Invalid path '$.x' : No results for path: $['x']`.
    public func select(_ context: ExpressionContext) throws(StatesError) -> JSONValue {
        if let v = evaluate(context) { return v }
        throw StatesError.pathSelectsNothing(text, failureReason(context))
    }

    /// Jayway's explanation of why a definite path selected nothing (cold path).
    public func failureReason(_ context: ExpressionContext) -> String {
        guard let root = rootValue(context) else {
            return "The variable '\(variableName ?? "")' is not defined"
        }
        return failureReason(root: root)
    }

    /// The variable name when the root is a variable.
    public var variableName: String? {
        if case .variable(let n) = root { return n }
        return nil
    }

    /// Jayway's explanation of why this definite path selects nothing in `root`.
    public func failureReason(root: JSONValue) -> String {
        var current = root
        var path = "$"
        for (i, step) in steps.enumerated() {
            let isLeaf = i == steps.count - 1
            switch step {
            case .field(let name):
                let fragment = "['\(name)']"
                guard case .object(let o) = current else {
                    let found = current == .null ? "null" : Self.jaywayProvider
                    return "Expected to find an object with property \(fragment) in path \(path) but found '\(found)'. This is not a json object according to the JsonProvider: '\(Self.jaywayProvider)'."
                }
                guard let v = o[name] else {
                    return isLeaf ? "No results for path: \(normalized)" : "Missing property in path \(path)\(fragment)"
                }
                current = v
                path += fragment
            case .index(let index):
                guard case .array(let a) = current else {
                    if current == .null { return "The path \(path) is null" }
                    return "Filter: [\(index)] can only be applied to arrays. Current context is: \(JSONWriter.string(current))"
                }
                let k = index < 0 ? a.count + index : index
                guard k >= 0, k < a.count else { return "No results for path: \(normalized)" }
                current = a[k]
                path += "[\(index)]"
            default:
                return "No results for path: \(normalized)"
            }
        }
        return "No results for path: \(normalized)"
    }

    static let jaywayProvider = "com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider"
}

/// One step of a compiled path.
@usableFromInline indirect enum JSONPathStep: Sendable {
    /// `.name` / `['name']`
    case field(String)
    /// `['a','b']`: at the leaf, an object of the present fields (Jayway's merge).
    case fields([String])
    /// `[n]` (negative counts from the end).
    case index(Int)
    /// `[n,m,…]`
    case indexes([Int])
    /// `.*` / `[*]`: every array element or object value.
    case wildcard
    /// `[from:to]`
    case slice(Int?, Int?)
    /// `..step`: the step applied to the node and all its descendants, in document order.
    case scan(JSONPathStep)
    /// `[?(…)]`
    case filter(JSONPathFilter)

    func isDefinite(isLeaf: Bool) -> Bool {
        switch self {
        case .field, .index: return true
        default: return false
        }
    }

    func render(into out: inout String) {
        switch self {
        case .field(let n): out += "['\(n)']"
        case .fields(let ns): out += "[" + ns.map { "'\($0)'" }.joined(separator: ",") + "]"
        case .index(let i): out += "[\(i)]"
        case .indexes(let is_): out += "[" + is_.map(String.init).joined(separator: ",") + "]"
        case .wildcard: out += "[*]"
        case .slice(let a, let b): out += "[\(a.map(String.init) ?? ""):\(b.map(String.init) ?? "")]"
        case .scan(let s): out += ".."; s.render(into: &out)
        case .filter: out += "[?]"
        }
    }

    /// Applies `steps` to `value`, appending every match (Jayway's indefinite evaluation:
    /// missing fields and type mismatches are skipped, never errors).
    static func collect(_ steps: ArraySlice<JSONPathStep>, from value: JSONValue, root: JSONValue, into results: inout [JSONValue]) {
        guard let step = steps.first else { results.append(value); return }
        let rest = steps.dropFirst()
        switch step {
        case .field(let name):
            if case .object(let o) = value, let v = o[name] { collect(rest, from: v, root: root, into: &results) }
        case .fields(let names):
            guard case .object(let o) = value else { return }
            if rest.isEmpty {
                var merged = JSONObject(minimumCapacity: names.count)
                for n in names { if let v = o[n] { merged[n] = v } }
                results.append(.object(merged))
            } else {
                for n in names { if let v = o[n] { collect(rest, from: v, root: root, into: &results) } }
            }
        case .index(let i):
            if case .array(let a) = value {
                let k = i < 0 ? a.count + i : i
                if k >= 0, k < a.count { collect(rest, from: a[k], root: root, into: &results) }
            }
        case .indexes(let list):
            if case .array(let a) = value {
                for i in list {
                    let k = i < 0 ? a.count + i : i
                    if k >= 0, k < a.count { collect(rest, from: a[k], root: root, into: &results) }
                }
            }
        case .wildcard:
            switch value {
            case .array(let a): for v in a { collect(rest, from: v, root: root, into: &results) }
            case .object(let o): for v in o.values { collect(rest, from: v, root: root, into: &results) }
            default: break
            }
        case .slice(let from, let to):
            guard case .array(let a) = value else { return }
            let n = a.count
            var lo = from ?? 0
            var hi = to ?? n
            if lo < 0 { lo = max(0, n + lo) }
            if hi < 0 { hi = max(0, n + hi) }
            lo = min(lo, n); hi = min(hi, n)
            if lo < hi { for k in lo..<hi { collect(rest, from: a[k], root: root, into: &results) } }
        case .scan(let inner):
            scan(inner, rest: rest, value: value, root: root, into: &results)
        case .filter(let f):
            switch value {
            case .array(let a):
                for v in a where f.matches(v, root: root) { collect(rest, from: v, root: root, into: &results) }
            case .object:
                if f.matches(value, root: root) { collect(rest, from: value, root: root, into: &results) }
            default: break
            }
        }
    }

    private static func scan(_ inner: JSONPathStep, rest: ArraySlice<JSONPathStep>, value: JSONValue, root: JSONValue, into results: inout [JSONValue]) {
        switch inner {
        case .wildcard:
            // `..*`: every descendant node, in Jayway's order (a node's children, then each
            // child's descendants).
            switch value {
            case .array(let a):
                for v in a { collect(rest, from: v, root: root, into: &results) }
                for v in a { scan(inner, rest: rest, value: v, root: root, into: &results) }
            case .object(let o):
                for v in o.values { collect(rest, from: v, root: root, into: &results) }
                for v in o.values { scan(inner, rest: rest, value: v, root: root, into: &results) }
            default: break
            }
            return
        case .field, .fields:
            if case .object = value { collect([inner] + rest, from: value, root: root, into: &results) }
        default:
            if case .array = value { collect([inner] + rest, from: value, root: root, into: &results) }
            else if case .filter = inner, case .object = value { collect([inner] + rest, from: value, root: root, into: &results) }
        }
        switch value {
        case .array(let a): for v in a { scan(inner, rest: rest, value: v, root: root, into: &results) }
        case .object(let o): for v in o.values { scan(inner, rest: rest, value: v, root: root, into: &results) }
        default: break
        }
    }
}

// MARK: - Parser

struct JSONPathParser {
    let text: String
    let chars: [Character]
    var pos = 0
    /// Filters, parentheses and `!` open so far: the parser recurses on each, so a path of a
    /// million `(` is an error rather than a stack overflow.
    var nesting = 0
    static let maxNesting = 100

    mutating func enterNesting() throws(ExpressionCompileError) {
        nesting += 1
        guard nesting <= Self.maxNesting else { throw fail("filter nested more than \(Self.maxNesting) levels deep") }
    }

    init(_ text: String) {
        self.text = text
        self.chars = Array(text)
    }

    func fail(_ why: String) -> ExpressionCompileError {
        ExpressionCompileError("Invalid JSONPath '\(text)': \(why)", reason: why)
    }

    var atEnd: Bool { pos >= chars.count }
    var peek: Character? { pos < chars.count ? chars[pos] : nil }

    mutating func parsePath() throws(ExpressionCompileError) -> (JSONPath.Root, [JSONPathStep]) {
        guard peek == "$" else { throw fail("a path must start with '$'") }
        pos += 1
        var root = JSONPath.Root.input
        if peek == "$" {
            pos += 1
            root = .context
        } else if let c = peek, let first = c.unicodeScalars.first, JSONPath.isVariableNameStart(first) {
            var name = ""
            while let c = peek, c.unicodeScalars.allSatisfy(JSONPath.isVariableNamePart) { name.append(c); pos += 1 }
            root = .variable(name)
        }
        let steps = try parseSteps(stopAt: nil)
        if !atEnd { throw fail("unexpected '\(chars[pos])' at position \(pos)") }
        return (root, steps)
    }

    /// Parses steps until the end, or (inside a filter) until a character that cannot continue
    /// a path.
    mutating func parseSteps(stopAt: Set<Character>?) throws(ExpressionCompileError) -> [JSONPathStep] {
        var steps: [JSONPathStep] = []
        while let c = peek {
            if c == "." {
                pos += 1
                if peek == "." {
                    pos += 1
                    if peek == "[" {
                        pos += 1
                        steps.append(.scan(try parseBracket()))
                    } else if peek == "*" {
                        pos += 1
                        steps.append(.scan(.wildcard))
                    } else {
                        steps.append(.scan(.field(try parseDotName(stopAt: stopAt))))
                    }
                } else if peek == "*" {
                    pos += 1
                    steps.append(.wildcard)
                } else if peek == "[" {
                    // Jayway accepts `$.['a']` and `$.[0]`.
                    pos += 1
                    steps.append(try parseBracket())
                } else {
                    steps.append(.field(try parseDotName(stopAt: stopAt)))
                }
            } else if c == "[" {
                pos += 1
                steps.append(try parseBracket())
            } else {
                if stopAt != nil { break }
                throw fail("unexpected '\(c)' at position \(pos)")
            }
        }
        return steps
    }

    mutating func parseDotName(stopAt: Set<Character>?) throws(ExpressionCompileError) -> String {
        var name = ""
        while let c = peek, c != ".", c != "[" {
            if let stop = stopAt, stop.contains(c) || c == " " { break }
            if c == " " { throw fail("use bracket notation ['my prop'] if a property contains blank characters") }
            if c == "(" { throw fail("path functions are not supported") }
            if c == "]" { throw fail("unexpected ']' at position \(pos)") }
            name.append(c)
            pos += 1
        }
        if name.isEmpty { throw fail("empty property name at position \(pos)") }
        return name
    }

    mutating func skipSpaces() { while peek == " " { pos += 1 } }

    mutating func expect(_ c: Character) throws(ExpressionCompileError) {
        skipSpaces()
        guard peek == c else { throw fail("expected '\(c)' at position \(pos)") }
        pos += 1
    }

    /// After `[`: quoted names, `*`, a filter, indexes or a slice, through the closing `]`.
    mutating func parseBracket() throws(ExpressionCompileError) -> JSONPathStep {
        skipSpaces()
        guard let c = peek else { throw fail("unclosed '['") }
        if c == "'" || c == "\"" {
            var names: [String] = []
            while true {
                skipSpaces()
                guard let q = peek, q == "'" || q == "\"" else { throw fail("expected a quoted name at position \(pos)") }
                pos += 1
                var name = ""
                var closed = false
                while let d = peek {
                    pos += 1
                    if d == "\\", let next = peek {
                        // Jayway skips an escaped character when looking for the closing quote
                        // but keeps the text as written (AWS: `$['Test\"Name']` reads key `Test\"Name`).
                        name.append(d); name.append(next); pos += 1
                        continue
                    }
                    if d == q { closed = true; break }
                    name.append(d)
                }
                if !closed { throw fail("unclosed quote") }
                names.append(name)
                skipSpaces()
                if peek == "," { pos += 1; continue }
                try expect("]")
                break
            }
            return names.count == 1 ? .field(names[0]) : .fields(names)
        }
        if c == "*" {
            pos += 1
            try expect("]")
            return .wildcard
        }
        if c == "?" {
            pos += 1
            try expect("(")
            try enterNesting()
            var fp = JSONPathFilterParser(parent: self)
            let expr = try fp.parseOr()
            self.pos = fp.parent.pos
            nesting -= 1
            try expect(")")
            try expect("]")
            return .filter(JSONPathFilter(expr))
        }
        // Indexes or slice.
        var numbers: [Int?] = []
        var isSlice = false
        var current = ""
        func flush() throws(ExpressionCompileError) -> Int? {
            let t = current.trimmingCharacters(in: " ")
            current = ""
            if t.isEmpty { return nil }
            guard let n = Int(t) else { throw fail("invalid array index '\(t)'") }
            return n
        }
        while let d = peek, d != "]" {
            pos += 1
            if d == ":" { isSlice = true; numbers.append(try flush()) }
            else if d == "," { numbers.append(try flush()) }
            else { current.append(d) }
        }
        guard peek == "]" else { throw fail("unclosed '['") }
        pos += 1
        numbers.append(try flush())
        if isSlice {
            guard numbers.count == 2 else { throw fail("invalid slice") }
            return .slice(numbers[0], numbers[1])
        }
        let ints = numbers.compactMap { $0 }
        guard ints.count == numbers.count, !ints.isEmpty else { throw fail("invalid array index") }
        return ints.count == 1 ? .index(ints[0]) : .indexes(ints)
    }
}

extension String {
    fileprivate func trimmingCharacters(in c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s.removeFirst() }
        while s.last == c { s.removeLast() }
        return String(s)
    }
}
