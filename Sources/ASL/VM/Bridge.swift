import ASLJSON
import JSONata

/// Where the VM meets the compiled expression forms: builds the evaluation context of a frame
/// and maps expression results to AWS's state-level errors. (Compiling them is the
/// compiler's job, with the parsers in `Expressions/`.)
enum Bridge {
    // MARK: - Context

    /// `$$` for the frame's current state (Map item fields added by the caller when needed).
    static func contextObject(_ f: Frame, mapItem: (Int, JSONValue)? = nil) -> JSONValue {
        let execution = f.execution
        let info = execution.program.states[f.state]
        var state = JSONObject(minimumCapacity: 3)
        state["EnteredTime"] = .string(WallClock.iso8601(milliseconds: f.enteredTime))
        state["Name"] = .string(info.name)
        if info.kind == .task || info.kind == .parallel || info.kind == .map { state["RetryCount"] = .int(f.retryCount) }
        var o = JSONObject(minimumCapacity: 4)
        o["Execution"] = execution.contextExecution
        o["State"] = .object(state)
        o["StateMachine"] = execution.contextStateMachine
        if let (index, value) = mapItem {
            // Items read from the state input (the only source of an inline Map) are "STATE_DATA".
            o["Map"] = ["Item": ["Index": .int(index), "Value": value, "Source": "STATE_DATA"]]
        }
        return .object(o)
    }

    /// Each closure captures exactly one object (the frame, its scope, the execution), which
    /// Swift uses as the closure context directly: building a context allocates nothing
    /// (except for a Map item selector, whose `$$` also captures the item).
    static func context(_ f: Frame, input: JSONValue, mapItem: (Int, JSONValue)? = nil) -> ExpressionContext {
        let variables = f.variables
        let execution = f.execution
        let lazyContextObject: () -> JSONValue
        if let mapItem {
            lazyContextObject = { contextObject(f, mapItem: mapItem) }
        } else {
            lazyContextObject = { contextObject(f) }
        }
        return ExpressionContext(
            input: input, lazyContextObject: lazyContextObject,
            variable: { variables.get($0) },
            uuid: { execution.environment.uuid() },
            randomInteger: { lower, upper in
                // The caller checked `upper - lower` fits; the product is clamped below it.
                let span = upper &- lower
                let offset = Int64(exactly: (execution.environment.random() * Double(span)).rounded(.down)) ?? 0
                return lower + min(max(offset, 0), span - 1)
            })
    }

    // MARK: - JSONPath mode

    static func selectPath(_ path: JSONPath, in root: JSONValue, frame f: Frame) throws(StatesError) -> JSONValue {
        try path.select(context(f, input: root))
    }

    static func evaluate(_ template: PayloadTemplate, input: JSONValue, frame f: Frame) throws(StatesError) -> JSONValue {
        try template.evaluate(context(f, input: input))
    }

    static func evaluateItemSelector(_ template: PayloadTemplate, input: JSONValue, frame f: Frame, index: Int, item: JSONValue) throws(StatesError) -> JSONValue {
        try template.evaluate(context(f, input: input, mapItem: (index, item)))
    }

    static func set(_ value: JSONValue, at path: ReferencePath, in root: JSONValue, frame f: Frame) throws(StatesError) -> JSONValue {
        try path.set(value, into: root)
    }

    static func evaluate(_ condition: ChoiceCondition, input: JSONValue, frame f: Frame) throws(StatesError) -> Bool {
        try condition.evaluate(context(f, input: input))
    }

    /// Whether `value`'s serialization could exceed `limit` bytes: a cheap upper bound
    /// (``JSONValue/sizeBound``), so only values that might be large get serialized.
    static func mayExceed(_ value: JSONValue, limit: Int) -> Bool {
        value.sizeBound(limit: limit) == nil
    }

    /// ``JSONValue/sizeBound`` of `value` when it is at most `limit`, else -1. It is additive
    /// over the tree, so a subtree never measures more than its whole. Parsed objects and
    /// template results carry their bound, so this rarely walks a value.
    static func sizeMetric(_ value: JSONValue, limit: Int) -> Int {
        value.sizeBound(limit: limit) ?? -1
    }

