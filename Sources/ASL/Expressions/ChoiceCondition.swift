import ASLJSON

/// A compiled JSONPath-mode Choice rule (§5): one element of `Choices` (its `Next`, `Comment`
/// and `Assign` are left to the caller), or a nested rule inside `And` / `Or` / `Not`.
///
/// Semantics: a type mismatch makes a comparison false; a `Variable` (or `*Path` operand) that
/// does not exist fails with `States.Runtime` — except under `IsPresent`, which tests exactly that.
public struct ChoiceCondition: Sendable {
    indirect enum Node: Sendable {
        case and([Node])
        case or([Node])
        case not(Node)
        case test(variable: JSONPath, ChoiceTest)
    }

    let node: Node

    /// The data-test operator names (each also has a `…Path` form except `StringMatches` and `Is*`).
    public static let comparisonOperators: [String] = {
        var ops: [String] = []
        for family in ["String", "Numeric", "Timestamp"] {
            for relation in ["Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"] {
                ops.append(family + relation)
                ops.append(family + relation + "Path")
            }
        }
        ops += ["BooleanEquals", "BooleanEqualsPath", "StringMatches",
                "IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"]
        return ops
    }()

    /// Compiles a rule object.
    public init(_ rule: JSONValue) throws(ExpressionCompileError) {
        node = try Self.compile(rule)
    }

    /// Evaluates the rule. Paths read the context's input (`$`), context object (`$$`) or variables.
    public func evaluate(_ context: ExpressionContext) throws(StatesError) -> Bool {
        try Self.evaluate(node, context)
    }

    static func evaluate(_ node: Node, _ context: ExpressionContext) throws(StatesError) -> Bool {
        switch node {
        case .and(let nodes):
            for n in nodes where !(try evaluate(n, context)) { return false }
            return true
        case .or(let nodes):
            for n in nodes where try evaluate(n, context) { return true }
            return false
        case .not(let n):
            return !(try evaluate(n, context))
        case .test(let variable, let test):
            let value = variable.evaluate(context)
            if case .isPresent(let expected) = test { return (value != nil) == expected }
            guard let value else { throw invalidPath(variable) }
            return try test.evaluate(value, context)
        }
    }

    /// AWS: `Invalid path '$.x': The choice state's condition path references an invalid value.`
    static func invalidPath(_ path: JSONPath) -> StatesError {
        StatesError.runtime("Invalid path '\(path.text)': The choice state's condition path references an invalid value.")
    }

    // MARK: Compilation

    static func compile(_ rule: JSONValue) throws(ExpressionCompileError) -> Node {
        guard case .object(let object) = rule else { throw ExpressionCompileError("A Choice rule must be an object") }
        if let and = object["And"] { return .and(try compileList(and, "And")) }
        if let or = object["Or"] { return .or(try compileList(or, "Or")) }
        if let not = object["Not"] {
            guard case .object = not else { throw ExpressionCompileError("The value of 'Not' must be a Choice rule object") }
            return .not(try compile(not))
        }
        guard let variableValue = object["Variable"] else {
            throw ExpressionCompileError("A Choice rule must have a 'Variable' field or one of 'And', 'Or', 'Not'")
        }
        guard case .string(let variableText) = variableValue else { throw ExpressionCompileError("The field 'Variable' must be a string") }
        let variable: JSONPath
        do { variable = try JSONPath(variableText) } catch {
            throw ExpressionCompileError("The value for the field 'Variable' must be a valid JSONPath: \(variableText)")
        }
        let operators = object.keys.filter { comparisonOperators.contains($0) }
        guard operators.count == 1, let name = operators.first, let operand = object[name] else {
            throw ExpressionCompileError(operators.isEmpty
                ? "A Choice rule with 'Variable' must have a comparison operator"
                : "A Choice rule must have exactly one comparison operator, found: \(operators.joined(separator: ", "))")
        }
        return .test(variable: variable, try ChoiceTest(operator: name, operand: operand))
    }

