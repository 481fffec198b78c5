import ASLJSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Error handlers: AWS's location prefix, Retry and Catch.
extension Interpreter {
    /// Evaluation errors raised by a state's own processing carry AWS's location prefix.
    static func prefixed(_ error: StatesError, _ f: Frame) -> StatesError {
        guard f.state >= 0, error.error == StatesError.runtime || error.error == StatesError.queryEvaluationError
            || error.error == StatesError.intrinsicFailure || error.error == StatesError.resultPathMatchFailure else { return error }
        var e = error
        let info = f.execution.program.states[f.state]
        e.cause = StatesError.locationPrefix(state: info.name, enteredEventId: f.enteredEventId) + (error.cause ?? "")
        return e
    }

    /// Applies Retry and Catch for `error` raised in the frame's current state.
    /// Returns nil when execution continues in this frame at `f.pc` (caught), else how the
    /// frame stops (a retry sleeps, then continues at `f.pc`, the state's body).
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
                f.inspection?.caught = true
                return transfer(f, to: catcher.next, succeeded: false)
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
