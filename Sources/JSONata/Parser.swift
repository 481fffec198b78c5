// Tokenizer, Pratt parser and AST post-processing, following jsonata-js 2.0's parser.js.

/// A literal value in the AST (Sendable, unlike runtime values).
enum Literal: Sendable {
    case null, bool(Bool), number(Double), string(String)

    var value: Value {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let d): return .number(d)
        case .string(let s): return .string(s)
        }
    }
}

/// An ancestor slot of the parent operator `%`.
final class Slot: @unchecked Sendable {
    var label: String
    var level: Int
    var index: Int
    init(label: String, level: Int, index: Int) { self.label = label; self.level = level; self.index = index }
}

/// An AST node. Mutated only while compiling; immutable (hence shareable) afterwards.
final class Node: @unchecked Sendable {
    enum Kind: String {
        case path, binary, unary, name, string, number, value, wildcard, descendant, parent, condition
        case block, bind, regex, function, partial, variable, lambda, apply, transform, sort
        case `operator`, end, filter, index, placeholder
    }
    @exclusivity(unchecked) var kind: Kind
    @exclusivity(unchecked) var value: String = ""            // operator symbol, name, variable name
    @exclusivity(unchecked) var literal: Literal = .null
    @exclusivity(unchecked) var position: Int = 0
    // structure
    @exclusivity(unchecked) var lhs: Node?
    @exclusivity(unchecked) var rhs: Node?
    @exclusivity(unchecked) var expression: Node?
    @exclusivity(unchecked) var expressions: [Node] = []
    @exclusivity(unchecked) var steps: [Node] = []
    @exclusivity(unchecked) var pairs: [(Node, Node)] = []      // object constructor / group-by
    @exclusivity(unchecked) var groupPairs: [(Node, Node)]?     // group-by on a step/path
    @exclusivity(unchecked) var groupPosition = 0
    @exclusivity(unchecked) var terms: [(descending: Bool, expression: Node)] = []
    @exclusivity(unchecked) var condition: Node?
    @exclusivity(unchecked) var then: Node?
    @exclusivity(unchecked) var elseNode: Node?
    @exclusivity(unchecked) var procedure: Node?
    @exclusivity(unchecked) var arguments: [Node] = []
    @exclusivity(unchecked) var body: Node?
    @exclusivity(unchecked) var signature: Signature?
    @exclusivity(unchecked) var pattern: Node?
    @exclusivity(unchecked) var update: Node?
    @exclusivity(unchecked) var delete: Node?
    @exclusivity(unchecked) var regex: RegexProgram?
    // flags and annotations
    @exclusivity(unchecked) var predicate: [Node]?              // filters on a non-path expression
    @exclusivity(unchecked) var stages: [Node]?                 // filter/index stages on a step
    @exclusivity(unchecked) var keepArray = false
    @exclusivity(unchecked) var keepSingletonArray = false
    @exclusivity(unchecked) var consarray = false
    @exclusivity(unchecked) var tuple = false
    @exclusivity(unchecked) var thunk = false
    @exclusivity(unchecked) var focus: String?
    @exclusivity(unchecked) var indexVar: String?
    @exclusivity(unchecked) var ancestor: Slot?
    @exclusivity(unchecked) var slot: Slot?
    @exclusivity(unchecked) var seekingParent: [Slot]?
    @exclusivity(unchecked) var nextFunction: String?
    /// For variables: the library function of that name (used unless a binding shadows it).
    @exclusivity(unchecked) var builtin: Value?

    init(_ kind: Kind, _ value: String = "", position: Int = 0) {
        self.kind = kind
        self.value = value
        self.position = position
    }

    /// Visits this node and all nodes below it (pre-order, iteratively).
    func walk(_ visit: (Node) -> Void) {
        var pending: [Node] = [self]
        while let n = pending.popLast() {
            visit(n)
            var children: [Node] = []
            for c in [n.lhs, n.rhs, n.expression, n.condition, n.then, n.elseNode, n.procedure, n.body, n.pattern, n.update, n.delete] {
                if let c { children.append(c) }
            }
            children.append(contentsOf: n.expressions)
            children.append(contentsOf: n.steps)
            children.append(contentsOf: n.arguments)
            for (k, v) in n.pairs { children.append(k); children.append(v) }
            for (k, v) in n.groupPairs ?? [] { children.append(k); children.append(v) }
            for t in n.terms { children.append(t.expression) }
            children.append(contentsOf: n.predicate ?? [])
            children.append(contentsOf: n.stages ?? [])
            pending.append(contentsOf: children.reversed())
        }
    }

