import ASLJSON

/// One element of a state's `Retry` array (ASL-REFERENCE §7.3), with AWS's defaults filled in.
public struct RetryRule: Sendable, Hashable {
    /// `JitterStrategy`.
    public enum Jitter: String, Sendable, Hashable {
        case none = "NONE"
        case full = "FULL"
    }

    /// Error names this rule matches (`States.ALL` matches every catchable error).
    public var errorEquals: [String]
    /// Seconds before the first retry (default 1).
    public var intervalSeconds: Int
    /// Retries before giving up (default 3; 0 never retries).
    public var maxAttempts: Int
    /// Multiplier of the interval per attempt (default 2.0).
    public var backoffRate: Double
    /// Cap on any single delay, if given.
    public var maxDelaySeconds: Int?
    /// `JitterStrategy` (default `NONE`).
    public var jitterStrategy: Jitter
    /// `Comment`, if any.
    public var comment: String?
    /// Where this rule sits (`/States/T/Retry/0`).
    public var pointer: JSONPointer

    public init(errorEquals: [String], intervalSeconds: Int = 1, maxAttempts: Int = 3, backoffRate: Double = 2.0,
                maxDelaySeconds: Int? = nil, jitterStrategy: Jitter = .none, comment: String? = nil,
                pointer: JSONPointer = .root)
    {
        self.errorEquals = errorEquals
        self.intervalSeconds = intervalSeconds
        self.maxAttempts = maxAttempts
        self.backoffRate = backoffRate
        self.maxDelaySeconds = maxDelaySeconds
        self.jitterStrategy = jitterStrategy
        self.comment = comment
        self.pointer = pointer
    }
}

/// One element of a state's `Catch` array (ASL-REFERENCE §7.4).
public struct CatchRule: Sendable, Hashable {
    /// Error names this catcher matches.
    public var errorEquals: [String]
    /// The state to go to (same scope).
    public var next: String
    /// JSONPath: where the error output goes in the raw input (absent = `$`, null = discard).
    public var resultPath: StateDefinition.PathField
    /// JSONata: `Output` (raw; `{% %}` templates compiled elsewhere).
    public var output: JSONValue?
    /// `Assign` (raw).
    public var assign: JSONValue?
    /// `Comment`, if any.
    public var comment: String?
    /// Where this rule sits (`/States/T/Catch/0`).
    public var pointer: JSONPointer

    public init(errorEquals: [String], next: String, resultPath: StateDefinition.PathField = .absent,
                output: JSONValue? = nil, assign: JSONValue? = nil, comment: String? = nil, pointer: JSONPointer = .root)
    {
        self.errorEquals = errorEquals
        self.next = next
        self.resultPath = resultPath
        self.output = output
        self.assign = assign
        self.comment = comment
        self.pointer = pointer
    }
}
