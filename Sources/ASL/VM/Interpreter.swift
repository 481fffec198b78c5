import ASLJSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a frame stopped running.
enum Suspension {
    /// The frame's scope ended with this output.
    case finished(JSONValue)
    /// The frame's scope failed with this error.
    case failed(StatesError)
    /// Run again after this many milliseconds (Wait, Retry backoff).
    case sleep(milliseconds: Int64)
    /// Run this task; deliver its result through `Frame.resume` and run again.
    case task(TaskRequest, TaskInvoker.Resolution, timeoutMilliseconds: Int64?, heartbeatMilliseconds: Int64?)
    /// Run these children; the group resumes the frame when they are done.
    case fork(ChildGroup, [Frame])
    /// Let other work run, then continue (a long loop of states without Wait).
    case yield
    /// The execution's deadline passed while this frame ran.
    case timedOut
    /// The execution ended, or a sibling failed the group: drop the frame.
    case abandoned
}

/// Executes ops for one frame until it finishes or must wait.
enum Interpreter {
    static let payloadLimit = 262_144
    /// State transitions a frame makes between looks at the clock and at its execution's end;
    /// at each look it also yields its worker. One state transition costs well under a
    /// microsecond unless it evaluates something (evaluators check the deadline themselves),
    /// so a looping frame notices its deadline within a fraction of a millisecond.
    static let transitionsPerCheck = 128

    static func run(_ f: Frame) -> Suspension {
        let program = f.execution.program
        let code = program.code
        if let failure = f.startFailure {
            f.startFailure = nil
            return .failed(failure)
        }
        while true {
            if let resume = f.resume {
                f.resume = nil
                do throws(StatesError) {
                    try deliver(resume, to: f)
                } catch {
                    if let s = handle(error, in: f) { return s }
                    continue
                }
            }
            let op = code[f.pc]
            f.pc += 1
            do throws(StatesError) {
                switch op.code {
                case .enter:
                    let s = op.operand
                    enter(f, state: Int(s))
                case .inputPath:
                    let p = op.operand
                    f.value = try Bridge.selectPath(program.paths[Int(p)], in: f.raw, frame: f)
                case .inputNull:
                    f.value = .object(JSONObject())
                case .parameters:
                    let t = op.operand
                    f.value = try Bridge.evaluate(program.templates[Int(t)], input: f.value, frame: f)
                case .arguments:
                    let t = op.operand
                    f.value = try Bridge.evaluate(program.jsonataTemplates[Int(t)], frame: f, result: nil, errorOutput: nil, field: "Arguments")
                case .resultFromValue:
                    f.result = f.value
                case .resultConstant:
                    let c = op.operand
                    f.result = program.constants[Int(c)]
                case .invoke:
                    let t = op.operand
                    if let s = try invoke(f, task: program.tasks[Int(t)]) { return s }
                case .wait:
                    let w = op.operand
                    let ms = try Bridge.waitMilliseconds(program.waits[Int(w)], frame: f)
                    if ms > 0 { return .sleep(milliseconds: ms) }
                case .parallel:
                    let p = op.operand
                    if let s = try fork(f, parallel: program.parallels[Int(p)]) { return s }
                case .map:
                    let m = op.operand
                    if let s = try fork(f, map: program.maps[Int(m)]) { return s }
                case .resultSelector:
                    let t = op.operand
                    f.result = try Bridge.evaluate(program.templates[Int(t)], input: f.result, frame: f)
                case .resultPath:
                    let r = op.operand
                    let path = program.referencePaths[Int(r)]
                    f.output = try Bridge.set(f.result, at: path, in: f.raw, frame: f)
                    f.outputBound = resultPathBound(path, f)
                case .resultReplace:
                    f.output = f.result
                    f.outputBound = -1
                case .resultDiscard:
                    f.output = f.raw
                    f.outputBound = f.rawBound
                case .outputFromValue:
                    f.output = f.value
                    f.outputBound = -1
                case .outputPath:
                    let p = op.operand
                    let path = program.paths[Int(p)]
                    f.output = try Bridge.selectPath(path, in: f.output, frame: f)
                    // A single node of the old output (a subtree) measures no more than it.
                    if !(path.root == .input && path.isSingleNode) { f.outputBound = -1 }
                case .outputNull:
                    f.output = .object(JSONObject())
                    f.outputBound = -1
                case .assign:
                    let a = op.operand
                    try evaluateAssign(program.assigns[Int(a)], frame: f, errorOutput: nil)
                case .jsonataOutput:
                    let t = op.operand
                    f.output = try Bridge.evaluate(program.jsonataTemplates[Int(t)], frame: f, result: resultForJSONata(f), errorOutput: nil, field: "Output")
                    f.outputBound = -1
                case .checkSize:
                    try checkOutputSize(f)
                case .next:
                    let s = op.operand
                    exit(f)
                    if let inspection = f.inspection { inspection.nextState = s; return .finished(f.output) }
                    f.raw = f.output
                    f.rawBound = f.outputBound
                    f.pc = program.states[Int(s)].entry
                    f.transitionsUntilCheck &-= 1
                    if f.transitionsUntilCheck <= 0 { return checkpoint(f) }
                case .end:
                    exit(f)
                    return .finished(f.output)
                case .choose:
                    let c = op.operand
                    let target = try choose(program.choices[Int(c)], f)
                    exit(f)
                    if let inspection = f.inspection { inspection.nextState = target; return .finished(f.output) }
                    f.raw = f.output
                    f.rawBound = f.outputBound
                    f.pc = program.states[Int(target)].entry
                    f.transitionsUntilCheck &-= 1
                    if f.transitionsUntilCheck <= 0 { return checkpoint(f) }
                case .fail:
                    let spec = op.operand
                    let error = try Bridge.failText(program.fails[Int(spec)].error, frame: f)
                    let cause = try Bridge.failText(program.fails[Int(spec)].cause, frame: f)
                    let failure = StatesError(error ?? "", cause)
                    f.execution.statistics?.raised(f, failure.error, .failed)
                    return .failed(failure)
                }
                if let inspection = f.inspection { inspection.observe(op, f) }
            } catch {
                // An evaluation cut short by the deadline (or failing after it) is a timeout,
                // which Retry and Catch never see.
                if f.execution.pastDeadline { return .timedOut }
                if let s = handle(prefixed(error, f), in: f) { return s }
            }
        }
    }

