import ASLJSON

/// What a compiled expression sees while it is evaluated: the current input (`$`), the
/// context object (`$$`), workflow variables (`$name`) and the sources of randomness used by
/// `States.UUID` and `States.MathRandom`.
///
/// A context is a cheap value built per evaluation site by the VM; the compiled forms
/// (``JSONPath``, ``PayloadTemplate``, ``ChoiceCondition``, …) are immutable and shared.
public struct ExpressionContext {
    /// `$`: the state's effective input (or the raw task result for `ResultSelector`).
    public var input: JSONValue
    /// `$$`: the context object (§3.5), built only when an expression reads it.
    public var contextObject: JSONValue { makeContextObject() }
    private var makeContextObject: () -> JSONValue
    /// Looks up a workflow variable by name; `nil` when it has never been assigned.
    public var variable: (String) -> JSONValue?
    /// Produces a random (version 4) UUID string for `States.UUID()`.
    public var uuid: () -> String
    /// Produces a uniformly distributed integer in `lower ..< upper` (`upper > lower`) for an
    /// unseeded `States.MathRandom`.
    public var randomInteger: (_ lower: Int64, _ upper: Int64) -> Int64

    public init(
        input: JSONValue,
        contextObject: JSONValue = .object(JSONObject()),
        variable: @escaping (String) -> JSONValue? = { _ in nil },
        uuid: @escaping () -> String = ExpressionContext.systemUUID,
        randomInteger: @escaping (Int64, Int64) -> Int64 = ExpressionContext.systemRandom
    ) {
        self.input = input
        self.makeContextObject = { contextObject }
        self.variable = variable
        self.uuid = uuid
        self.randomInteger = randomInteger
    }

    /// A context whose `$$` is built lazily, on first use by an expression.
    public init(
        input: JSONValue,
        lazyContextObject: @escaping () -> JSONValue,
        variable: @escaping (String) -> JSONValue?,
        uuid: @escaping () -> String,
        randomInteger: @escaping (Int64, Int64) -> Int64
    ) {
        self.input = input
        self.makeContextObject = lazyContextObject
        self.variable = variable
        self.uuid = uuid
        self.randomInteger = randomInteger
    }

    /// A context whose variables come from a dictionary.
    public init(input: JSONValue, contextObject: JSONValue = .object(JSONObject()), variables: [String: JSONValue]) {
        self.init(input: input, contextObject: contextObject, variable: { variables[$0] })
    }

    /// The same context with another `$` (e.g. the task result for `ResultSelector`).
    public func with(input: JSONValue) -> ExpressionContext {
        var copy = self
        copy.input = input
        return copy
    }

    public static func systemUUID() -> String { UUID().uuidString.lowercased() }
    public static func systemRandom(_ lower: Int64, _ upper: Int64) -> Int64 { Int64.random(in: lower..<upper) }
}

import Foundation

/// A definition-time problem with an expression (bad path syntax, unknown intrinsic, …).
/// `message` is meant for validation diagnostics.
public struct ExpressionCompileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The diagnostic (AWS's wording where AWS has one).
    public var message: String
    /// The underlying parse problem when `message` is AWS's generic wording.
    public var detail: String?
    /// The problem alone, without the expression it is in (`a path must start with '$'`), for
    /// diagnostics that name the field rather than quote the text.
    public var reason: String?
    public init(_ message: String, detail: String? = nil, reason: String? = nil) {
        self.message = message
        self.detail = detail
        self.reason = reason
    }
    public var description: String { detail.map { "\(message) (\($0))" } ?? message }
}
