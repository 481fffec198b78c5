import ASLJSON

/// One decoded state (ASL-REFERENCE §2). Fields a state type does not use stay `nil`/empty;
/// templates and expressions are kept as raw ``JSONValue``s for the compiler to translate.
public struct StateDefinition: Sendable {
    /// The state's `Type`.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case pass = "Pass"
        case task = "Task"
        case choice = "Choice"
        case wait = "Wait"
        case succeed = "Succeed"
        case fail = "Fail"
        case parallel = "Parallel"
        case map = "Map"
    }

    /// A JSONPath field whose `null` differs from its absence (`InputPath`, `OutputPath`,
    /// `ResultPath`; ASL-REFERENCE §3.2).
    public enum PathField: Sendable, Hashable {
        /// Not written: the default (`$`) applies.
        case absent
        /// Written as `null`: `{}` for Input/OutputPath, "discard the result" for ResultPath.
        case null
        /// Written as a path string.
        case path(String)

        /// The path string, if any.
        public var path: String? { if case .path(let p) = self { return p }; return nil }
    }

    /// A value given literally, through a JSONPath `*Path` field, or as a JSONata expression.
    public enum Operand<Literal: Sendable & Hashable>: Sendable, Hashable {
        /// Written literally (`"Seconds": 5`).
        case literal(Literal)
        /// The `*Path` form (`"SecondsPath": "$.wait"`): a reference path, or for Fail's
        /// `ErrorPath`/`CausePath` possibly an intrinsic function call.
        case path(String)
        /// A JSONata string, kept whole including the `{%` `%}` delimiters.
        case jsonata(String)
    }

    /// The state's name (its key in `States`).
    public var name: String
    /// `Type` (`.pass` when missing or unknown; the validator reports it).
    public var type: Kind
    /// The effective query language (the state's own `QueryLanguage`, else the machine's).
    public var queryLanguage: StateMachineDefinition.QueryLanguage
    /// Where the state sits (`/States/Foo`, `/States/P/Branches/0/States/Bar`).
    public var pointer: JSONPointer
    /// The state's JSON.
    public var raw: JSONValue

    /// `Next`, if any.
    public var next: String?
    /// `End: true`.
    public var end: Bool
    /// `Comment`, if any.
    public var comment: String?

    // MARK: JSONPath processing
    public var inputPath: PathField = .absent
    public var outputPath: PathField = .absent
    public var resultPath: PathField = .absent
    /// `Parameters` (also a Map's legacy item selector, see ``effectiveItemSelector``).
    public var parameters: JSONValue?
    public var resultSelector: JSONValue?
    /// Pass `Result`.
    public var result: JSONValue?

    // MARK: JSONata processing
    /// `Arguments` (Task, Parallel).
    public var arguments: JSONValue?
    /// `Output`.
    public var output: JSONValue?

    /// `Assign` (both languages).
    public var assign: JSONValue?

    // MARK: Task
    /// `Resource` (the literal ARN).
    public var resource: String?
    /// `TimeoutSeconds` / `TimeoutSecondsPath` / JSONata `TimeoutSeconds`.
    public var timeoutSeconds: Operand<Int>?
    /// `HeartbeatSeconds` / `HeartbeatSecondsPath` / JSONata `HeartbeatSeconds`.
    public var heartbeatSeconds: Operand<Int>?
    /// `Credentials` (raw object with `RoleArn` or `RoleArn.$`).
    public var credentials: JSONValue?

    // MARK: Choice
    /// `Choices`, decoded (JSONPath rule trees or JSONata `Condition` rules).
    public var choices: [ChoiceRule] = []
    /// `Default`, if any.
    public var defaultNext: String?

    // MARK: Wait
    /// `Seconds` / `SecondsPath` / JSONata `Seconds`.
    public var seconds: Operand<Int>?
    /// `Timestamp` / `TimestampPath` / JSONata `Timestamp` (literal: the RFC 3339 text).
    public var timestamp: Operand<String>?

    // MARK: Fail
    /// `Error` / `ErrorPath` / JSONata `Error`.
    public var error: Operand<String>?
    /// `Cause` / `CausePath` / JSONata `Cause`.
    public var cause: Operand<String>?

    // MARK: Parallel
    /// `Branches`.
    public var branches: [StateMachineDefinition] = []

    // MARK: Map
    /// `ItemProcessor`, or the legacy `Iterator` (see ``usesIterator``).
    public var itemProcessor: StateMachineDefinition?
    /// Whether ``itemProcessor`` came from the legacy `Iterator` field.
    public var usesIterator: Bool = false
    /// `ItemsPath` (JSONPath; absent = `$`).
    public var itemsPath: PathField = .absent
    /// JSONata `Items` (array literal or `{% %}` string).
    public var items: JSONValue?
    /// `ItemSelector`.
    public var itemSelector: JSONValue?
    /// `MaxConcurrency` / `MaxConcurrencyPath` (absent = 0 = unbounded).
    public var maxConcurrency: Operand<Int>?
    /// `ToleratedFailureCount` / `ToleratedFailureCountPath`.
    public var toleratedFailureCount: Operand<Int>?
    /// `ToleratedFailurePercentage` / `ToleratedFailurePercentagePath`.
    public var toleratedFailurePercentage: Operand<Double>?
    /// Distributed-map fields, raw.
    public var itemReader: JSONValue?
    public var resultWriter: JSONValue?
    public var itemBatcher: JSONValue?
    /// `Label`, if any.
    public var label: String?

    // MARK: Errors
    /// `Retry` rules in order.
    public var retry: [RetryRule] = []
    /// `Catch` rules in order.
    public var catchers: [CatchRule] = []

    /// The Map's per-item template: `ItemSelector`, else the legacy `Parameters`.
    public var effectiveItemSelector: JSONValue? { itemSelector ?? (type == .map ? parameters : nil) }

    /// Whether the state ends its scope when it succeeds (`End: true`, Succeed, Fail).
    public var isTerminal: Bool { end || type == .succeed || type == .fail }

    /// Every state name this state can transition to: `Next`, Choice `Next`s and `Default`,
    /// `Catch[].Next`, in that order, each with the pointer of the field naming it.
    public var transitions: [(target: String, location: JSONPointer)] {
        var out: [(String, JSONPointer)] = []
        if let next { out.append((next, pointer / "Next")) }
        for rule in choices {
            if let n = rule.next { out.append((n, rule.pointer / "Next")) }
        }
        if let defaultNext { out.append((defaultNext, pointer / "Default")) }
        // A catcher without `Next` decodes with an empty name; it has no transition.
        for c in catchers where !c.next.isEmpty { out.append((c.next, c.pointer / "Next")) }
        return out
    }

    /// Creates a state directly (tests, generated machines); other fields are set afterwards.
    public init(name: String, type: Kind, queryLanguage: StateMachineDefinition.QueryLanguage = .jsonPath,
                next: String? = nil, end: Bool = false, pointer: JSONPointer? = nil, raw: JSONValue = .null)
    {
        self.name = name
        self.type = type
        self.queryLanguage = queryLanguage
        self.next = next
        self.end = end
        self.pointer = pointer ?? JSONPointer(["States", name])
        self.raw = raw
    }

    /// The text between `{%` and `%}` when `text` is a JSONata expression string
    /// (starts with `{%`, ends with `%}`, ASL-REFERENCE §8.1); `nil` otherwise.
    public static func jsonataBody(_ text: String) -> Substring? {
        guard text.hasPrefix("{%"), text.hasSuffix("%}"), text.utf8.count >= 4 else { return nil }
        return text.dropFirst(2).dropLast(2)
    }
}