    static func compileList(_ value: JSONValue, _ name: String) throws(ExpressionCompileError) -> [Node] {
        guard case .array(let rules) = value, !rules.isEmpty else {
            throw ExpressionCompileError("The value of '\(name)' must be a non-empty array of Choice rules")
        }
        var nodes: [Node] = []
        for r in rules { nodes.append(try compile(r)) }
        return nodes
    }
}

enum ChoiceRelation: Sendable {
    case equals, lessThan, greaterThan, lessThanEquals, greaterThanEquals

    func holds(_ order: Int) -> Bool {
        switch self {
        case .equals: return order == 0
        case .lessThan: return order < 0
        case .greaterThan: return order > 0
        case .lessThanEquals: return order <= 0
        case .greaterThanEquals: return order >= 0
        }
    }
}

enum ChoiceFamily: Sendable { case string, numeric, boolean, timestamp }

enum ChoiceOperand: Sendable {
    case literal(JSONValue)
    /// A timestamp literal, parsed once.
    case timestamp(Timestamp)
    case path(JSONPath)
}

enum ChoiceTest: Sendable {
    case compare(ChoiceFamily, ChoiceRelation, ChoiceOperand)
    case matches(ChoiceStringPattern)
    case isNull(Bool), isPresent(Bool), isNumeric(Bool), isString(Bool), isBoolean(Bool), isTimestamp(Bool)

    init(operator name: String, operand: JSONValue) throws(ExpressionCompileError) {
        func flag() throws(ExpressionCompileError) -> Bool {
            guard case .bool(let b) = operand else { throw ExpressionCompileError("The value of '\(name)' must be a boolean") }
            return b
        }
        switch name {
        case "IsNull": self = .isNull(try flag()); return
        case "IsPresent": self = .isPresent(try flag()); return
        case "IsNumeric": self = .isNumeric(try flag()); return
        case "IsString": self = .isString(try flag()); return
        case "IsBoolean": self = .isBoolean(try flag()); return
        case "IsTimestamp": self = .isTimestamp(try flag()); return
        case "StringMatches":
            guard case .string(let p) = operand else { throw ExpressionCompileError("The value of 'StringMatches' must be a string") }
            self = .matches(ChoiceStringPattern(p)); return
        default: break
        }
        var rest = Substring(name)
        let family: ChoiceFamily
        if rest.hasPrefix("String") { family = .string; rest = rest.dropFirst(6) }
        else if rest.hasPrefix("Numeric") { family = .numeric; rest = rest.dropFirst(7) }
        else if rest.hasPrefix("Boolean") { family = .boolean; rest = rest.dropFirst(7) }
        else if rest.hasPrefix("Timestamp") { family = .timestamp; rest = rest.dropFirst(9) }
        else { throw ExpressionCompileError("Unknown Choice operator '\(name)'") }
        let isPath = rest.hasSuffix("Path")
        if isPath { rest = rest.dropLast(4) }
        let relation: ChoiceRelation
        switch rest {
        case "Equals": relation = .equals
        case "LessThan": relation = .lessThan
        case "GreaterThan": relation = .greaterThan
        case "LessThanEquals": relation = .lessThanEquals
        case "GreaterThanEquals": relation = .greaterThanEquals
        default: throw ExpressionCompileError("Unknown Choice operator '\(name)'")
        }
        if isPath {
            guard case .string(let text) = operand, let path = try? JSONPath(text) else {
                throw ExpressionCompileError("The value of '\(name)' must be a valid JSONPath")
            }
            self = .compare(family, relation, .path(path))
            return
        }
        switch (family, operand) {
        case (.string, .string), (.numeric, .number), (.boolean, .bool):
            self = .compare(family, relation, .literal(operand))
        case (.timestamp, .string(let s)):
            guard let t = Timestamp(s) else { throw ExpressionCompileError("The value of '\(name)' must be a valid timestamp: \(s)") }
            self = .compare(family, relation, .timestamp(t))
        default:
            let expected = family == .numeric ? "a number" : family == .boolean ? "a boolean" : "a string"
            throw ExpressionCompileError("The value of '\(name)' must be \(expected)")
        }
    }

