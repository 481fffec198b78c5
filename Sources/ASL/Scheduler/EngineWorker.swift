import ASLJSON
import WorkStealing

/// A pool worker lent to a caller by ``Engine/onWorker(_:)``. Executions started through it
/// run on this thread at once, until they finish or suspend: one that finishes without
/// suspending never leaves the thread (its completion runs here before ``start(_:input:name:admitted:completion:)``
/// returns); one that suspends (Wait, Task, Map or Parallel children) continues on the pool as
/// any other, and its completion runs wherever it ends.
public struct EngineWorker {
    let engine: Engine
    let context: WorkerContext<EngineJob>

    /// The worker's index, `0..<workers`.
    public var index: Int { context.workerIndex }

    /// Starts an execution here and runs it until it finishes or suspends; returns its ARN.
    /// `admitted`: the caller took a running slot for it (``Admission/enterBlocking()`` or
    /// ``Admission/tryEnter()``), which the execution gives back when it ends; false: it runs
    /// outside admission control.
    @discardableResult
    public func start(_ machine: StateMachine, input: JSONValue, name: String? = nil, admitted: Bool,
                      completion: @escaping @Sendable (ExecutionOutcome) -> Void) -> String {
        engine.launch(machine, input: input, name: name, admitted: admitted, on: context, completion: completion)
    }
}

extension Engine {
    /// Runs `body` on one of the engine's worker threads, behind the work queued before it.
    /// `body` must not block (it holds a worker); a caller that feeds a stream in batches gives
    /// each batch to `onWorker`, so an event is handed between threads once per batch, not once
    /// per stage.
    public func onWorker(_ body: @escaping @Sendable (EngineWorker) -> Void) {
        driver.pool.submit(.work { [self] context in body(EngineWorker(engine: self, context: context)) })
    }
}
