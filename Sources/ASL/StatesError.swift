/// An execution error as AWS names it: `error` is the name Retry/Catch match on
/// (`States.Runtime`, `States.TaskFailed`, a task's own error name, ...), `cause` the
/// human-readable explanation.
public struct StatesError: Error, Sendable, Hashable, CustomStringConvertible {
    public var error: String
    public var cause: String?

    /// An error named `error` (what Retry/Catch `ErrorEquals` match) with an optional `cause`.
    public init(_ error: String, _ cause: String? = nil) {
        self.error = error
        self.cause = cause
    }

    /// The same, with labels: `throw StatesError(error: "CardDeclined", cause: "insufficient funds")`
    /// from a resource handler fails the Task with that error name, as a Lambda function's
    /// `errorType` does on AWS.
    public init(error: String, cause: String? = nil) {
        self.init(error, cause)
    }

    public var description: String { cause.map { "\(error): \($0)" } ?? error }

    // MARK: - Predefined error names (ASL-REFERENCE §7)

    public static let all = "States.ALL"
    public static let runtime = "States.Runtime"
    public static let taskFailed = "States.TaskFailed"
    public static let timeout = "States.Timeout"
    public static let heartbeatTimeout = "States.HeartbeatTimeout"
    public static let dataLimitExceeded = "States.DataLimitExceeded"
    public static let intrinsicFailure = "States.IntrinsicFailure"
    public static let queryEvaluationError = "States.QueryEvaluationError"
    public static let branchFailed = "States.BranchFailed"
    public static let noChoiceMatched = "States.NoChoiceMatched"
    public static let parameterPathFailure = "States.ParameterPathFailure"
    public static let resultPathMatchFailure = "States.ResultPathMatchFailure"
    public static let itemReaderFailed = "States.ItemReaderFailed"
    public static let exceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold"
    public static let permissions = "States.Permissions"

    /// `States.Runtime` with a cause.
    public static func runtime(_ cause: String) -> StatesError { StatesError(runtime, cause) }
    /// `States.IntrinsicFailure` with a cause.
    public static func intrinsic(_ cause: String) -> StatesError { StatesError(intrinsicFailure, cause) }
}
