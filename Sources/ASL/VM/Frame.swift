import ASLJSON
import Synchronization

/// One running scope instance: the top level of an execution, a Parallel branch, or a Map
/// iteration. Only one thread runs a frame at a time (the driver hands it over).
///
/// The mutable fields are `@exclusivity(unchecked)`: release builds keep dynamic exclusivity
/// checks (~80 instructions each, ~15 per state in `Interpreter.enter`/`exit` alone), and a frame
/// has a single owner at a time whose code reads and writes its fields in place without handing
/// out long `inout` accesses to them.
final class Frame: @unchecked Sendable {
    let execution: ExecutionState
    let variables: VariableScope
    /// The group this frame reports to when it ends (nil for the top level).
    let group: ChildGroup?
    let childIndex: Int

    @exclusivity(unchecked) var pc: Int
    @exclusivity(unchecked) var state: Int = -1
    @exclusivity(unchecked) var raw: JSONValue
    @exclusivity(unchecked) var value: JSONValue = .null
    @exclusivity(unchecked) var result: JSONValue = .null
    @exclusivity(unchecked) var output: JSONValue = .null
    /// Upper bounds of `Bridge.sizeMetric` for `raw` and `output` (-1: unknown). They let
    /// `checkSize` skip the walk; every write of `raw`/`output` sets or clears its bound.
    @exclusivity(unchecked) var rawBound = -1
    @exclusivity(unchecked) var outputBound = -1
    @exclusivity(unchecked) var retryCount = 0
    @exclusivity(unchecked) var retryAttempts: [Int] = []
    @exclusivity(unchecked) var enteredEventId = 0
    @exclusivity(unchecked) var lastEventId = 0
    @exclusivity(unchecked) var enteredTime: Int64 = 0
    /// The pool worker running the frame now (-1 off the pool): picks the statistics shard.
    @exclusivity(unchecked) var worker = -1
    /// Engine clock at state entry (only kept when statistics are collected).
    @exclusivity(unchecked) var stateStartedAt: UInt64 = 0
    /// Variables the current state assigns when it exits: name, value, measured size.
    @exclusivity(unchecked) var pendingAssign: [(name: String, value: JSONValue, size: Int)] = []
    /// What the frame was waiting for, delivered by the driver before it runs again.
    @exclusivity(unchecked) var resume: Resume?
    /// A failure to report before running (e.g. a Map item selection error).
    @exclusivity(unchecked) var startFailure: StatesError?
    /// TestState: records the data flow and stops the state at its transition (nil in executions).
    @exclusivity(unchecked) var inspection: StateInspection?
    /// The running task logs Lambda* events (legacy function ARN) rather than Task* events.
    @exclusivity(unchecked) var taskIsLegacyLambda = false
    /// Counts down state transitions to the next ``Interpreter/checkpoint(_:)``.
    @exclusivity(unchecked) var transitionsUntilCheck = Interpreter.transitionsPerCheck

    enum Resume {
        case task(Result<JSONValue, StatesError>)
        case children(Result<[JSONValue], StatesError>)
    }

    init(execution: ExecutionState, scope: Int, input: JSONValue, variables: VariableScope, group: ChildGroup?, childIndex: Int, previousEventId: Int) {
        self.execution = execution
        self.variables = variables
        self.group = group
        self.childIndex = childIndex
        self.raw = input
        self.lastEventId = previousEventId
        let start = execution.program.scopes[scope].startState
        self.pc = execution.program.states[Int(start)].entry
    }

    /// A frame that starts at `state` (TestState's single-state entry: the state's own `enter` op).
    convenience init(execution: ExecutionState, state: Int, input: JSONValue, variables: VariableScope) {
        self.init(execution: execution, scope: execution.program.states[state].scope, input: input, variables: variables,
                  group: nil, childIndex: 0, previousEventId: 0)
        pc = execution.program.states[state].entry
    }

    var isAbandoned: Bool {
        // Acquiring: pairs with the releasing store that ends the execution or aborts the group.
        if execution.finished.load(ordering: .acquiring) { return true }
        return group?.isAborted ?? false
    }
}