    /// Releases deep trees iteratively (a recursive release of `1 + 1 + … + 1` would overflow the stack).
    deinit {
        var pending = detachChildren()
        while var n = pending.popLast() {
            if isKnownUniquelyReferenced(&n) { pending.append(contentsOf: n.detachChildren()) }
        }
    }

    private func detachChildren() -> [Node] {
        var out: [Node] = []
        func take(_ n: Node?) { if let n { out.append(n) } }
        take(lhs); lhs = nil
        take(rhs); rhs = nil
        take(expression); expression = nil
        take(condition); condition = nil
        take(then); then = nil
        take(elseNode); elseNode = nil
        take(procedure); procedure = nil
        take(body); body = nil
        take(pattern); pattern = nil
        take(update); update = nil
        take(delete); delete = nil
        out.append(contentsOf: expressions); expressions = []
        out.append(contentsOf: steps); steps = []
        out.append(contentsOf: arguments); arguments = []
        for (k, v) in pairs { out.append(k); out.append(v) }
        pairs = []
        for (k, v) in groupPairs ?? [] { out.append(k); out.append(v) }
        groupPairs = nil
        for t in terms { out.append(t.expression) }
        terms = []
        out.append(contentsOf: predicate ?? []); predicate = nil
        out.append(contentsOf: stages ?? []); stages = nil
        return out
    }
}

// MARK: - Tokenizer

private let operatorBP: [String: Int] = [
    ".": 75, "[": 80, "]": 0, "{": 70, "}": 0, "(": 80, ")": 0, ",": 0, "@": 80, "#": 80, ";": 80,
    ":": 80, "?": 20, "+": 50, "-": 50, "*": 60, "/": 60, "%": 60, "|": 20, "=": 40, "<": 40,
    ">": 40, "^": 40, "**": 60, "..": 20, ":=": 10, "!=": 40, "<=": 40, ">=": 40, "~>": 40,
    "and": 30, "or": 25, "in": 40, "&": 50, "!": 0, "~": 0,
]
private let singleCharOperators: Set<Unicode.Scalar> = [
    ".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?", "+", "-", "*", "/", "%", "|",
    "=", "<", ">", "^", "&", "!", "~",
]

struct Token {
    enum Kind { case name, variable, `operator`, string, number, value, regex, end }
    var kind: Kind
    var value: String
    var literal: Literal = .null
    var regex: RegexProgram?
    var position: Int
}

struct Tokenizer {
    let src: [Unicode.Scalar]
    var pos = 0

    init(_ source: String) { src = Array(source.unicodeScalars) }

    func char(_ i: Int) -> Unicode.Scalar? { i < src.count && i >= 0 ? src[i] : nil }

    func text(_ a: Int, _ b: Int) -> String {
        var s = ""
        s.unicodeScalars.append(contentsOf: src[a..<b])
        return s
    }