    /// Every ``transitionsPerCheck`` transitions: stop at the deadline or when the execution
    /// has ended elsewhere, else give the worker to whatever else is queued.
    static func checkpoint(_ f: Frame) -> Suspension {
        f.transitionsUntilCheck = transitionsPerCheck
        if f.isAbandoned { return .abandoned }
        if f.execution.pastDeadline { return .timedOut }
        return .yield
    }

    /// Evaluation errors raised by a state's own processing carry AWS's location prefix.
    static func prefixed(_ error: StatesError, _ f: Frame) -> StatesError {
        guard f.state >= 0, error.error == StatesError.runtime || error.error == StatesError.queryEvaluationError
            || error.error == StatesError.intrinsicFailure || error.error == StatesError.resultPathMatchFailure else { return error }
        var e = error
        let info = f.execution.program.states[f.state]
        e.cause = "An error occurred while executing the state '\(info.name)' (entered at the event id #\(f.enteredEventId)). " + (error.cause ?? "")
        return e
    }

    // MARK: - Entry and exit

    static func enter(_ f: Frame, state: Int) {
        let info = f.execution.program.states[state]
        f.state = state
        f.value = f.raw
        f.retryCount = 0
        if !info.retriers.isEmpty { f.retryAttempts = Array(repeating: 0, count: info.retriers.count) }
        f.pendingAssign.removeAll(keepingCapacity: true)
        f.enteredTime = f.execution.environment.wallClock()
        let raw = f.raw
        f.enteredEventId = f.execution.event(info.kind.enteredEvent, previous: f.lastEventId,
                                             details: ["input": .string(raw.description), "inputDetails": ["truncated": false], "name": .string(info.name)])
        f.lastEventId = f.enteredEventId
        f.execution.statistics?.entered(f)
    }

