import ASLJSON

/// What a resource handler receives for one Task invocation.
public struct TaskRequest: Sendable {
    /// The state's `Resource` ARN.
    public var resource: String
    /// The task input (after InputPath/Parameters, or JSONata Arguments).
    public var input: JSONValue
    public var stateName: String
    public var executionArn: String
    /// `Credentials` of the state, if any.
    public var credentials: JSONValue?
    /// The effective TimeoutSeconds, if any.
    public var timeoutSeconds: Double?
}

/// An async Swift function that performs a Task: returns the result or throws a ``StatesError``
/// (its `error` is the name Retry/Catch match on). Any other thrown error becomes `States.TaskFailed`.
public typealias ResourceHandler = @Sendable (TaskRequest) async throws -> JSONValue

/// Resolves a Task state's resource to a handler or a mocked response.
final class TaskInvoker: Sendable {
    static let lambdaInvoke = "arn:aws:states:::lambda:invoke"

    let handlers: [String: ResourceHandler]
    let lambdaFunctions: [String: ResourceHandler]
    /// State name → mocked response (the selected mock test case), if a mock config is used.
    let mocks: [String: MockConfig.MockedResponse]?

    init(handlers: [String: ResourceHandler], lambdaFunctions: [String: ResourceHandler], mocks: [String: MockConfig.MockedResponse]?) {
        self.handlers = handlers
        self.lambdaFunctions = lambdaFunctions
        self.mocks = mocks
    }

    enum Resolution {
        case immediate(Result<JSONValue, StatesError>)
        case async(ResourceHandler, wrapLambda: Bool)
    }

    /// Chooses what runs this invocation. `invocation` is the state's 0-based mock counter.
    func resolve(_ request: TaskRequest, invocation: () -> Int) -> Resolution {
        let isLambdaInvoke = request.resource.hasPrefix(Self.lambdaInvoke)
        let isLegacyLambda = request.resource.hasPrefix("arn:aws:lambda:") || request.resource.contains(":lambda:") && request.resource.contains(":function:")
        if let mocks, let mocked = mocks[request.stateName] {
            let n = invocation()
            guard let response = mocked.response(forInvocation: n) else {
                return .immediate(.failure(.noMockedResponse(invocation: n, stateName: request.stateName)))
            }
            switch response {
            case .throw(let error, let cause): return .immediate(.failure(StatesError(error, cause)))
            case .return(let value):
                // A Lambda mock is the Invoke response; a legacy function ARN yields its Payload.
                if isLegacyLambda && !isLambdaInvoke, case .object(let o) = value, let payload = o["Payload"] {
                    return .immediate(.success(payload))
                }
                return .immediate(.success(value))
            }
        }
        if let handler = handlers[request.resource] { return .async(handler, wrapLambda: false) }
        if isLambdaInvoke, case .string(let fn)? = request.input["FunctionName"] {
            if let handler = lambdaFunctions[fn] ?? lambdaFunctions[Self.functionName(fn)] { return .async(handler, wrapLambda: true) }
        }
        if isLegacyLambda, let handler = lambdaFunctions[request.resource] ?? lambdaFunctions[Self.functionName(request.resource)] {
            return .async(handler, wrapLambda: false)
        }
        return .immediate(.failure(.noHandler(resource: request.resource, stateName: request.stateName, mocked: mocks != nil)))
    }

    /// `arn:aws:lambda:r:a:function:NAME[:qualifier]` → `NAME`.
    static func functionName(_ arnOrName: String) -> String {
        let parts = arnOrName.split(separator: ":")
        if let i = parts.firstIndex(of: "function"), i + 1 < parts.count { return String(parts[i + 1]) }
        return arnOrName
    }

    /// AWS's `lambda:invoke` result shape around a function's payload.
    static func wrapLambda(_ payload: JSONValue) -> JSONValue {
        ["ExecutedVersion": "$LATEST", "Payload": payload, "StatusCode": 200]
    }
}