    static func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0B}" }

    mutating func next(infix: Bool) throws(RawError) -> Token? {
        while let c = char(pos), Self.isSpace(c) { pos += 1 }
        guard let c = char(pos) else { return nil }
        if c == "/" && char(pos + 1) == "*" {
            let start = pos
            pos += 2
            while !(char(pos) == "*" && char(pos + 1) == "/") {
                pos += 1
                if pos >= src.count { throw RawError("S0106", position: start) }
            }
            pos += 2
            return try next(infix: infix)
        }
        if !infix && c == "/" {
            pos += 1
            return try scanRegex()
        }
        let two: String? = char(pos + 1).map { String(Character(c)) + String(Character($0)) }
        if let two, ["..", ":=", "!=", ">=", "<=", "**", "~>"].contains(two) {
            pos += 2
            return Token(kind: .operator, value: two, position: pos)
        }
        if singleCharOperators.contains(c) {
            pos += 1
            return Token(kind: .operator, value: String(Character(c)), position: pos)
        }
        if c == "\"" || c == "'" {
            pos += 1
            var s = String.UnicodeScalarView()
            while let ch = char(pos) {
                if ch == "\\" {
                    pos += 1
                    guard let e = char(pos) else { break }
                    switch e {
                    case "\"": s.append("\"")
                    case "\\": s.append("\\")
                    case "/": s.append("/")
                    case "b": s.append("\u{08}")
                    case "f": s.append("\u{0C}")
                    case "n": s.append("\n")
                    case "r": s.append("\r")
                    case "t": s.append("\t")
                    case "u":
                        let hex = pos + 4 < src.count ? text(pos + 1, pos + 5) : ""
                        guard hex.count == 4, let code = UInt32(hex, radix: 16) else {
                            throw RawError("S0104", position: pos)
                        }
                        pos += 4
                        if code >= 0xD800 && code < 0xDC00, char(pos + 1) == "\\", char(pos + 2) == "u",
                           pos + 6 < src.count, let low = UInt32(text(pos + 3, pos + 7), radix: 16),
                           low >= 0xDC00 && low < 0xE000 {
                            let combined = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                            s.append(Unicode.Scalar(combined)!)
                            pos += 6
                        } else if let scalar = Unicode.Scalar(code) {
                            s.append(scalar)
                        } else {
                            s.append("\u{FFFD}")
                        }
                    default:
                        throw RawError("S0103", position: pos, token: String(Character(e)))
                    }
                } else if ch == c {
                    pos += 1
                    return Token(kind: .string, value: String(s), literal: .string(String(s)), position: pos)
                } else {
                    s.append(ch)
                }
                pos += 1
            }
            throw RawError("S0101", position: pos)
        }
        if c.properties.numericType != nil, ("0"..."9").contains(c) {
            let start = pos
            var i = pos
            if char(i) == "0" { i += 1 } else { while let d = char(i), ("0"..."9").contains(d) { i += 1 } }
            if char(i) == ".", let d = char(i + 1), ("0"..."9").contains(d) {
                i += 1
                while let d = char(i), ("0"..."9").contains(d) { i += 1 }
            }
            if let e = char(i), e == "e" || e == "E" {
                var j = i + 1
                if let s = char(j), s == "+" || s == "-" { j += 1 }
                if let d = char(j), ("0"..."9").contains(d) {
                    while let d = char(j), ("0"..."9").contains(d) { j += 1 }
                    i = j
                }
            }
            let t = text(start, i)
            guard let d = Double(t), d.isFinite else { throw RawError("S0102", position: pos, token: t) }
            pos = i
            return Token(kind: .number, value: t, literal: .number(d), position: pos)
        }
        if c == "`" {
            pos += 1
            var i = pos
            while i < src.count && src[i] != "`" { i += 1 }
            if i < src.count {
                let name = text(pos, i)
                pos = i + 1
                return Token(kind: .name, value: name, position: pos)
            }
            pos = src.count
            throw RawError("S0105", position: pos)
        }
        var i = pos
        while i < src.count && !Self.isSpace(src[i]) && !singleCharOperators.contains(src[i]) { i += 1 }
        if c == "$" {
            let name = text(pos + 1, i)
            pos = i
            return Token(kind: .variable, value: name, position: pos)
        }
        let name = text(pos, i)
        pos = i
        switch name {
        case "or", "in", "and": return Token(kind: .operator, value: name, position: pos)
        case "true": return Token(kind: .value, value: name, literal: .bool(true), position: pos)
        case "false": return Token(kind: .value, value: name, literal: .bool(false), position: pos)
        case "null": return Token(kind: .value, value: name, literal: .null, position: pos)
        default:
            if pos == src.count && name.isEmpty { return nil }
            return Token(kind: .name, value: name, position: pos)
        }
    }

    mutating func scanRegex() throws(RawError) -> Token {
        let start = pos
        var depth = 0
        func isClosingSlash(_ p: Int) -> Bool {
            if src[p] == "/" && depth == 0 {
                var backslashes = 0
                while p - (backslashes + 1) >= 0 && src[p - (backslashes + 1)] == "\\" { backslashes += 1 }
                return backslashes % 2 == 0
            }
            return false
        }
        while pos < src.count {
            let c = src[pos]
            if isClosingSlash(pos) {
                let pattern = text(start, pos)
                if pattern.isEmpty { throw RawError("S0301", position: pos) }
                pos += 1
                let flagStart = pos
                while let f = char(pos), f == "i" || f == "m" { pos += 1 }
                let flags = text(flagStart, pos)
                let program: RegexProgram
                do {
                    program = try RegexProgram(pattern: pattern, caseInsensitive: flags.contains("i"), multiline: flags.contains("m"))
                } catch {
                    throw RawError("S0302", position: start)
                }
                return Token(kind: .regex, value: pattern, regex: program, position: pos)
            }
            let prevEscaped = pos > 0 && src[pos - 1] == "\\"
            if (c == "(" || c == "[" || c == "{") && !prevEscaped { depth += 1 }
            if (c == ")" || c == "]" || c == "}") && !prevEscaped { depth -= 1 }
            pos += 1
        }
        throw RawError("S0302", position: pos)
    }
}

