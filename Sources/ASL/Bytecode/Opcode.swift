/// One instruction of the aslx VM: an op code and its operand. A program is one flat array of
/// these (see ``Program``).
///
/// Each state compiles to a short run of ops that starts with `enter` and ends with a transfer
/// (`next`, `end`, `choose`, `fail`). The operand is an index into one of the program's pools,
/// so an op is one word and evaluating it needs no name lookup. The VM has five registers per
/// frame: `raw` (the state's input), `value` (the effective input, then the work's input),
/// `result` (the work's result), `output`, and `pc`.
///
/// ``Op/Code`` is the op set, defined once: its ``Op/Code/info`` table gives each op's operand
/// kind, whether it may suspend the frame, whether it ends the state's run, and the errors it can
/// raise. The `.aslc` encoder and decoder, the loader's checker and the disassembler are driven
/// by that table; only the interpreter's handlers are written per op.
/// `Documentation/Bytecode.md` shows whole states.
public struct Op: Sendable, Hashable {
    /// What the op does.
    public let code: Code
    /// The pool index the op works on (its kind is `code.info.operand`); 0 when it has none.
    public let operand: Int32

    /// An op from its parts. The caller keeps `operand` 0 for ops whose operand kind is `.none`.
    public init(_ code: Code, _ operand: Int32 = 0) {
        self.code = code
        self.operand = operand
    }

    // Constructors named like the ops, for the compiler and tests: `.enter(3)`, `.end`.
    static func enter(_ state: Int32) -> Op { Op(.enter, state) }
    static func inputPath(_ path: Int32) -> Op { Op(.inputPath, path) }
    static let inputNull = Op(.inputNull)
    static func parameters(_ template: Int32) -> Op { Op(.parameters, template) }
    static func arguments(_ template: Int32) -> Op { Op(.arguments, template) }
    static let resultFromValue = Op(.resultFromValue)
    static func resultConstant(_ constant: Int32) -> Op { Op(.resultConstant, constant) }
    static func invoke(_ task: Int32) -> Op { Op(.invoke, task) }
    static func wait(_ wait: Int32) -> Op { Op(.wait, wait) }
    static func parallel(_ parallel: Int32) -> Op { Op(.parallel, parallel) }
    static func map(_ map: Int32) -> Op { Op(.map, map) }
    static func resultSelector(_ template: Int32) -> Op { Op(.resultSelector, template) }
    static func resultPath(_ path: Int32) -> Op { Op(.resultPath, path) }
    static let resultReplace = Op(.resultReplace)
    static let resultDiscard = Op(.resultDiscard)
    static let outputFromValue = Op(.outputFromValue)
    static func outputPath(_ path: Int32) -> Op { Op(.outputPath, path) }
    static let outputNull = Op(.outputNull)
    static func assign(_ assign: Int32) -> Op { Op(.assign, assign) }
    static func jsonataOutput(_ template: Int32) -> Op { Op(.jsonataOutput, template) }
    static let checkSize = Op(.checkSize)
    static func next(_ state: Int32) -> Op { Op(.next, state) }
    static let end = Op(.end)
    static func choose(_ choice: Int32) -> Op { Op(.choose, choice) }
    static func fail(_ fail: Int32) -> Op { Op(.fail, fail) }
}

extension Op {
    /// The op set. The raw value is the op's byte in `.aslc` files: new ops go at the end, and
    /// changing or reordering a value needs a new ``ProgramFile/formatVersion``
    /// (`OpcodeTests` pins the list).
    public enum Code: UInt8, CaseIterable, Sendable {
        case enter = 0, inputPath, inputNull, parameters, arguments
        case resultFromValue, resultConstant, invoke, wait, parallel, map
        case resultSelector, resultPath, resultReplace, resultDiscard, outputFromValue, outputPath, outputNull
        case assign, jsonataOutput, checkSize
        case next, end, choose, fail
    }

    /// The pool an operand indexes.
    public enum Operand: Sendable, Hashable {
        case none, state, path, referencePath, template, jsonataTemplate, constant
        case task, wait, parallel, map, assign, choice, fail
    }

    /// One row of the op table.
    public struct Info: Sendable {
        /// The op's name in listings and `Documentation/Bytecode.md`.
        public let name: String
        public let operand: Operand
        /// The op may stop the frame's run (a task, a timer, children) before the next op.
        public let suspends: Bool
        /// The op ends its state's run of ops: nothing after it belongs to the state.
        public let transfers: Bool
        /// The errors the op can raise itself; the state's Retry and Catch then apply, except to
        /// `fail`'s own error, which ends the frame. `"*"`: any name (a task's own errors, a
        /// branch's error, a Fail state's Error). Intrinsic function errors are States.Runtime.
        public let raises: [String]
    }
}

