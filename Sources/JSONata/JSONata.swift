import ASLJSON

// Interim stand-in until the JSONata engine lands: same API, every expression is rejected.
public struct JSONataError: Error, Sendable { public var code: String; public var message: String }
public struct JSONataEnvironment: Sendable { public init() {} }
public struct JSONataExpression: Sendable {
    public init(_ source: String) throws(JSONataError) { throw JSONataError(code: "S0000", message: "JSONata is not supported yet") }
    public func evaluate(input: JSONValue?, bindings: [String: JSONValue] = [:], environment: JSONataEnvironment = .init()) throws(JSONataError) -> JSONValue? { nil }
}