/// The children of a Parallel or Map state and how their results come back to the parent.
/// Children are made lazily, at most ``maximumInFlight`` at a time, so memory follows what is
/// running, not how many items wait.
final class ChildGroup: @unchecked Sendable {
    /// The most children of one group that exist at once, whatever `MaxConcurrency` says
    /// (0 = "no limit"): AWS runs an inline Map's iterations up to 40 at a time
    /// (ASL-REFERENCE §2.9). Nested fan-outs multiply: depth d holds at most 40^d frames.
    static let maximumInFlight = 40
    let parent: Frame
    let count: Int
    let maxConcurrency: Int
    let toleratedFailures: Int  // Int.max when unlimited; -1 for "any failure fails"
    let isMap: Bool
    let makeChild: @Sendable (ChildGroup, Int) -> Frame
    /// Each child writes only its own slot; the parent reads them after `remaining` reaches zero.
    /// A raw buffer, not an `Array` property: concurrent children writing their slots through a
    /// class's array property are conflicting accesses to the whole array (ThreadSanitizer
    /// reports them), while distinct slots of one buffer are distinct memory.
    private let results: UnsafeMutableBufferPointer<JSONValue>

    // acquiringAndReleasing: each child's slot write happens-before the decrement; the last
    // decrementer (which resumes the parent) therefore sees all slots.
    private let remaining: Atomic<Int>
    // Relaxed: just hands out distinct indices to start.
    private let nextIndex: Atomic<Int>
    // Relaxed counter; the threshold decision is made by the thread whose increment crosses it.
    private let failures = Atomic<Int>(0)
    // Releasing store / acquiring load: children observing the abort stop early (an optimisation only).
    private let aborted = Atomic<Bool>(false)
    // The exchange makes exactly one thread resume the parent.
    private let resolved = Atomic<Bool>(false)

    init(parent: Frame, count: Int, maxConcurrency: Int, toleratedFailures: Int, isMap: Bool,
         makeChild: @escaping @Sendable (ChildGroup, Int) -> Frame) {
        self.parent = parent
        self.count = count
        self.maxConcurrency = min(maxConcurrency <= 0 ? count : maxConcurrency, count, ChildGroup.maximumInFlight)
        self.toleratedFailures = toleratedFailures
        self.isMap = isMap
        self.makeChild = makeChild
        self.results = .allocate(capacity: count)
        self.results.initialize(repeating: .null)
        self.remaining = Atomic(count)
        self.nextIndex = Atomic(0)
    }

    deinit {
        results.deinitialize()
        results.deallocate()
    }

    var isAborted: Bool { aborted.load(ordering: .acquiring) }

    /// The first children to run.
    func initialChildren() -> [Frame] {
        var frames: [Frame] = []
        for _ in 0..<maxConcurrency {
            let i = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
            if i >= count { break }
            frames.append(makeChild(self, i))
        }
        return frames
    }

    enum Completion {
        /// Keep going; start these frames (Map concurrency slots freed).
        case more([Frame])
        /// The parent is ready to run again (its `resume` is set).
        case resumeParent
    }

    /// Records a child's end. Exactly one call returns `.resumeParent`.
    func childFinished(_ index: Int, _ outcome: Result<JSONValue, StatesError>) -> Completion {
        switch outcome {
        case .success(let v): results[index] = v
        case .failure(let error):
            let failed = failures.wrappingAdd(1, ordering: .relaxed).newValue
            if toleratedFailures < 0 || failed > toleratedFailures {
                aborted.store(true, ordering: .releasing)
                let cause: StatesError
                if toleratedFailures < 0 || !isMap {
                    cause = error
                } else {
                    cause = StatesError.toleratedFailureThresholdExceeded
                }
                if !resolved.exchange(true, ordering: .acquiringAndReleasing) {
                    parent.resume = .children(.failure(cause))
                    return .resumeParent
                }
                return .more([])
            }
            results[index] = .null
        }
        let left = remaining.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue
        if left == 0 {
            if !resolved.exchange(true, ordering: .acquiringAndReleasing) {
                parent.resume = .children(.success(Array(results)))
                return .resumeParent
            }
            return .more([])
        }
        if isAborted { return .more([]) }
        let i = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
        if i < count { return .more([makeChild(self, i)]) }
        return .more([])
    }
}
