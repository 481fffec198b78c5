import ASLJSON
import Dispatch

/// Runs frames: hands runnable frames to threads, parks waiting ones on timers, starts
/// async task handlers, and routes child results back to parents.
final class Driver: Sendable {
    private let queue = DispatchQueue(label: "aslx.driver", attributes: .concurrent)

    func schedule(_ work: @escaping @Sendable () -> Void) { queue.async(execute: work) }

    func after(milliseconds: Int64, _ work: @escaping @Sendable () -> Void) {
        queue.asyncAfter(deadline: .now() + .milliseconds(Int(max(0, milliseconds))), execute: work)
    }

    /// Runs `frame` until it suspends, and arranges for it to continue.
    func step(_ frame: Frame, run: ExecutionRun) {
        if frame.isAbandoned { return }
        switch Interpreter.run(frame) {
        case .finished(let output):
            ended(frame, .success(output), run: run)
        case .failed(let error):
            ended(frame, .failure(error), run: run)
        case .sleep(let ms):
            after(milliseconds: ms) { self.step(frame, run: run) }
        case .task(let request, let resolution, let timeout):
            guard case .async(let handler, let wrap) = resolution else { return }
            frame.taskGeneration += 1
            let generation = frame.taskGeneration
            let once = OnceFlag()
            if let timeout {
                after(milliseconds: timeout) {
                    guard once.claim() else { return }
                    frame.resume = .task(.failure(StatesError(StatesError.timeout, "Task timed out after \(timeout / 1000) seconds")))
                    self.step(frame, run: run)
                }
            }
            _ = generation
            Task {
                let result: Result<JSONValue, StatesError>
                do {
                    let value = try await handler(request)
                    result = .success(wrap ? TaskInvoker.wrapLambda(value) : value)
                } catch let error as StatesError {
                    result = .failure(error)
                } catch {
                    result = .failure(StatesError(StatesError.taskFailed, String(describing: error)))
                }
                guard once.claim() else { return }
                frame.resume = .task(result)
                self.schedule { self.step(frame, run: run) }
            }
        case .fork(_, let children):
            for child in children { schedule { self.step(child, run: run) } }
        }
    }

    private func ended(_ frame: Frame, _ outcome: Result<JSONValue, StatesError>, run: ExecutionRun) {
        guard let group = frame.group else {
            switch outcome {
            case .success(let output): run.finish(.succeeded, output: output, error: nil)
            case .failure(let error): run.finish(.failed, output: nil, error: error)
            }
            return
        }
        if group.isMap {
            let name = frame.execution.program.states[group.parent.state].name
            let type: String
            if case .success = outcome { type = "MapIterationSucceeded" } else { type = "MapIterationFailed" }
            _ = frame.execution.event(type, previous: frame.lastEventId, details: ["index": .int(frame.childIndex), "name": .string(name)])
        }
        switch group.childFinished(frame.childIndex, outcome) {
        case .resumeParent:
            schedule { self.step(group.parent, run: run) }
        case .more(let frames):
            for child in frames { schedule { self.step(child, run: run) } }
        }
    }
}

import Synchronization

/// Lets exactly one of several racing callers proceed (task result vs. its timeout).
final class OnceFlag: Sendable {
    // acquiringAndReleasing: the winner's prior writes are visible to whoever observes the flag set.
    private let done = Atomic<Bool>(false)
    func claim() -> Bool { !done.exchange(true, ordering: .acquiringAndReleasing) }
}