    /// `succeeded`: the state transitions normally (false when a Catch moves on from it).
    static func exit(_ f: Frame, succeeded: Bool = true) {
        if succeeded { f.execution.statistics?.succeeded(f) }
        let info = f.execution.program.states[f.state]
        let assigned = f.pendingAssign
        for (name, value, size) in assigned { f.variables.set(name, value, size: size) }
        f.pendingAssign.removeAll(keepingCapacity: true)
        let output = f.output
        f.lastEventId = f.execution.event(info.kind.exitedEvent, previous: f.lastEventId, details: {
            var d: JSONObject = ["name": .string(info.name), "output": .string(output.description), "outputDetails": ["truncated": false]]
            if !assigned.isEmpty {
                var vars = JSONObject()
                for (k, v, _) in assigned { vars[k] = .string(v.description) }
                d["assignedVariables"] = .object(vars)
                d["assignedVariablesDetails"] = ["truncated": false]
            }
            return d
        }())
    }

    /// `checkSize` of `f.output`, skipped when its tracked bound is within the limit (then the
    /// walk could not have found it larger); otherwise measured, and the bound recorded.
    static func checkOutputSize(_ f: Frame) throws(StatesError) {
        let bound = f.outputBound
        if bound >= 0 && bound <= payloadLimit { return }
        let measured = Bridge.sizeMetric(f.output, limit: payloadLimit)
        if measured >= 0 { f.outputBound = measured; return }
        try checkSize(f.output, f)
    }

    /// A bound of `sizeMetric` for `ResultPath` output: the raw input's, plus the result's,
    /// plus per field step a new key and a new intermediate object (`{}`); -1 when unknown.
    static func resultPathBound(_ path: ReferencePath, _ f: Frame) -> Int {
        let result = Bridge.sizeMetric(f.result, limit: payloadLimit)
        if result < 0 { return -1 }
        let steps = path.path.steps
        if steps.isEmpty { return result }
        if f.rawBound < 0 { f.rawBound = Bridge.sizeMetric(f.raw, limit: payloadLimit) }
        if f.rawBound < 0 { return -1 }
        var bound = f.rawBound + result
        for step in steps { if case .field(let name) = step { bound += 6 + 6 * name.utf8.count } }
        return bound
    }

    static func checkSize(_ value: JSONValue, _ f: Frame) throws(StatesError) {
        // Cheap pre-check: only serialize when the value could plausibly be large.
        guard Bridge.mayExceed(value, limit: payloadLimit) else { return }
        if JSONWriter.bytes(value).count > payloadLimit {
            let name = f.execution.program.states[f.state].name
            throw StatesError(StatesError.dataLimitExceeded,
                              "The state/task '\(name)' returned a result with a size exceeding the maximum number of bytes service limit.")
        }
    }