// MARK: - Parser

struct Parser {
    var lexer: Tokenizer
    var node: Node
    var tokenKind: Token.Kind = .end
    var lastKind: Token.Kind = .end
    var lastValue = ""
    let sourceLength: Int
    // ancestry bookkeeping (parent operator)
    var ancestorLabel = 0
    var ancestorIndex = 0
    var ancestry: [Node] = []
    let stackLimit = StackGuard.limit()

    init(_ source: String) {
        lexer = Tokenizer(source)
        sourceLength = lexer.src.count
        node = Node(.end)
    }

    static func parse(_ source: String) throws(RawError) -> Node {
        var p = Parser(source)
        try p.advance()
        let expr = try p.expression(0)
        if p.node.kind != .end {
            throw RawError("S0201", position: p.node.position, token: p.node.value)
        }
        let result = try p.processAST(expr)
        if result.kind == .parent || result.seekingParent != nil {
            throw RawError("S0217", position: result.position, token: result.kind.rawValue)
        }
        return result
    }

    /// The id of the current node as the Pratt parser sees it.
    var id: String {
        switch node.kind {
        case .operator: return node.value
        case .end: return "(end)"
        case .name, .variable: return "(name)"
        case .regex: return "(regex)"
        default: return "(literal)"
        }
    }

    var lbp: Int {
        if node.kind == .operator {
            switch node.value {
            case ":", ";", ",", ")", "]", "}", "..", "|", "**": return 0
            default: return operatorBP[node.value] ?? 0
            }
        }
        return 0
    }

    @discardableResult
    mutating func advance(_ expected: String? = nil, infix: Bool = false) throws(RawError) -> Node {
        if let expected, id != expected {
            var e = RawError(id == "(end)" ? "S0203" : "S0202", position: node.position, token: node.value, value: .string(expected))
            if id == "(end)" { e.token = nil }
            throw e
        }
        // Regex literals are only recognised where an operand is expected.
        let afterOperand: Bool
        switch node.kind {
        case .name, .variable, .string, .number, .value, .regex: afterOperand = true
        case .operator: afterOperand = node.value == ")" || node.value == "]" || node.value == "}"
        default: afterOperand = false
        }
        let current = node
        _ = current
        guard let token = try lexer.next(infix: infix || afterOperand) else {
            node = Node(.end, "(end)", position: sourceLength)
            return node
        }
        let n: Node
        switch token.kind {
        case .name: n = Node(.name, token.value, position: token.position)
        case .variable: n = Node(.variable, token.value, position: token.position)
        case .operator:
            guard operatorBP[token.value] != nil, token.value != "!", token.value != "~" else {
                throw RawError("S0204", position: token.position, token: token.value)
            }
            n = Node(.operator, token.value, position: token.position)
        case .string:
            n = Node(.string, token.value, position: token.position); n.literal = token.literal
        case .number:
            n = Node(.number, token.value, position: token.position); n.literal = token.literal
        case .value:
            n = Node(.value, token.value, position: token.position); n.literal = token.literal
        case .regex:
            n = Node(.regex, token.value, position: token.position); n.regex = token.regex
        case .end:
            n = Node(.end, "(end)", position: sourceLength)
        }
        node = n
        return n
    }

    mutating func expression(_ rbp: Int) throws(RawError) -> Node {
        if StackGuard.current() < stackLimit { throw RawError("U1001", position: node.position) }
        var t = node
        try advance(infix: true)
        var left = try nud(t)
        while rbp < lbp {
            t = node
            try advance()
            left = try led(t, left)
        }
        return left
    }

