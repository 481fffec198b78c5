import ASLJSON

// Task handlers: starting a task and taking its outcome back.
extension Interpreter {
    static func invoke(_ f: Frame, task: Program.TaskSpec) throws(StatesError) -> Suspension? {
        let info = f.execution.program.states[f.state]
        let timeout = try task.timeoutSeconds.map { spec throws(StatesError) in try Bridge.positiveSeconds(spec, frame: f) }
        let heartbeat = try task.heartbeatSeconds.map { spec throws(StatesError) in try Bridge.positiveSeconds(spec, frame: f) }
        // AWS checks a service integration's parameters before it starts the task.
        if let integration = task.integration, let error = ServiceParameters.check(integration, parameters: f.value) { throw error }
        let request = TaskRequest(resource: task.resource, input: f.value, stateName: info.name,
                                  executionArn: f.execution.executionArn, credentials: task.credentials, timeoutSeconds: timeout)
        let execution = f.execution
        let state = f.state
        let resolution = execution.tasks.resolve(request) {
            execution.mockCounters.withLock { counters in
                let n = counters[state, default: 0]
                counters[state] = n + 1
                return n
            }
        }
        // Legacy function ARNs log Lambda* events; service integrations (incl. lambda:invoke) log Task* events.
        let isLambda = task.resource.hasPrefix("arn:aws:lambda:") || task.resource.hasPrefix("arn:aws-cn:lambda:") || task.resource.hasPrefix("arn:aws-us-gov:lambda:")
        f.taskIsLegacyLambda = isLambda
        let (scheduled, started) = isLambda ? ("LambdaFunctionScheduled", "LambdaFunctionStarted") : ("TaskScheduled", "TaskStarted")
        let input = f.value
        f.lastEventId = execution.event(scheduled, previous: f.lastEventId, details: {
            guard !isLambda else { return ["resource": .string(task.resource), "parameters": .string(input.description)] }
            var d = TaskEventDetails.resource(task.resource)
            d["region"] = .string(execution.machine.region)
            d["parameters"] = .string(input.description)
            if let timeout { d["timeoutInSeconds"] = TaskEventDetails.seconds(timeout) }
            if let heartbeat { d["heartbeatInSeconds"] = TaskEventDetails.seconds(heartbeat) }
            return d
        }())
        f.lastEventId = execution.event(started, previous: f.lastEventId,
                                        details: isLambda ? ["resource": .string(task.resource)] : TaskEventDetails.resource(task.resource))
        if case .immediate(let outcome) = resolution {
            f.resume = .task(outcome)
            return nil
        }
        return .task(request, resolution, timeoutMilliseconds: timeout.map { Int64($0 * 1000) },
                     heartbeatMilliseconds: heartbeat.map { Int64($0 * 1000) })
    }

    /// Takes back what the frame waited for (a task's outcome, its children's outputs):
    /// `result ← outcome`, or raises its error.
    static func deliver(_ resume: Frame.Resume, to f: Frame) throws(StatesError) {
        let execution = f.execution
        switch resume {
        case .task(.success(let value)):
            f.result = value
            f.inspection?.delivered(value)
            f.lastEventId = execution.event(f.taskIsLegacyLambda ? "LambdaFunctionSucceeded" : "TaskSucceeded", previous: f.lastEventId, details: {
                var d = TaskEventDetails.forState(f)
                d["output"] = .string(value.description)
                d["outputDetails"] = ["truncated": false]
                return d
            }())
            if case .task = execution.program.states[f.state].kind {
                guard !Bridge.mayExceed(value, limit: payloadLimit) || JSONWriter.bytes(value).count <= payloadLimit else {
                    let name = execution.program.states[f.state].name
                    throw StatesError.resultTooLarge(state: name)
                }
            }
        case .task(.failure(let error)):
            f.lastEventId = execution.event(f.taskIsLegacyLambda ? "LambdaFunctionFailed" : "TaskFailed", previous: f.lastEventId, details: {
                var d = TaskEventDetails.forState(f)
                d["error"] = .string(error.error)
                d["cause"] = .string(error.cause ?? "")
                return d
            }())
            throw error
        case .children(let outcome):
            try deliverChildren(outcome, to: f)
        }
    }
}

/// The `resourceType`/`resource` pair AWS's history and logs give Task events.
enum TaskEventDetails {
    /// `arn:aws:states:::lambda:invoke` → `{"resourceType": "lambda", "resource": "invoke"}`;
    /// `arn:aws:states:::aws-sdk:s3:listObjects` → `aws-sdk:s3` / `listObjects`;
    /// `arn:aws:states:::states:startExecution.sync:2` → `states` / `startExecution.sync:2`.
    /// Other resources (activities, legacy function ARNs) keep the ARN as `resource`.
    static func resource(_ arn: String) -> JSONObject {
        guard let marker = arn.range(of: ":states:::") else { return ["resource": .string(arn)] }
        var parts = arn[marker.upperBound...].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2 else { return ["resource": .string(arn)] }
        var action = parts.removeLast()
        if action.allSatisfy(\.isNumber), parts.count >= 2 { action = parts.removeLast() + ":" + action }
        return ["resourceType": .string(parts.joined(separator: ":")), "resource": .string(action)]
    }

    static func seconds(_ value: Double) -> JSONValue {
        Int64(exactly: value).map { .number(.int($0)) } ?? .number(.double(value))
    }

    /// Details for the frame's current Task state; empty for legacy Lambda events (AWS gives them none).
    static func forState(_ f: Frame) -> JSONObject {
        guard !f.taskIsLegacyLambda, let arn = f.execution.program.taskResource(ofState: f.state) else { return [:] }
        return resource(arn)
    }
}
