import ASLJSON

// Data handlers: the result and output stages, the payload size limit, Assign.
extension Interpreter {
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
            throw StatesError.resultTooLarge(state: name)
        }
    }

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
                throw StatesError.variableTooLarge(key, state: name, size: size, limit: VariableLimits.variableLimit)
            }
            block += key.utf8.count + 4 + size
            replaced += f.variables.size(of: key)
            queued.append((key, o.value(at: i), size))
        }
        if block > VariableLimits.variableLimit {
            throw StatesError.assignTooLarge(state: name, size: block, limit: VariableLimits.variableLimit)
        }
        let total = f.execution.variableBytes - replaced + block
        if total > VariableLimits.executionLimit {
            throw StatesError.variablesTooLarge(state: name, total: total, limit: VariableLimits.executionLimit)
        }
        f.pendingAssign.append(contentsOf: queued)
    }
}

// The output stage's register moves; every write of `output` sets its size bound.
extension Interpreter {
    @inline(__always)
    static func setOutput(_ f: Frame, _ value: JSONValue, bound: Int) {
        f.output = value
        f.outputBound = bound
    }

    /// `resultPath`: `output ← raw` with `result` set at `path`.
    static func resultPath(_ f: Frame, _ path: ReferencePath) throws(StatesError) {
        f.output = try Bridge.set(f.result, at: path, in: f.raw, frame: f)
        f.outputBound = resultPathBound(path, f)
    }

    /// `outputPath`: `output ← path(output)`.
    static func outputPath(_ f: Frame, _ path: JSONPath) throws(StatesError) {
        f.output = try Bridge.selectPath(path, in: f.output, frame: f)
        // A single node of the old output (a subtree) measures no more than it.
        if !(path.root == .input && path.isSingleNode) { f.outputBound = -1 }
    }
}