    mutating func nud(_ t: Node) throws(RawError) -> Node {
        switch t.kind {
        case .name, .variable, .string, .number, .value, .regex, .end: return t
        case .operator: break
        default: return t
        }
        switch t.value {
        case "and", "or", "in": return t
        case "-":
            t.kind = .unary
            t.expression = try expression(70)
            return t
        case "*": t.kind = .wildcard; return t
        case "**": t.kind = .descendant; return t
        case "%": t.kind = .parent; return t
        case "(":
            var exprs: [Node] = []
            while id != ")" {
                exprs.append(try expression(0))
                if id != ";" { break }
                try advance(";")
            }
            try advance(")", infix: true)
            t.kind = .block
            t.expressions = exprs
            return t
        case "[":
            var items: [Node] = []
            if id != "]" {
                while true {
                    var item = try expression(0)
                    if id == ".." {
                        let range = Node(.binary, "..", position: node.position)
                        range.lhs = item
                        try advance("..")
                        range.rhs = try expression(0)
                        item = range
                    }
                    items.append(item)
                    if id != "," { break }
                    try advance(",")
                }
            }
            try advance("]", infix: true)
            t.kind = .unary
            t.expressions = items
            return t
        case "{":
            t.pairs = try objectPairs()
            t.kind = .unary
            return t
        case "|":
            t.kind = .transform
            t.pattern = try expression(0)
            try advance("|")
            t.update = try expression(0)
            if id == "," {
                try advance(",")
                t.delete = try expression(0)
            }
            try advance("|")
            return t
        default:
            throw RawError("S0211", position: t.position, token: t.value)
        }
    }

    mutating func objectPairs() throws(RawError) -> [(Node, Node)] {
        var pairs: [(Node, Node)] = []
        if id != "}" {
            while true {
                let k = try expression(0)
                try advance(":")
                let v = try expression(0)
                pairs.append((k, v))
                if id != "," { break }
                try advance(",")
            }
        }
        try advance("}", infix: true)
        return pairs
    }

    mutating func led(_ t: Node, _ left: Node) throws(RawError) -> Node {
        let op = t.value
        switch op {
        case "(":
            t.procedure = left
            t.kind = .function
            if id != ")" {
                while true {
                    if node.kind == .operator && node.value == "?" {
                        t.kind = .partial
                        let ph = node
                        try advance("?")
                        ph.kind = .placeholder
                        t.arguments.append(ph)
                    } else {
                        t.arguments.append(try expression(0))
                    }
                    if id != "," { break }
                    try advance(",")
                }
            }
            try advance(")", infix: true)
            if left.kind == .name && (left.value == "function" || left.value == "\u{03BB}") {
                for (i, arg) in t.arguments.enumerated() where arg.kind != .variable {
                    throw RawError("S0208", position: arg.position, token: arg.value, value: .number(Double(i + 1)))
                }
                t.kind = .lambda
                if node.kind == .operator && node.value == "<" {
                    let sigPos = node.position
                    var depth = 1
                    var sig = "<"
                    while depth > 0 && id != "{" && id != "(end)" {
                        let tok = try advance()
                        if tok.kind == .operator && tok.value == ">" { depth -= 1 } else if tok.kind == .operator && tok.value == "<" { depth += 1 }
                        sig += tok.value
                    }
                    try advance(">")
                    do {
                        t.signature = try Signature(sig)
                    } catch var e {
                        e.position = sigPos
                        throw e
                    }
                }
                try advance("{")
                t.body = try expression(0)
                try advance("}")
            }
            return t
        case "[":
            if id == "]" {
                var step = left
                while step.kind == .binary && step.value == "[" { step = step.lhs! }
                step.keepArray = true
                try advance("]", infix: true)
                return left
            }
            t.lhs = left
            t.rhs = try expression(operatorBP["]"]!)
            t.kind = .binary
            try advance("]", infix: true)
            return t
        case "^":
            try advance("(")
            var terms: [(Bool, Node)] = []
            while true {
                var descending = false
                if node.kind == .operator && node.value == "<" { try advance("<") } else if node.kind == .operator && node.value == ">" {
                    descending = true
                    try advance(">")
                }
                terms.append((descending, try expression(0)))
                if id != "," { break }
                try advance(",")
            }
            try advance(")", infix: true)
            t.lhs = left
            t.terms = terms.map { (descending: $0.0, expression: $0.1) }
            t.kind = .binary
            return t
        case "{":
            t.lhs = left
            t.pairs = try objectPairs()
            t.kind = .binary
            return t
        case ":=":
            if left.kind != .variable { throw RawError("S0212", position: left.position, token: left.value) }
            t.lhs = left
            t.rhs = try expression(operatorBP[":="]! - 1)
            t.kind = .binary
            return t
        case "@", "#":
            t.lhs = left
            t.rhs = try expression(operatorBP[op]!)
            if t.rhs!.kind != .variable { throw RawError("S0214", position: t.rhs!.position, token: op) }
            t.kind = .binary
            return t
        case "?":
            t.kind = .condition
            t.condition = left
            t.then = try expression(0)
            if id == ":" {
                try advance(":")
                t.elseNode = try expression(0)
            }
            return t
        case ".", "+", "-", "*", "/", "%", "=", "<", ">", "!=", "<=", ">=", "&", "and", "or", "in", "~>", "..":
            t.lhs = left
            t.rhs = try expression(operatorBP[op]!)
            t.kind = .binary
            return t
        default:
            throw RawError("S0201", position: t.position, token: op)
        }
    }