// The op table. Effects use the registers named on ``Op``.
//
// Notes for the irregular ops (what the table's columns cannot say):
// - `enter`'s operand is the state whose run it starts; the checker requires each state's run to
//   begin with `enter(itself)` at `StateInfo.entry` and no other `enter` inside it. A retry
//   restarts the run at `StateInfo.body` (after `enter`) with `value ← raw`.
// - `next` and `choose` may also stop the frame: every `Interpreter.transitionsPerCheck`
//   transitions the frame yields its worker (or stops at its deadline).
// - `choose`'s targets (each rule's Next, the Default) are in its choice pool entry, and a
//   state's Catch targets are in its `StateInfo`; all must stay in the state's scope.
// - `parallel` and `map` refer to scopes, not states: their branches / processor must be new
//   scopes nested in the state's scope, so the scopes form a tree.
// - `invoke` suspends only when the task is not resolved at once (a mock or an immediate
//   handler continues in the same run); `wait` only for a positive delay.
// - `fail` ends the frame with the Fail state's error instead of transferring to a state.
// - `checkSize` skips the measurement when `output`'s tracked size bound is within the limit.
// - Errors raised by an evaluation in a state (not by its Catch) carry AWS's "An error occurred
//   while executing the state ..." prefix for States.Runtime, QueryEvaluationError,
//   IntrinsicFailure and ResultPathMatchFailure.
extension Op.Code {
    /// This op's row of the op table.
    public var info: Op.Info {
        typealias E = StatesError
        func op(_ name: String, _ operand: Op.Operand, suspends: Bool = false, transfers: Bool = false, raises: [String] = []) -> Op.Info {
            Op.Info(name: name, operand: operand, suspends: suspends, transfers: transfers, raises: raises)
        }
        switch self {
        // State entry and input
        case .enter:           // counts the *StateEntered event, sets $$.State, value ← raw, resets retries
            return op("enter", .state)
        case .inputPath:       // value ← path(raw)                                  (InputPath)
            return op("inputPath", .path, raises: [E.runtime])
        case .inputNull:       // value ← {}                                         (InputPath: null)
            return op("inputNull", .none)
        case .parameters:      // value ← template(value)                   (Parameters, ItemSelector)
            return op("parameters", .template, raises: [E.runtime])
        case .arguments:       // value ← jsonata template                           (JSONata Arguments)
            return op("arguments", .jsonataTemplate, raises: [E.queryEvaluationError])
        // Work
        case .resultFromValue: // result ← value                                     (Pass without Result)
            return op("resultFromValue", .none)
        case .resultConstant:  // result ← constant                                  (Pass Result)
            return op("resultConstant", .constant)
        case .invoke:          // runs the task on value; result ← response, or raises the task's error
            return op("invoke", .task, suspends: true,
                      raises: ["*", E.taskFailed, E.timeout, E.heartbeatTimeout, E.dataLimitExceeded, E.runtime, E.queryEvaluationError])
        case .wait:            // sleeps until the spec's time
            return op("wait", .wait, suspends: true, raises: [E.runtime, E.queryEvaluationError])
        case .parallel:        // one child frame per branch on value; result ← [branch outputs]
            return op("parallel", .parallel, suspends: true, raises: ["*"])
        case .map:             // one child frame per item (≤ MaxConcurrency at once); result ← [outputs]
            return op("map", .map, suspends: true,
                      raises: ["*", E.exceedToleratedFailureThreshold, E.runtime, E.queryEvaluationError])
        // Result and output
        case .resultSelector:  // result ← template(result)                          (ResultSelector)
            return op("resultSelector", .template, raises: [E.runtime])
        case .resultPath:      // output ← raw with result set at the path           (ResultPath)
            return op("resultPath", .referencePath, raises: [E.resultPathMatchFailure])
        case .resultReplace:   // output ← result                                    (ResultPath $ or omitted)
            return op("resultReplace", .none)
        case .resultDiscard:   // output ← raw                                       (ResultPath: null)
            return op("resultDiscard", .none)
        case .outputFromValue: // output ← value                      (Choice, Wait, Succeed: no result stage)
            return op("outputFromValue", .none)
        case .outputPath:      // output ← path(output)                              (OutputPath)
            return op("outputPath", .path, raises: [E.runtime])
        case .outputNull:      // output ← {}                                        (OutputPath: null)
            return op("outputNull", .none)
        case .assign:          // evaluates Assign on the state's view; variables are set on exit
            return op("assign", .assign, raises: [E.runtime, E.queryEvaluationError, E.dataLimitExceeded])
        case .jsonataOutput:   // output ← jsonata template                          (JSONata Output)
            return op("jsonataOutput", .jsonataTemplate, raises: [E.queryEvaluationError])
        case .checkSize:       // output within 256 KiB
            return op("checkSize", .none, raises: [E.dataLimitExceeded])
        // Transfers
        case .next:            // counts *StateExited, commits variables, raw ← output, pc ← the state's entry
            return op("next", .state, transfers: true)
        case .end:             // counts *StateExited, commits variables, ends the frame with output
            return op("end", .none, transfers: true)
        case .choose:          // first matching rule's Next (or Default), then as `next`
            return op("choose", .choice, transfers: true,
                      raises: [E.noChoiceMatched, E.runtime, E.queryEvaluationError, E.dataLimitExceeded])
        case .fail:            // ends the frame with the Fail state's Error and Cause
            return op("fail", .fail, transfers: true, raises: ["*", E.runtime, E.queryEvaluationError])
        }
    }
}

extension Op {
    /// This op's row of the op table.
    public var info: Info { code.info }
}