    /// A numeric field given literally, by path, or by JSONata.
    static func number(_ source: Program.NumberSource, frame f: Frame) throws(StatesError) -> Double {
        switch source {
        case .constant(let v): return v
        case .path(let p, let field):
            let path = f.execution.program.paths[Int(p)]
            let value = try selectPath(path, in: f.value, frame: f)
            // AWS accepts numbers and numeric strings here; percentages may be fractional.
            let isFloat = field.hasPrefix("ToleratedFailurePercentage")
            var number: Double?
            switch value {
            case .number(let n): number = n.doubleValue
            case .string(let s): number = isFloat ? Double(s) : Int64(s).map(Double.init)
            default: number = nil
            }
            // "Valid integer" is Java's `int`, as AWS parses it: 1e19 is not one.
            guard let number, isFloat || Int32(exactly: number) != nil else {
                throw StatesError.pathNotNumber(field: field, quotedValue: quoted(value), isFloat: isFloat, path: path.text)
            }
            return number
        case .jsonata(let t, let field):
            let value = try evaluate(f.execution.program.jsonataTemplates[Int(t)], frame: f, result: nil, errorOutput: nil, field: field)
            guard case .number(let n) = value else {
                throw StatesError.jsonataNotNumber(field: field, value)
            }
            guard field.hasPrefix("ToleratedFailurePercentage") || Int32(exactly: n.doubleValue) != nil else {
                throw StatesError.jsonataNotInt32(field: field, value)
            }
            return n.doubleValue
        }
    }

    /// `TimeoutSeconds`/`HeartbeatSeconds`: literals are checked at validation; a value from a
    /// path or JSONata that is 0 or negative fails the state (Task state page: the value "must be
    /// a positive integer"). Values are capped at 99 999 999 s (the literal maximum) so that
    /// milliseconds never overflow.
    static func positiveSeconds(_ source: Program.NumberSource, frame f: Frame) throws(StatesError) -> Double {
        let seconds = try number(source, frame: f)
        guard seconds <= 0 else { return min(seconds, 99_999_999) }
        let text = seconds.rounded(.towardZero) == seconds && seconds > -1e15 ? String(Int64(seconds)) : String(seconds)
        switch source {
        case .constant: return seconds
        case .path(let p, let field):
            let path = f.execution.program.paths[Int(p)]
            throw StatesError.pathNotPositive(field: field, text, path: path.text)
        case .jsonata(_, let field):
            throw StatesError.jsonataNotPositive(field: field, text)
        }
    }

    static func quoted(_ value: JSONValue) -> String {
        if case .string(let s) = value { return "\"\(s)\"" }
        return "\"\(value.description)\""
    }

    static func failText(_ text: Program.FailSpec.Text, frame f: Frame) throws(StatesError) -> String? {
        let program = f.execution.program
        switch text {
        case .none: return nil
        case .constant(let s): return s
        case .path(let p, let field):
            let path = program.paths[Int(p)]
            guard let value = path.evaluate(context(f, input: f.raw)) else {
                throw StatesError.fieldPathNotFound(path.text, field: field, input: f.raw.description)
            }
            if case .string(let s) = value { return s }
            return value.description
        case .intrinsic(let t, _):
            let v = try program.templates[Int(t)].evaluate(context(f, input: f.raw))
            if case .string(let s)? = v["v"] { return s }
            return v["v"]?.description
        case .jsonata(let t, let field):
            let value = try evaluate(program.jsonataTemplates[Int(t)], frame: f, result: nil, errorOutput: nil, field: field)
            if case .string(let s) = value { return s }
            return value.description
        }
    }

    // MARK: - Wait

    /// The longest wait AWS accepts (the `Seconds` maximum of the definition schema).
    static let maxWaitSeconds: Int64 = 99_999_999

