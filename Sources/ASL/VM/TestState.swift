import ASLJSON

/// How much a ``StateMachine/testState(_:input:variables:mock:inspectionLevel:configuration:)`` result shows (AWS's `inspectionLevel`).
public enum InspectionLevel: String, Sendable, CaseIterable {
    /// `status`, `output` or `error`/`cause`, `nextState`.
    case info = "INFO"
    /// Also `inspectionData`: the state's input and output processing step by step, and variables.
    case debug = "DEBUG"
    /// As DEBUG (the extra TRACE data of AWS is the HTTP request/response of HTTP Tasks, which aslx does not call).
    case trace = "TRACE"
}

/// A mocked result for the state under test (AWS TestState's `mock`): replaces the Task's
/// service call, or a Parallel/Map state's whole result (an array).
public enum TestStateMock: Sendable, Equatable {
    case result(JSONValue)
    case error(String, cause: String)
}

/// What TestState returns (AWS's TestState response).
public struct TestStateResult: Sendable {
    public enum Status: String, Sendable {
        /// The state completed; `nextState` names the next state unless it ends the execution.
        case succeeded = "SUCCEEDED"
        /// The state failed and no Retry or Catch applies.
        case failed = "FAILED"
        /// The error matches a Retrier with attempts left: a real execution would run the state again.
        case retriable = "RETRIABLE"
        /// A Catch handled the error: `output` is the catcher's output and `nextState` its Next.
        case caughtError = "CAUGHT_ERROR"
    }

    /// The data-flow steps of the state (AWS's `InspectionData`); nil fields did not apply.
    public struct Inspection: Sendable {
        public var input: JSONValue?
        public var afterInputPath: JSONValue?
        public var afterParameters: JSONValue?
        /// JSONata states: the task input after `Arguments`.
        public var afterArguments: JSONValue?
        public var result: JSONValue?
        public var afterResultSelector: JSONValue?
        public var afterResultPath: JSONValue?
        /// Every variable visible after the state (its Assign applied).
        public var variables: JSONObject?
        /// For RETRIABLE and CAUGHT_ERROR: which Retrier/Catcher matched, and the retry's delay.
        public var retryIndex: Int?
        public var retryBackoffIntervalSeconds: Double?
        public var catchIndex: Int?
    }

    public var status: Status
    public var output: JSONValue?
    public var error: String?
    public var cause: String?
    public var nextState: String?
    /// Present from ``InspectionLevel/debug`` up.
    public var inspectionData: Inspection?

    /// AWS's response shape: `output` and each `inspectionData` field are JSON text.
    public var json: JSONValue {
        var o = JSONObject()
        if let output { o["output"] = .string(output.description) }
        if let error { o["error"] = .string(error) }
        if let cause { o["cause"] = .string(cause) }
        if let i = inspectionData {
            var d = JSONObject()
            let fields: [(String, JSONValue?)] = [
                ("input", i.input), ("afterInputPath", i.afterInputPath), ("afterParameters", i.afterParameters),
                ("afterArguments", i.afterArguments), ("result", i.result), ("afterResultSelector", i.afterResultSelector),
                ("afterResultPath", i.afterResultPath), ("variables", i.variables.map { .object($0) }),
            ]
            for (name, value) in fields { if let value { d[name] = .string(value.description) } }
            var details = JSONObject()
            if let r = i.retryIndex { details["retryIndex"] = .int(r) }
            if let s = i.retryBackoffIntervalSeconds { details["retryBackoffIntervalSeconds"] = .double(s) }
            if let c = i.catchIndex { details["catchIndex"] = .int(c) }
            if !details.isEmpty { d["errorDetails"] = .object(details) }
            o["inspectionData"] = .object(d)
        }
        if let nextState { o["nextState"] = .string(nextState) }
        o["status"] = .string(status.rawValue)
        return .object(o)
    }
}