    // MARK: - Tasks

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
                    throw StatesError(StatesError.dataLimitExceeded,
                                      "The state/task '\(name)' returned a result with a size exceeding the maximum number of bytes service limit.")
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
        case .children(.success(let values)):
            let kind = execution.program.states[f.state].kind
            f.lastEventId = execution.event(kind == .map ? "MapStateSucceeded" : "ParallelStateSucceeded", previous: f.lastEventId, details: [:])
            f.result = .array(values)
            f.inspection?.delivered(f.result)
        case .children(.failure(let error)):
            let kind = execution.program.states[f.state].kind
            f.lastEventId = execution.event(kind == .map ? "MapStateFailed" : "ParallelStateFailed", previous: f.lastEventId, details: [:])
            throw error
        }
    }

    // MARK: - Parallel and Map

    static func fork(_ f: Frame, parallel: Program.ParallelSpec) throws(StatesError) -> Suspension? {
        let execution = f.execution
        f.lastEventId = execution.event("ParallelStateStarted", previous: f.lastEventId, details: [:])
        let input = f.value
        let branches = parallel.branches
        let previous = f.lastEventId
        let group = ChildGroup(parent: f, count: branches.count, maxConcurrency: 0, toleratedFailures: -1, isMap: false) { group, i in
            Frame(execution: execution, scope: Int(branches[i]), input: input, variables: VariableScope(parent: f.variables),
                  group: group, childIndex: i, previousEventId: previous)
        }
        if branches.isEmpty {
            f.resume = .children(.success([]))
            return nil
        }
        return .fork(group, group.initialChildren())
    }

    static func fork(_ f: Frame, map: Program.MapSpec) throws(StatesError) -> Suspension? {
        let execution = f.execution
        let program = execution.program
        let itemsValue: JSONValue
        if let p = map.itemsPath {
            itemsValue = try Bridge.selectPath(program.paths[Int(p)], in: f.value, frame: f)
        } else if let t = map.items {
            let template = program.jsonataTemplates[Int(t)]
            itemsValue = try Bridge.evaluate(template, frame: f, result: nil, errorOutput: nil, field: "Items")
            if case .array = itemsValue {} else if let source = template.singleExpressionSource {
                throw StatesError(StatesError.queryEvaluationError,
                                  "The JSONata expression '\(source)' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '\(itemsValue.typeName)' for value: \(itemsValue.description)")
            }
        } else {
            itemsValue = f.value
        }
        guard case .array(let items) = itemsValue else {
            let isJSONata = program.states[f.state].queryLanguage == .jsonata
            throw StatesError(isJSONata ? StatesError.queryEvaluationError : StatesError.runtime,
                              "Map state input must be an array but was: \(itemsValue.description)")
        }
        // `Bridge.number` bounds integer fields to Int32, so these conversions cannot trap.
        let maxConcurrency = try map.maxConcurrency.map { s throws(StatesError) in max(Int(try Bridge.number(s, frame: f)), 0) } ?? 0  // 0: unbounded
        var tolerated = -1
        if let count = map.toleratedFailureCount {
            tolerated = Int(try Bridge.number(count, frame: f))
            guard tolerated >= 0 else { throw .runtime("ToleratedFailureCount cannot be negative.") }
        }
        if let percentage = map.toleratedFailurePercentage {
            let pct = try Bridge.number(percentage, frame: f)
            guard pct >= 0 && pct <= 100 else { throw .runtime("ToleratedFailurePercentage must be between 0 and 100.") }
            let byPct = Int((pct / 100 * Double(items.count)).rounded(.down))
            tolerated = max(tolerated, byPct)
        }
        f.lastEventId = execution.event("MapStateStarted", previous: f.lastEventId, details: ["length": .int(items.count)])
        if items.isEmpty {
            f.resume = .children(.success([]))
            return nil
        }
        let input = f.value
        let stateName = program.states[f.state].name
        let selector = map.itemSelector
        let selectorIsJSONata = map.itemSelectorIsJSONata
        let processor = Int(map.processor)
        let parentEvent = f.lastEventId
        // Item selection runs when each iteration starts, on the parent's view of the input.
        let group = ChildGroup(parent: f, count: items.count, maxConcurrency: maxConcurrency, toleratedFailures: tolerated, isMap: true) { group, i in
            let started = execution.event("MapIterationStarted", previous: parentEvent, details: ["index": .int(i), "name": .string(stateName)])
            var itemInput = items[i]
            var selectionError: StatesError?
            if let selector {
                do throws(StatesError) {
                    itemInput = selectorIsJSONata
                        ? try Bridge.evaluateItemSelectorJSONata(program.jsonataTemplates[Int(selector)], frame: f, index: i, item: items[i])
                        : try Bridge.evaluateItemSelector(program.templates[Int(selector)], input: input, frame: f, index: i, item: items[i])
                } catch { selectionError = error }
            }
            let child = Frame(execution: execution, scope: processor, input: itemInput, variables: VariableScope(parent: f.variables),
                              group: group, childIndex: i, previousEventId: started)
            if let selectionError { child.startFailure = selectionError }
            return child
        }
        return .fork(group, group.initialChildren())
    }

    // MARK: - Choice

    static func choose(_ spec: Program.ChoiceSpec, _ f: Frame) throws(StatesError) -> Int32 {
        for rule in spec.rules {
            let matched: Bool
            switch rule.condition {
            case .jsonPath(let condition): matched = try Bridge.evaluate(condition, input: f.value, frame: f)
            case .jsonata(let template, let source): matched = try Bridge.evaluateCondition(template, source: source, frame: f)
            }
            if matched {
                if let a = rule.assign { try evaluateAssign(f.execution.program.assigns[Int(a)], frame: f, errorOutput: nil) }
                if let o = rule.output {
                    f.output = try Bridge.evaluate(f.execution.program.jsonataTemplates[Int(o)], frame: f, result: nil, errorOutput: nil, field: "Output")
                    f.outputBound = -1
                }
                return rule.next
            }
        }
        if let d = spec.defaultState { return d }
        throw StatesError(StatesError.noChoiceMatched, "No Matches!")
    }

    // MARK: - Assign

    static func resultForJSONata(_ f: Frame) -> JSONValue? {
        switch f.execution.program.states[f.state].kind {
        case .task, .parallel, .map: return f.result
        default: return nil
        }
    }

    static func evaluateAssign(_ spec: Program.AssignSpec, frame f: Frame, errorOutput: JSONValue?) throws(StatesError) {
        let value: JSONValue
        switch spec {
        case .jsonPath(let template):
            let kind = f.execution.program.states[f.state].kind
            let view: JSONValue = errorOutput ?? ((kind == .task || kind == .parallel || kind == .map || kind == .pass) ? f.result : f.value)
            value = try Bridge.evaluate(template, input: view, frame: f)
        case .jsonata(let template):
            value = try Bridge.evaluate(template, frame: f, result: errorOutput == nil ? resultForJSONata(f) : nil, errorOutput: errorOutput, field: "Assign")
        }
        guard case .object(let o) = value else { return }
        try checkVariableLimits(o, f)
    }

    /// §9.4: a variable and one `Assign` block hold at most 256 KiB, all variables of the
    /// execution at most 10 MiB; beyond, `States.DataLimitExceeded`. Queues the assignments.
    static func checkVariableLimits(_ o: JSONObject, _ f: Frame) throws(StatesError) {
        let name = f.execution.program.states[f.state].name
        var block = 2
        var replaced = 0
        var queued: [(name: String, value: JSONValue, size: Int)] = []
        queued.reserveCapacity(o.count)
        for i in 0..<o.count {
            let key = o.key(at: i)
            let size = VariableLimits.size(of: o.value(at: i))
            if size > VariableLimits.variableLimit {
                throw StatesError(StatesError.dataLimitExceeded,
                                  "The variable '\(key)' assigned by the state '\(name)' has a size of \(size) bytes, exceeding the maximum of \(VariableLimits.variableLimit) bytes for a variable.")
            }
            block += key.utf8.count + 4 + size
            replaced += f.variables.size(of: key)
            queued.append((key, o.value(at: i), size))
        }
        if block > VariableLimits.variableLimit {
            throw StatesError(StatesError.dataLimitExceeded,
                              "The Assign of the state '\(name)' has a size of \(block) bytes, exceeding the maximum of \(VariableLimits.variableLimit) bytes for one Assign.")
        }
        let total = f.execution.variableBytes - replaced + block
        if total > VariableLimits.executionLimit {
            throw StatesError(StatesError.dataLimitExceeded,
                              "The state '\(name)' would bring the execution's variables to \(total) bytes, exceeding the maximum of \(VariableLimits.executionLimit) bytes for all variables of an execution.")
        }
        f.pendingAssign.append(contentsOf: queued)
    }

    // MARK: - Errors

    /// Applies Retry and Catch for `error` raised in the frame's current state.
    /// Returns nil when execution continues in this frame (caught), else how the frame stops.
    static func handle(_ error: StatesError, in f: Frame) -> Suspension? {
        guard f.state >= 0 else { return .failed(error) }
        let program = f.execution.program
        let info = program.states[f.state]
        // States.Runtime always fails the execution; a task's States.DataLimitExceeded is catchable (AWS-recorded).
        let terminal = error.error == StatesError.runtime
        if !terminal {
            for (i, retrier) in info.retriers.enumerated() where matches(retrier.errorEquals, error.error) {
                if f.retryAttempts[i] >= retrier.maxAttempts { break }
                var delay = retrier.intervalSeconds * pow(retrier.backoffRate, Double(f.retryAttempts[i]))
                if let cap = retrier.maxDelaySeconds { delay = min(delay, cap) }
                if retrier.jitterFull { delay *= f.execution.environment.random() }
                f.retryAttempts[i] += 1
                f.retryCount += 1
                f.execution.statistics?.raised(f, error.error, .retried)
                if let inspection = f.inspection {
                    // TestState reports the retry instead of waiting and running the state again.
                    inspection.retriable = true
                    inspection.data.retryIndex = i
                    inspection.data.retryBackoffIntervalSeconds = delay
                    return .failed(error)
                }
                f.pc = info.body
                f.value = f.raw
                // BackoffRate^n can overflow to infinity; clamp to the longest representable wait.
                let ms = (delay * 1000).rounded()
                return .sleep(milliseconds: ms.isFinite && ms < 9.0e15 ? Int64(ms) : 9_000_000_000_000_000)
            }
            for (catchIndex, catcher) in info.catchers.enumerated() where matches(catcher.errorEquals, error.error) {
                f.inspection?.data.catchIndex = catchIndex
                var errorOutput = JSONObject(minimumCapacity: 2)
                errorOutput["Error"] = .string(error.error)
                if let cause = error.cause { errorOutput["Cause"] = .string(cause) }
                let errorValue = JSONValue.object(errorOutput)
                f.outputBound = -1
                do throws(StatesError) {
                    f.pendingAssign.removeAll(keepingCapacity: true)
                    if let a = catcher.assign { try evaluateAssign(program.assigns[Int(a)], frame: f, errorOutput: errorValue) }
                    if let o = catcher.output {
                        f.output = try Bridge.evaluate(program.jsonataTemplates[Int(o)], frame: f, result: nil, errorOutput: errorValue, field: "Output")
                    } else {
                        switch catcher.resultPath {
                        case .replace: f.output = errorValue
                        case .discard: f.output = f.raw
                        case .path(let r): f.output = try Bridge.set(errorValue, at: program.referencePaths[Int(r)], in: f.raw, frame: f)
                        }
                    }
                } catch {
                    f.execution.statistics?.raised(f, error.error, .failed)
                    return .failed(error)
                }
                f.execution.statistics?.raised(f, error.error, .caught)
                exit(f, succeeded: false)
                if let inspection = f.inspection {
                    inspection.caught = true
                    inspection.nextState = catcher.next
                    return .finished(f.output)
                }
                f.raw = f.output
                f.rawBound = -1
                f.outputBound = -1
                f.pc = program.states[Int(catcher.next)].entry
                return nil
            }
        }
        f.execution.statistics?.raised(f, error.error, .failed)
        return .failed(error)
    }

    static func matches(_ names: [String], _ error: String) -> Bool {
        for name in names {
            if name == error { return true }
            if name == StatesError.all && error != StatesError.runtime { return true }
            if name == StatesError.taskFailed && !error.hasPrefix("States.") { return true }
        }
        return false
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
