/// The instruction set of the aslx VM: one flat array of these per program.
///
/// Each state compiles to a short run of ops that starts with ``enter(_:)`` and ends with a
/// transfer (``next(_:)``, ``end``, ``choose(_:)``, ``fail(_:)``). Operands are indices into
/// the program's pools (see ``Program``), so an op is two words and evaluating it needs no
/// name lookup and no parsing. The VM has five registers per frame:
/// `raw` (the state's input), `value` (the effective input, then the work's input),
/// `result` (the work's result), `output`, and `pc`.
///
/// Operand/effect of each op is on its case. `Documentation/Bytecode.md` shows whole states.
public enum Op: Sendable, Hashable {
    // MARK: - State entry and input

    /// Operand: state index. Counts the `*StateEntered` event, sets `$$.State`, `raw ← input`,
    /// `value ← raw`, resets the retry count.
    case enter(Int32)
    /// Operand: path index. `value ← path(raw)` (InputPath); missing → States.Runtime.
    case inputPath(Int32)
    /// `value ← {}` (InputPath: null).
    case inputNull
    /// Operand: template index. `value ← template(value)` (Parameters / ItemSelector).
    case parameters(Int32)
    /// Operand: JSONata template index. `value ← template(...)` (JSONata Arguments).
    case arguments(Int32)

    // MARK: - Work

    /// `result ← value` (Pass without Result).
    case resultFromValue
    /// Operand: constant index. `result ← constant` (Pass Result).
    case resultConstant(Int32)
    /// Operand: task index. Counts the scheduled/started events, suspends the frame while the
    /// resource handler runs; resumes with `result ← response` or raises the task's error.
    case invoke(Int32)
    /// Operand: wait index. Computes the wake-up time from the spec and suspends the frame until then.
    case wait(Int32)
    /// Operand: parallel index. Forks one child frame per branch on `value`; resumes with
    /// `result ← [branch outputs]` or raises the first branch error.
    case parallel(Int32)
    /// Operand: map index. Resolves items, forks iterations (≤ MaxConcurrency at a time);
    /// resumes with `result ← [iteration outputs]` or raises per the tolerance.
    case map(Int32)

    // MARK: - Result and output

    /// Operand: template index. `result ← template(result)` (ResultSelector).
    case resultSelector(Int32)
    /// Operand: reference path index. `output ← set(result at path, into raw)` (ResultPath).
    case resultPath(Int32)
    /// `output ← result` (ResultPath `$` or omitted).
    case resultReplace
    /// `output ← raw` (ResultPath: null).
    case resultDiscard
    /// `output ← value` (Choice/Wait/Succeed: no result stage).
    case outputFromValue
    /// Operand: path index. `output ← path(output)` (OutputPath).
    case outputPath(Int32)
    /// `output ← {}` (OutputPath: null).
    case outputNull
    /// Operand: assign index. Evaluates the Assign block against the state's view (§9.2) and
    /// stores the variables when the state exits.
    case assign(Int32)
    /// Operand: JSONata template index. `output ← Output template` (JSONata Output).
    case jsonataOutput(Int32)
    /// Checks `output` against the 256 KiB limit (States.DataLimitExceeded).
    case checkSize

    // MARK: - Transfers

    /// Operand: state index. Counts `*StateExited`, commits variables, `input ← output`, jumps to the state.
    case next(Int32)
    /// Counts `*StateExited`, commits variables, ends the frame with `output`.
    case end
    /// Operand: choice index. Evaluates the rules on `value`; transfers like ``next(_:)`` to
    /// the first match or the Default; no match → States.NoChoiceMatched.
    case choose(Int32)
    /// Operand: fail index. Ends the frame with the Fail state's error and cause.
    case fail(Int32)
}
