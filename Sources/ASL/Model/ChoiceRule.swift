import ASLJSON

/// One element of a Choice state's `Choices` (ASL-REFERENCE §5), decoded: where it goes, what
/// it assigns and outputs, and its condition as a tree. Decoding never fails: a rule whose
/// shape is wrong gets an ``Condition/invalid(_:)`` condition, and the validator reports the
/// problem from ``raw``, the rule as written.
public struct ChoiceRule: Sendable {
    /// What a rule tests.
    public indirect enum Condition: Sendable {
        /// JSONata: the `Condition` field, a `{% %}` string or a boolean (absent reads `false`).
        case jsonata(JSONValue)
        case and([Condition])
        case or([Condition])
        case not(Condition)
        /// `Variable` and its one comparison operator with the operator's operand as written.
        case comparison(variable: String, ChoiceOperator, operand: JSONValue)
        /// A JSONPath rule of the wrong shape; the text says what is wrong.
        case invalid(String)
    }

    /// The condition.
    public var condition: Condition
    /// `Next` (top-level rules only).
    public var next: String?
    /// `Assign`, if any.
    public var assign: JSONValue?
    /// JSONata `Output`, if any.
    public var output: JSONValue?
    /// Where the rule sits (`/States/C/Choices/0`).
    public var pointer: JSONPointer
    /// The rule's JSON as written.
    public var raw: JSONValue

    /// Decodes the rule `raw` of a state in `language`.
    public init(_ raw: JSONValue, language: StateMachineDefinition.QueryLanguage, at pointer: JSONPointer) {
        self.raw = raw
        self.pointer = pointer
        next = raw["Next"]?.stringValue
        assign = raw["Assign"]
        output = language == .jsonata ? raw["Output"] : nil
        condition = language == .jsonata ? .jsonata(raw["Condition"] ?? false) : Condition(jsonPath: raw)
    }
}

extension ChoiceRule.Condition {
    /// Decodes a JSONPath rule object (top-level or nested in `And`/`Or`/`Not`).
    public init(jsonPath rule: JSONValue) {
        guard case .object(let object) = rule else { self = .invalid(Diagnostic.Message.ruleNotObject); return }
        for (name, make) in [("And", Self.and), ("Or", Self.or)] {
            guard let value = object[name] else { continue }
            guard case .array(let rules) = value, !rules.isEmpty else {
                self = .invalid(Diagnostic.Message.ruleListEmpty(name))
                return
            }
            self = make(rules.map(Self.init(jsonPath:)))
            return
        }
        if let not = object["Not"] {
            guard case .object = not else { self = .invalid(Diagnostic.Message.notNotObject); return }
            self = .not(Self(jsonPath: not))
            return
        }
        guard let variable = object["Variable"] else {
            self = .invalid(Diagnostic.Message.ruleWithoutVariable)
            return
        }
        guard case .string(let path) = variable else { self = .invalid(Diagnostic.Message.variableNotString); return }
        let operators = object.keys.compactMap(ChoiceOperator.init(name:))
        guard operators.count == 1, let op = operators.first, let operand = object[op.name] else {
            self = .invalid(Diagnostic.Message.ruleOperatorCount(operators.map(\.name)))
            return
        }
        self = .comparison(variable: path, op, operand: operand)
    }
}

/// The type a comparison operator compares as (`String…`, `Numeric…`, `Boolean…`, `Timestamp…`).
public enum ChoiceFamily: String, Sendable, Hashable, CaseIterable {
    case string = "String", numeric = "Numeric", boolean = "Boolean", timestamp = "Timestamp"
}

/// The relation a comparison operator tests (`…Equals`, `…LessThan`, ...).
public enum ChoiceRelation: String, Sendable, Hashable, CaseIterable {
    case equals = "Equals", lessThan = "LessThan", greaterThan = "GreaterThan"
    case lessThanEquals = "LessThanEquals", greaterThanEquals = "GreaterThanEquals"
}

/// A JSONPath Choice rule's data-test operator (ASL-REFERENCE §5.2): the one table of their
/// names, which the validator and the compiler both read.
public enum ChoiceOperator: Sendable, Hashable {
    /// `StringEquals`, `NumericLessThanPath`, ... (`BooleanEquals` and `BooleanEqualsPath`
    /// are the only `Boolean` ones).
    case compare(ChoiceFamily, ChoiceRelation, operandIsPath: Bool)
    case stringMatches
    case isNull, isPresent, isNumeric, isString, isBoolean, isTimestamp

    /// Every operator.
    public static let all: [ChoiceOperator] = {
        var ops: [ChoiceOperator] = []
        for family in ChoiceFamily.allCases {
            for relation in ChoiceRelation.allCases where family != .boolean || relation == .equals {
                ops.append(.compare(family, relation, operandIsPath: false))
                ops.append(.compare(family, relation, operandIsPath: true))
            }
        }
        return ops + [.stringMatches, .isNull, .isPresent, .isNumeric, .isString, .isBoolean, .isTimestamp]
    }()

    private static let byName: [String: ChoiceOperator] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The operator named `name` as in a rule (`NumericGreaterThanEqualsPath`), or `nil`.
    public init?(name: String) {
        guard let op = Self.byName[name] else { return nil }
        self = op
    }

    /// The operator's field name.
    public var name: String {
        switch self {
        case .compare(let family, let relation, let isPath): return family.rawValue + relation.rawValue + (isPath ? "Path" : "")
        case .stringMatches: return "StringMatches"
        case .isNull: return "IsNull"
        case .isPresent: return "IsPresent"
        case .isNumeric: return "IsNumeric"
        case .isString: return "IsString"
        case .isBoolean: return "IsBoolean"
        case .isTimestamp: return "IsTimestamp"
        }
    }

    /// What the operand must be.
    public enum Operand: Sendable, Hashable { case string, number, boolean, timestamp, path }

    /// What this operator's operand must be.
    public var operand: Operand {
        switch self {
        case .compare(_, _, true): return .path
        case .compare(.string, _, false), .stringMatches: return .string
        case .compare(.numeric, _, false): return .number
        case .compare(.boolean, _, false): return .boolean
        case .compare(.timestamp, _, false): return .timestamp
        case .isNull, .isPresent, .isNumeric, .isString, .isBoolean, .isTimestamp: return .boolean
        }
    }
}