/// Records the registers a state's ops leave behind, for TestState's inspection data; its
/// presence on a frame also makes the state stop at its transition instead of following it.
final class StateInspection: @unchecked Sendable {
    var data = TestStateResult.Inspection()
    /// The state the transition (Next, Choice rule, Default, Catch Next) leads to.
    var nextState: Int32?
    var caught = false
    var retriable = false

    /// After `op` ran on `f`.
    func observe(_ op: Op, _ f: Frame) {
        switch op.code {
        case .inputPath, .inputNull:
            data.afterInputPath = f.value
            data.afterParameters = f.value
        case .parameters: data.afterParameters = f.value
        case .arguments: data.afterArguments = f.value
        case .resultFromValue, .resultConstant: delivered(f.result)
        case .resultSelector: data.afterResultSelector = f.result
        case .resultPath, .resultReplace, .resultDiscard: data.afterResultPath = f.output
        default: break
        }
    }

    /// The work's result (a task response, the children's outputs, a Pass result).
    func delivered(_ result: JSONValue) {
        data.result = result
        data.afterResultSelector = result
    }
}

extension StateMachine {
    /// Runs one state of this machine, like AWS's TestState API: the state's own bytecode, from
    /// its `enter` op to its transition, with `input` as the state input and `variables` in scope.
    /// The state does not go on to its next state, and a Retry-eligible error is reported as
    /// ``TestStateResult/Status/retriable`` rather than retried. Wait states do not wait.
    ///
    /// Tasks call the handlers of `configuration` unless `mock` gives the result; a Parallel or
    /// Map state runs its branches unless `mock` gives its whole result.
    public func testState(_ stateName: String, input: JSONValue, variables: JSONObject = JSONObject(),
                          mock: TestStateMock? = nil, inspectionLevel: InspectionLevel = .info,
                          configuration: EngineConfiguration = EngineConfiguration()) async throws(StatesError) -> TestStateResult {
        guard let index = program.states.firstIndex(where: { $0.name == stateName }) else {
            throw StatesError.noSuchState(stateName)
        }
        let info = program.states[index]
        var mocks: [String: MockConfig.MockedResponse]?
        if let mock, info.kind == .task {
            let response: MockConfig.Response
            switch mock {
            case .result(let v): response = .return(v)
            case .error(let e, let c): response = .throw(error: e, cause: c)
            }
            mocks = [stateName: MockConfig.MockedResponse(ranges: [(0...0, response)])]
        }
        let environment = configuration.environment
        let executionName = environment.uuid()
        let execution = ExecutionState(
            program: program, machine: self,
            executionArn: "arn:aws:states:\(region):\(account):express:\(name):\(executionName):\(environment.uuid())",
            name: executionName, input: input, startMilliseconds: environment.wallClock(), environment: environment,
            tasks: TaskInvoker(handlers: configuration.resources, lambdaFunctions: configuration.lambdaFunctions, mocks: mocks),
            logSink: nil, logLevel: .off, includeExecutionData: false, roleArn: configuration.roleArn)
        let scope = VariableScope(execution: execution)
        for (k, v) in variables { scope.set(k, v, size: VariableLimits.size(of: v)) }
        let frame = Frame(execution: execution, state: index, input: input, variables: scope)
        let inspection = StateInspection()
        inspection.data.input = input
        inspection.data.afterInputPath = input
        inspection.data.afterParameters = input
        frame.inspection = inspection

        var outcome: Result<JSONValue, StatesError>
        while true {
            let suspension = Interpreter.run(frame)
            if case .fork = suspension, case .result(let value)? = mock {
                // A mocked Parallel/Map result stands in for the branches, which do not run.
                frame.resume = .children(.success(value.arrayValue ?? [value]))
                continue
            }
            if let done = await TestStateRunner.settle(suspension, frame) {
                outcome = done
                break
            }
        }

        var result: TestStateResult
        switch outcome {
        case .success(let output):
            result = TestStateResult(status: inspection.caught ? .caughtError : .succeeded, output: output)
            if let next = inspection.nextState { result.nextState = program.states[Int(next)].name }
            if !inspection.caught { inspection.data.afterResultPath = inspection.data.afterResultPath ?? output }
        case .failure(let error):
            result = TestStateResult(status: inspection.retriable ? .retriable : .failed, error: error.error, cause: error.cause)
        }
        if inspectionLevel != .info {
            // AWS fills the JSONPath processing steps for JSONPath states and Arguments for JSONata ones.
            if info.queryLanguage == .jsonata {
                inspection.data.afterInputPath = nil
                inspection.data.afterParameters = nil
                inspection.data.afterResultSelector = nil
                inspection.data.afterResultPath = nil
            } else {
                inspection.data.afterArguments = nil
            }
            inspection.data.variables = scope.visible()
            result.inspectionData = inspection.data
        }
        return result
    }
}