    func evaluate(_ value: JSONValue, _ context: ExpressionContext) throws(StatesError) -> Bool {
        switch self {
        case .isPresent(let expected): return expected
        case .isNull(let expected): return (value == .null) == expected
        case .isNumeric(let expected): return (value.numberValue != nil) == expected
        case .isString(let expected): return (value.stringValue != nil) == expected
        case .isBoolean(let expected): return (value.boolValue != nil) == expected
        case .isTimestamp(let expected): return (value.stringValue.flatMap(Timestamp.init) != nil) == expected
        case .matches(let pattern):
            guard case .string(let s) = value else { return false }
            return pattern.matches(s)
        case .compare(let family, let relation, let operand):
            let other: JSONValue
            switch operand {
            case .literal(let v): other = v
            case .timestamp(let t):
                guard case .string(let s) = value, let mine = Timestamp(s) else { return false }
                return relation.holds(mine < t ? -1 : (mine == t ? 0 : 1))
            case .path(let p):
                guard let v = p.evaluate(context) else { throw ChoiceCondition.invalidPath(p) }
                other = v
            }
            switch (family, value, other) {
            case (.string, .string(let a), .string(let b)):
                return relation.holds(Self.compareUTF16(a, b))
            case (.numeric, .number(let a), .number(let b)):
                return relation.holds(a == b ? 0 : (a < b ? -1 : 1))
            case (.boolean, .bool(let a), .bool(let b)):
                return relation == .equals && a == b
            case (.timestamp, .string(let a), .string(let b)):
                guard let x = Timestamp(a), let y = Timestamp(b) else { return false }
                return relation.holds(x == y ? 0 : (x < y ? -1 : 1))
            default:
                return false
            }
        }
    }

    /// Java `String.compareTo`: UTF-16 code units, exact (no Unicode normalisation).
    static func compareUTF16(_ a: String, _ b: String) -> Int {
        var i = a.utf16.makeIterator(), j = b.utf16.makeIterator()
        while true {
            switch (i.next(), j.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let x?, let y?): if x != y { return x < y ? -1 : 1 }
            }
        }
    }
}

/// A `StringMatches` pattern: `*` matches any run of characters (including none); `\*` is a
/// literal star and `\\` a literal backslash; everything else is literal and the match covers
/// the whole string [DOC choice-state].
struct ChoiceStringPattern: Sendable {
    enum Token: Sendable { case literal(UInt16), star }
    let tokens: [Token]

    init(_ pattern: String) {
        var tokens: [Token] = []
        let units = Array(pattern.utf16)
        var i = 0
        while i < units.count {
            let u = units[i]
            if u == 0x5C, i + 1 < units.count, units[i + 1] == 0x2A || units[i + 1] == 0x5C {
                tokens.append(.literal(units[i + 1])); i += 2; continue
            }
            tokens.append(u == 0x2A ? .star : .literal(u))
            i += 1
        }
        self.tokens = tokens
    }

    /// Greedy wildcard matching with single backtrack point (linear for one-star patterns).
    func matches(_ string: String) -> Bool {
        let s = Array(string.utf16)
        var si = 0, ti = 0
        var starTi = -1, starSi = 0
        while si < s.count {
            if ti < tokens.count, case .literal(let u) = tokens[ti], u == s[si] {
                si += 1; ti += 1
            } else if ti < tokens.count, case .star = tokens[ti] {
                starTi = ti; starSi = si; ti += 1
            } else if starTi >= 0 {
                ti = starTi + 1; starSi += 1; si = starSi
            } else {
                return false
            }
        }
        while ti < tokens.count, case .star = tokens[ti] { ti += 1 }
        return ti == tokens.count
    }
}