    static func waitMilliseconds(_ spec: Program.WaitSpec, frame f: Frame) throws(StatesError) -> Int64 {
        let program = f.execution.program
        switch spec {
        case .seconds(.constant(let s)): return Int64(s * 1000)
        case .seconds(.path(let p, _)):
            let path = program.paths[Int(p)]
            guard let value = path.evaluate(context(f, input: f.value)) else {
                throw StatesError.secondsPathMissing(path.text)
            }
            guard case .number(let n) = value, let seconds = n.int64Value else {
                throw StatesError.secondsPathNotLong(path.text, value)
            }
            guard seconds >= 0 else { throw StatesError.secondsPathNegative(path.text, value) }
            guard seconds <= maxWaitSeconds else { throw StatesError.waitTooLong }
            return seconds * 1000
        case .seconds(let source):
            // JSONata: `number` checked the value is an integer within Int32.
            let seconds = try number(source, frame: f)
            guard seconds >= 0 else {
                throw StatesError.jsonataSecondsNegative(Int64(seconds))
            }
            guard seconds <= Double(maxWaitSeconds) else { throw StatesError.waitTooLong }
            return Int64(seconds) * 1000
        case .timestamp(let t):
            return max(0, t.epochSeconds * 1000 + Int64(t.nanoseconds / 1_000_000) - f.execution.environment.wallClock())
        case .timestampPath(let p, let source):
            let path = program.paths[Int(p)]
            guard let value = path.evaluate(context(f, input: f.value)) else {
                throw StatesError.timestampPathMissing(source)
            }
            guard case .string(let text) = value, let t = Timestamp(text) else {
                throw StatesError.timestampPathNotTimestamp(source, value.stringValue ?? value.description)
            }
            return try delay(until: t, f)
        case .timestampJSONata(let t):
            let value = try evaluate(program.jsonataTemplates[Int(t)], frame: f, result: nil, errorOutput: nil, field: "Timestamp")
            guard case .string(let text) = value, let ts = Timestamp(text) else {
                throw StatesError.jsonataNotTimestamp(value.stringValue ?? value.description)
            }
            return try delay(until: ts, f)
        }
    }

    static func delay(until t: Timestamp, _ f: Frame) throws(StatesError) -> Int64 {
        let ms = t.epochSeconds * 1000 + Int64(t.nanoseconds / 1_000_000) - f.execution.environment.wallClock()
        if ms > maxWaitSeconds * 1000 { throw StatesError.waitTooLong }
        return max(0, ms)
    }

    // MARK: - JSONata mode

    /// `$states` plus the workflow variables the template reads (only those: JSONata converts
    /// every binding it is given).
    static func bindings(_ template: JSONataTemplate, _ f: Frame, result: JSONValue?, errorOutput: JSONValue?,
                         mapItem: (Int, JSONValue)? = nil) -> [(String, JSONValue)] {
        var b: [(String, JSONValue)] = []
        b.reserveCapacity(template.otherVariables.count + 1)
        if template.usesStates {
            var states = JSONObject(minimumCapacity: 4)
            states["input"] = f.raw
            if let result { states["result"] = result }
            if let errorOutput { states["errorOutput"] = errorOutput }
            if template.usesContext { states["context"] = contextObject(f, mapItem: mapItem) }
            b.append(("states", .object(states)))
        }
        for name in template.otherVariables {
            if let v = f.variables.get(name) { b.append((name, v)) }
        }
        return b
    }

    /// The execution's JSONata environment: `$now()`, `$millis()` and `$uuid()` read its injected
    /// clock and UUIDs; JSONata's own 10 s limit and the execution's deadline both apply, so a
    /// long evaluation stops when the execution times out.
    static func environment(_ f: Frame) -> JSONataEnvironment {
        var environment = f.execution.jsonataEnvironment
        // Relaxed: see `ExecutionState.deadline`.
        let deadline = f.execution.deadline.load(ordering: .relaxed)
        if deadline != .max { environment.deadline = deadline }
        return environment
    }

    static func evaluate(_ template: JSONataTemplate, frame f: Frame, result: JSONValue?, errorOutput: JSONValue?, field: String) throws(StatesError) -> JSONValue {
        try template.evaluate(bindings: bindings(template, f, result: result, errorOutput: errorOutput), environment: environment(f))
    }

    static func evaluateItemSelectorJSONata(_ template: JSONataTemplate, frame f: Frame, index: Int, item: JSONValue) throws(StatesError) -> JSONValue {
        try template.evaluate(bindings: bindings(template, f, result: nil, errorOutput: nil, mapItem: (index, item)), environment: environment(f))
    }

    static func evaluateCondition(_ template: JSONataTemplate, source: String, frame f: Frame) throws(StatesError) -> Bool {
        let value = try template.evaluate(bindings: bindings(template, f, result: nil, errorOutput: nil), environment: environment(f))
        guard case .bool(let b) = value else {
            throw StatesError.jsonataUnexpectedType(JSONataTemplate.body(source) ?? Substring(source), field: "Condition", expected: "boolean", value)
        }
        return b
    }
}