extension StateMachine {
    /// A machine holding one state definition alone (AWS TestState's `definition`), for
    /// ``testState(_:input:variables:mock:inspectionLevel:configuration:)``: each state it
    /// transitions to (Next, Default, Choice rules, Catch) is a placeholder Succeed state.
    public static func singleState(_ state: JSONValue, name stateName: String = "TestState") throws(DefinitionError) -> StateMachine {
        guard case .object(let object) = state, object["Type"] != nil else {
            throw DefinitionError(diagnostics: [Diagnostic(code: Diagnostic.Code.schemaValidationFailed,
                                                           message: "A state definition is a JSON object with a 'Type'", location: JSONPointer())])
        }
        var states = JSONObject()
        states[stateName] = state
        var targets: [String] = []
        if case .string(let n)? = object["Next"] { targets.append(n) }
        if case .string(let n)? = object["Default"] { targets.append(n) }
        for list in ["Choices", "Catch"] {
            for rule in object[list]?.arrayValue ?? [] { if case .string(let n)? = rule["Next"] { targets.append(n) } }
        }
        for target in targets where states[target] == nil { states[target] = ["Type": "Succeed"] }
        let machine: JSONValue = ["StartAt": .string(stateName), "States": .object(states)]
        return try StateMachine(definition: machine.description, name: stateName)
    }
}

/// Drives frames off the pool for TestState: tasks are awaited, waits are skipped, Parallel
/// branches and Map iterations run one after another to their end.
enum TestStateRunner {
    /// Handles one suspension of `frame`: nil when the frame can run again, else how it ended.
    static func settle(_ suspension: Suspension, _ frame: Frame) async -> Result<JSONValue, StatesError>? {
        switch suspension {
        case .finished(let output): return .success(output)
        case .failed(let error): return .failure(error)
        case .sleep, .yield: return nil
        case .timedOut: return .failure(StatesError(StatesError.timeout, nil))
        // Test-state runs children one at a time and stops at the first failure, so a frame is
        // abandoned only when the execution ended: its deadline.
        case .abandoned: return .failure(StatesError(StatesError.timeout, nil))
        case .task(let request, let resolution, _, _):
            guard case .async(let handler, let wrap) = resolution else { return nil }
            var request = request
            if wrap { request.input = request.input["Payload"] ?? .object(JSONObject()) }
            do {
                let value = try await handler(request)
                frame.resume = .task(.success(wrap ? TaskInvoker.wrapLambda(value) : value))
            } catch let error as StatesError {
                frame.resume = .task(.failure(error))
            } catch {
                frame.resume = .task(.failure(StatesError.handlerFailed(error)))
            }
            return nil
        case .fork(let group, let children):
            var pending = children
            while !pending.isEmpty {
                let child = pending.removeFirst()
                let outcome = await runToEnd(child)
                switch group.childFinished(child.childIndex, outcome) {
                case .resumeParent: return nil
                case .more(let frames): pending.append(contentsOf: frames)
                }
            }
            return nil
        }
    }

    static func runToEnd(_ frame: Frame) async -> Result<JSONValue, StatesError> {
        while true {
            if let done = await settle(Interpreter.run(frame), frame) { return done }
        }
    }
}
