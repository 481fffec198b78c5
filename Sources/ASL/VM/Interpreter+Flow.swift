import ASLJSON

// Flow handlers: entering and leaving states, the one transfer sequence, Choice and Fail.
extension Interpreter {
    /// `enter`: the state's run begins; `value ← raw` (a transfer or the frame's start set `raw`).
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

    /// Leaves the current state for `target` (Next, a Choice rule or Default, a Catch's Next):
    /// counts `*StateExited`, commits the state's variables, makes its output the next state's
    /// input and sets `f.pc` to the target's `enter`. `succeeded` is false when a Catch moves on.
    /// Returns how the frame stops when TestState inspects the state (it stops at its transition).
    static func transfer(_ f: Frame, to target: Int32, succeeded: Bool = true) -> Suspension? {
        exit(f, succeeded: succeeded)
        if let inspection = f.inspection {
            inspection.nextState = target
            return .finished(f.output)
        }
        f.raw = f.output
        f.rawBound = f.outputBound
        f.pc = f.execution.program.states[Int(target)].entry
        return nil
    }

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
        throw StatesError.noChoiceMatchedError
    }

    /// `fail`: ends the frame with the Fail state's Error and Cause.
    static func fail(_ f: Frame, _ spec: Program.FailSpec) throws(StatesError) -> Suspension {
        let error = try Bridge.failText(spec.error, frame: f)
        let cause = try Bridge.failText(spec.cause, frame: f)
        let failure = StatesError(error ?? "", cause)
        f.execution.statistics?.raised(f, failure.error, .failed)
        return .failed(failure)
    }
}
