import ASLJSON

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
///
/// This file is the dispatch loop; the handlers are grouped by family in `Interpreter+Flow`
/// (enter, exit, `transfer(to:)`, Choice, Fail), `Interpreter+Data` (input, result, output,
/// Assign, size limits), `Interpreter+Task`, `Interpreter+Fork` (Parallel, Map) and
/// `Interpreter+Errors` (Retry, Catch). Which op does what is in `Bytecode/Opcode.swift`.
enum Interpreter {
    static let payloadLimit = 262_144
    /// State transitions a frame makes between looks at the clock and at its execution's end;
    /// at each look it also yields its worker. One state transition costs well under a
    /// microsecond unless it evaluates something (evaluators check the deadline themselves),
    /// so a looping frame notices its deadline within a fraction of a millisecond.
    static let transitionsPerCheck = 128

    /// Runs `f` from `f.pc` until it suspends. `pc` and the transition budget live in locals
    /// while the loop runs and are written back to the frame when it returns; handlers that
    /// move the frame elsewhere (`transfer(to:)`, Retry and Catch) set `f.pc`, and the loop
    /// reloads it after them.
    static func run(_ f: Frame) -> Suspension {
        let program = f.execution.program
        let code = program.code
        if let failure = f.startFailure {
            f.startFailure = nil
            return .failed(failure)
        }
        var pc = f.pc
        var budget = f.transitionsUntilCheck
        defer {
            f.pc = pc
            f.transitionsUntilCheck = budget
        }
        while true {
            if let resume = f.resume {
                f.resume = nil
                do throws(StatesError) {
                    try deliver(resume, to: f)
                } catch {
                    let stop = handle(error, in: f)
                    pc = f.pc
                    if let stop { return stop }
                    // Caught: a transition like any other (see below).
                    budget &-= 1
                    if budget <= 0 { return checkpoint(f, &budget) }
                    continue
                }
            }
            let op = code[pc]
            pc &+= 1
            let i = Int(op.operand)
            do throws(StatesError) {
                switch op.code {
                case .enter: enter(f, state: i)
                case .inputPath: f.value = try Bridge.selectPath(program.paths[i], in: f.raw, frame: f)
                case .inputNull: f.value = .object(JSONObject())
                case .parameters: f.value = try Bridge.evaluate(program.templates[i], input: f.value, frame: f)
                case .arguments:
                    f.value = try Bridge.evaluate(program.jsonataTemplates[i], frame: f, result: nil, errorOutput: nil, field: "Arguments")
                case .resultFromValue: f.result = f.value
                case .resultConstant: f.result = program.constants[i]
                case .invoke:
                    if let s = try invoke(f, task: program.tasks[i]) { return s }
                case .wait:
                    let ms = try Bridge.waitMilliseconds(program.waits[i], frame: f)
                    if ms > 0 { return .sleep(milliseconds: ms) }
                case .parallel:
                    if let s = try fork(f, parallel: program.parallels[i]) { return s }
                case .map:
                    if let s = try fork(f, map: program.maps[i]) { return s }
                case .resultSelector: f.result = try Bridge.evaluate(program.templates[i], input: f.result, frame: f)
                case .resultPath: try resultPath(f, program.referencePaths[i])
                case .resultReplace: setOutput(f, f.result, bound: -1)
                case .resultDiscard: setOutput(f, f.raw, bound: f.rawBound)
                case .outputFromValue: setOutput(f, f.value, bound: -1)
                case .outputPath: try outputPath(f, program.paths[i])
                case .outputNull: setOutput(f, .object(JSONObject()), bound: -1)
                case .assign: try evaluateAssign(program.assigns[i], frame: f, errorOutput: nil)
                case .jsonataOutput:
                    let output = try Bridge.evaluate(program.jsonataTemplates[i], frame: f, result: resultForJSONata(f), errorOutput: nil, field: "Output")
                    setOutput(f, output, bound: -1)
                case .checkSize: try checkOutputSize(f)
                case .next, .choose:
                    let target: Int32
                    if op.code == .next { target = op.operand } else { target = try choose(program.choices[i], f) }
                    if let s = transfer(f, to: target) { return s }
                    pc = f.pc
                    budget &-= 1
                    if budget <= 0 { return checkpoint(f, &budget) }
                case .end:
                    exit(f)
                    return .finished(f.output)
                case .fail:
                    return try fail(f, program.fails[i])
                }
                if let inspection = f.inspection { inspection.observe(op, f) }
            } catch {
                // An evaluation cut short by the deadline (or failing after it) is a timeout,
                // which Retry and Catch never see.
                if f.execution.pastDeadline { return .timedOut }
                let stop = handle(prefixed(error, f), in: f)
                pc = f.pc
                if let stop { return stop }
                // A Catch is a transition too: a loop through a caught error must reach the
                // checkpoint like any other loop.
                budget &-= 1
                if budget <= 0 { return checkpoint(f, &budget) }
            }
        }
    }

    /// Every ``transitionsPerCheck`` transitions: stop at the deadline or when the execution
    /// has ended elsewhere, else give the worker to whatever else is queued.
    static func checkpoint(_ f: Frame, _ budget: inout Int) -> Suspension {
        budget = transitionsPerCheck
        if f.isAbandoned { return .abandoned }
        if f.execution.pastDeadline { return .timedOut }
        return .yield
    }
}