    // MARK: AST post-processing (jsonata-js processAST)

    mutating func processAST(_ expr: Node) throws(RawError) -> Node {
        if StackGuard.current() < stackLimit { throw RawError("U1001", position: expr.position) }
        var result: Node
        switch expr.kind {
        case .binary:
            switch expr.value {
            case ".":
                let lstep = try processAST(expr.lhs!)
                if lstep.kind == .path {
                    result = lstep
                } else {
                    result = Node(.path, position: lstep.position)
                    result.steps = [lstep]
                }
                if lstep.kind == .parent { result.seekingParent = [lstep.slot!] }
                let rest = try processAST(expr.rhs!)
                if rest.kind == .function, let p = rest.procedure, p.kind == .path, p.steps.count == 1,
                   p.steps[0].kind == .name, result.steps.last!.kind == .function {
                    result.steps.last!.nextFunction = p.steps[0].value
                }
                if rest.kind == .path {
                    result.steps.append(contentsOf: rest.steps)
                } else {
                    if let pred = rest.predicate {
                        rest.stages = pred
                        rest.predicate = nil
                    }
                    result.steps.append(rest)
                }
                for step in result.steps {
                    if step.kind == .number || step.kind == .value {
                        throw RawError("S0213", position: step.position, value: step.literal.value)
                    }
                    if step.kind == .string { step.kind = .name }
                }
                if result.steps.contains(where: { $0.keepArray }) { result.keepSingletonArray = true }
                let first = result.steps[0]
                if first.kind == .unary && first.value == "[" { first.consarray = true }
                let last = result.steps[result.steps.count - 1]
                if last.kind == .unary && last.value == "[" { last.consarray = true }
                try resolveAncestry(result)
            case "[":
                result = try processAST(expr.lhs!)
                var step = result
                var isStages = false
                if result.kind == .path {
                    step = result.steps[result.steps.count - 1]
                    isStages = true
                }
                if step.groupPairs != nil { throw RawError("S0209", position: expr.position) }
                let predicate = try processAST(expr.rhs!)
                if let seeking = predicate.seekingParent {
                    for slot in seeking {
                        if slot.level == 1 { _ = try seekParent(step, slot) } else { slot.level -= 1 }
                    }
                    pushAncestry(step, predicate)
                }
                let filter = Node(.filter, position: expr.position)
                filter.expression = predicate
                if isStages {
                    step.stages = (step.stages ?? []) + [filter]
                } else {
                    step.predicate = (step.predicate ?? []) + [filter]
                }
            case "{":
                result = try processAST(expr.lhs!)
                if result.groupPairs != nil { throw RawError("S0210", position: expr.position) }
                var pairs: [(Node, Node)] = []
                for (k, v) in expr.pairs { pairs.append((try processAST(k), try processAST(v))) }
                result.groupPairs = pairs
                result.groupPosition = expr.position
            case "^":
                result = try processAST(expr.lhs!)
                if result.kind != .path {
                    let p = Node(.path, position: result.position)
                    p.steps = [result]
                    result = p
                }
                let sortStep = Node(.sort, position: expr.position)
                var terms: [(descending: Bool, expression: Node)] = []
                for term in expr.terms {
                    let e = try processAST(term.expression)
                    pushAncestry(sortStep, e)
                    terms.append((term.descending, e))
                }
                sortStep.terms = terms
                result.steps.append(sortStep)
                try resolveAncestry(result)
            case ":=":
                result = Node(.bind, expr.value, position: expr.position)
                result.lhs = try processAST(expr.lhs!)
                result.rhs = try processAST(expr.rhs!)
                pushAncestry(result, result.rhs!)
            case "@":
                result = try processAST(expr.lhs!)
                var step = result
                if result.kind == .path { step = result.steps[result.steps.count - 1] }
                if step.stages != nil || step.predicate != nil { throw RawError("S0215", position: expr.position) }
                if step.kind == .sort { throw RawError("S0216", position: expr.position) }
                if expr.keepArray { step.keepArray = true }
                step.focus = expr.rhs!.value
                step.tuple = true
            case "#":
                result = try processAST(expr.lhs!)
                var step = result
                if result.kind == .path {
                    step = result.steps[result.steps.count - 1]
                } else {
                    let p = Node(.path, position: result.position)
                    p.steps = [result]
                    result = p
                    if let pred = step.predicate {
                        step.stages = pred
                        step.predicate = nil
                    }
                }
                if step.stages == nil {
                    step.indexVar = expr.rhs!.value
                } else {
                    let ix = Node(.index, expr.rhs!.value, position: expr.position)
                    step.stages!.append(ix)
                }
                step.tuple = true
            case "~>":
                result = Node(.apply, expr.value, position: expr.position)
                result.lhs = try processAST(expr.lhs!)
                result.rhs = try processAST(expr.rhs!)
                result.keepArray = result.lhs!.keepArray || result.rhs!.keepArray
            default:
                result = Node(.binary, expr.value, position: expr.position)
                result.lhs = try processAST(expr.lhs!)
                result.rhs = try processAST(expr.rhs!)
                pushAncestry(result, result.lhs!)
                pushAncestry(result, result.rhs!)
            }
        case .unary:
            result = Node(.unary, expr.value, position: expr.position)
            if expr.value == "[" {
                var items: [Node] = []
                for item in expr.expressions {
                    let v = try processAST(item)
                    pushAncestry(result, v)
                    items.append(v)
                }
                result.expressions = items
            } else if expr.value == "{" {
                var pairs: [(Node, Node)] = []
                for (k, v) in expr.pairs {
                    let key = try processAST(k)
                    pushAncestry(result, key)
                    let value = try processAST(v)
                    pushAncestry(result, value)
                    pairs.append((key, value))
                }
                result.pairs = pairs
            } else {
                let e = try processAST(expr.expression!)
                if expr.value == "-" && e.kind == .number, case .number(let d) = e.literal {
                    result = e
                    result.literal = .number(-d)
                } else {
                    result.expression = e
                    pushAncestry(result, e)
                }
            }
        case .function, .partial:
            result = Node(expr.kind, expr.value, position: expr.position)
            var args: [Node] = []
            for arg in expr.arguments {
                let a = try processAST(arg)
                pushAncestry(result, a)
                args.append(a)
            }
            result.arguments = args
            result.procedure = try processAST(expr.procedure!)
        case .lambda:
            result = Node(.lambda, position: expr.position)
            result.arguments = expr.arguments
            result.signature = expr.signature
            let body = try processAST(expr.body!)
            result.body = tailCallOptimize(body)
        case .condition:
            result = Node(.condition, position: expr.position)
            result.condition = try processAST(expr.condition!)
            pushAncestry(result, result.condition!)
            result.then = try processAST(expr.then!)
            pushAncestry(result, result.then!)
            if let e = expr.elseNode {
                result.elseNode = try processAST(e)
                pushAncestry(result, result.elseNode!)
            }
        case .transform:
            result = Node(.transform, position: expr.position)
            result.pattern = try processAST(expr.pattern!)
            result.update = try processAST(expr.update!)
            if let d = expr.delete { result.delete = try processAST(d) }
        case .block:
            result = Node(.block, position: expr.position)
            var items: [Node] = []
            for item in expr.expressions {
                let part = try processAST(item)
                pushAncestry(result, part)
                if part.consarray || (part.kind == .path && part.steps[0].consarray) { result.consarray = true }
                items.append(part)
            }
            result.expressions = items
        case .name:
            result = Node(.path, position: expr.position)
            result.steps = [expr]
            if expr.keepArray { result.keepSingletonArray = true }
        case .parent:
            result = Node(.parent, position: expr.position)
            result.slot = Slot(label: "!\(ancestorLabel)", level: 1, index: ancestorIndex)
            ancestorLabel += 1
            ancestorIndex += 1
            ancestry.append(result)
        case .variable:
            expr.builtin = builtinFunctions[expr.value]
            result = expr
        case .string, .number, .value, .wildcard, .descendant, .regex:
            result = expr
        case .operator:
            if expr.value == "and" || expr.value == "or" || expr.value == "in" {
                expr.kind = .name
                result = try processAST(expr)
            } else {
                throw RawError("S0201", position: expr.position, token: expr.value)
            }
        case .placeholder:
            result = expr
        case .end:
            throw RawError("S0207", position: expr.position, token: nil)
        default:
            throw RawError("S0206", position: expr.position, token: expr.value)
        }
        if expr.keepArray { result.keepArray = true }
        return result
    }

