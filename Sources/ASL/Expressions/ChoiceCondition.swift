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

    /// Compiles a decoded rule's condition (JSONPath rules only).
    public init(_ condition: ChoiceRule.Condition) throws(ExpressionCompileError) {
        node = try Self.compile(condition, paths: [:])
    }

    /// Compiles a decoded rule's condition, taking the paths found in `paths` (by their text).
    init(_ condition: ChoiceRule.Condition, paths: [String: JSONPath]) throws(ExpressionCompileError) {
        node = try Self.compile(condition, paths: paths)
    }

    /// Compiles a rule object as written.
    public init(_ rule: JSONValue) throws(ExpressionCompileError) {
        try self.init(ChoiceRule.Condition(jsonPath: rule))
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
        StatesError.choicePathInvalid(path.text)
    }

    // MARK: Compilation

    static func compile(_ condition: ChoiceRule.Condition, paths: [String: JSONPath]) throws(ExpressionCompileError) -> Node {
        switch condition {
        case .and(let conditions): return .and(try compileList(conditions, paths: paths))
        case .or(let conditions): return .or(try compileList(conditions, paths: paths))
        case .not(let inner): return .not(try compile(inner, paths: paths))
        case .invalid(let message): throw ExpressionCompileError(message)
        case .jsonata: throw ExpressionCompileError("A JSONata Choice rule is not a JSONPath condition")
        case .comparison(let variableText, let op, let operand):
            let variable: JSONPath
            do { variable = try paths[variableText] ?? JSONPath(variableText) } catch {
                throw ExpressionCompileError("The value for the field 'Variable' must be a valid JSONPath: \(variableText)")
            }
            return .test(variable: variable, try ChoiceTest(op, operand: operand, paths: paths))
        }
    }

    static func compileList(_ conditions: [ChoiceRule.Condition], paths: [String: JSONPath]) throws(ExpressionCompileError) -> [Node] {
        var nodes: [Node] = []
        for c in conditions { nodes.append(try compile(c, paths: paths)) }
        return nodes
    }
}

extension ChoiceRelation {
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

    init(_ op: ChoiceOperator, operand: JSONValue, paths: [String: JSONPath] = [:]) throws(ExpressionCompileError) {
        let name = op.name
        func flag() throws(ExpressionCompileError) -> Bool {
            guard case .bool(let b) = operand else { throw ExpressionCompileError("The value of '\(name)' must be a boolean") }
            return b
        }
        switch op {
        case .isNull: self = .isNull(try flag())
        case .isPresent: self = .isPresent(try flag())
        case .isNumeric: self = .isNumeric(try flag())
        case .isString: self = .isString(try flag())
        case .isBoolean: self = .isBoolean(try flag())
        case .isTimestamp: self = .isTimestamp(try flag())
        case .stringMatches:
            guard case .string(let p) = operand else { throw ExpressionCompileError("The value of 'StringMatches' must be a string") }
            self = .matches(ChoiceStringPattern(p))
        case .compare(let family, let relation, operandIsPath: true):
            guard case .string(let text) = operand, let path = paths[text] ?? (try? JSONPath(text)) else {
                throw ExpressionCompileError("The value of '\(name)' must be a valid JSONPath")
            }
            self = .compare(family, relation, .path(path))
        case .compare(let family, let relation, operandIsPath: false):
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