    func tailCallOptimize(_ expr: Node) -> Node {
        if expr.kind == .function && expr.predicate == nil {
            let thunk = Node(.lambda, position: expr.position)
            thunk.thunk = true
            thunk.body = expr
            return thunk
        } else if expr.kind == .condition {
            expr.then = tailCallOptimize(expr.then!)
            if let e = expr.elseNode { expr.elseNode = tailCallOptimize(e) }
            return expr
        } else if expr.kind == .block {
            if let last = expr.expressions.last {
                expr.expressions[expr.expressions.count - 1] = tailCallOptimize(last)
            }
            return expr
        }
        return expr
    }

    mutating func seekParent(_ node: Node, _ slotIn: Slot) throws(RawError) -> Slot {
        var slot = slotIn
        switch node.kind {
        case .name, .wildcard:
            slot.level -= 1
            if slot.level == 0 {
                if let existing = node.ancestor {
                    ancestry[slot.index].slot!.label = existing.label
                    node.ancestor = slot
                } else {
                    node.ancestor = slot
                }
                node.tuple = true
            }
        case .parent:
            slot.level += 1
        case .block:
            if let last = node.expressions.last {
                node.tuple = true
                slot = try seekParent(last, slot)
            }
        case .path:
            node.tuple = true
            var index = node.steps.count - 1
            slot = try seekParent(node.steps[index], slot)
            index -= 1
            while slot.level > 0 && index >= 0 {
                slot = try seekParent(node.steps[index], slot)
                index -= 1
            }
        default:
            throw RawError("S0217", position: node.position, token: node.kind.rawValue)
        }
        return slot
    }

    func pushAncestry(_ result: Node, _ value: Node) {
        if value.seekingParent != nil || value.kind == .parent {
            var slots = value.seekingParent ?? []
            if value.kind == .parent { slots.append(value.slot!) }
            if result.seekingParent == nil { result.seekingParent = slots } else { result.seekingParent!.append(contentsOf: slots) }
        }
    }

    mutating func resolveAncestry(_ path: Node) throws(RawError) {
        var index = path.steps.count - 1
        let laststep = path.steps[index]
        var slots = laststep.seekingParent ?? []
        if laststep.kind == .parent { slots.append(laststep.slot!) }
        for var slot in slots {
            index = path.steps.count - 2
            while slot.level > 0 {
                if index < 0 {
                    if path.seekingParent == nil { path.seekingParent = [slot] } else { path.seekingParent!.append(slot) }
                    break
                }
                var step = path.steps[index]
                index -= 1
                while index >= 0 && step.focus != nil && path.steps[index].focus != nil {
                    step = path.steps[index]
                    index -= 1
                }
                slot = try seekParent(step, slot)
            }
        }
    }
}
