import ASLJSON

/// A decoded state machine: the top level of a definition, or a nested scope (a Parallel branch,
/// a Map `ItemProcessor` or legacy `Iterator`). ASL-REFERENCE §1.
///
/// Decoding is lenient and never fails: a field of the wrong type is treated as absent and
/// reported as a ``Diagnostic`` by ``decode(_:)``. Use ``Validator`` to learn whether the
/// definition is valid; only then are all `Next` targets guaranteed to resolve.
public struct StateMachineDefinition: Sendable {
    /// The language in which a state's paths, templates and conditions are written.
    public enum QueryLanguage: String, Sendable, Hashable {
        case jsonPath = "JSONPath"
        case jsonata = "JSONata"
    }

    /// How a Map's `ItemProcessor` runs its iterations (`ProcessorConfig.Mode`).
    public enum ProcessorMode: String, Sendable, Hashable {
        case inline = "INLINE"
        case distributed = "DISTRIBUTED"
    }

    /// `StartAt` ("" when missing).
    public var startAt: String
    /// The states in the order they are written in the JSON.
    public var states: [StateDefinition]
    /// State name → index into ``states``.
    public var stateIndex: [String: Int]
    /// `Comment`, if any.
    public var comment: String?
    /// The top level's `QueryLanguage` (default JSONPath). Nested scopes carry the language
    /// they inherit (a sub-machine cannot declare its own).
    public var queryLanguage: QueryLanguage
    /// Top level only: `TimeoutSeconds`, the whole-execution timeout.
    public var timeoutSeconds: Int?
    /// Top level only: `Version`.
    public var version: String?
    /// `ItemProcessor.ProcessorConfig.Mode` for a Map processor; `.inline` elsewhere.
    public var processorMode: ProcessorMode
    /// `ItemProcessor.ProcessorConfig.ExecutionType` (distributed maps), if any.
    public var executionType: String?
    /// Where this machine sits in the definition (`/` for the top level,
    /// `/States/P/Branches/0`, `/States/M/ItemProcessor`).
    public var pointer: JSONPointer
    /// The JSON this machine was decoded from.
    public var raw: JSONValue

    /// The index of the state called `name` in this scope.
    @inlinable public func index(of name: String) -> Int? { stateIndex[name] }

    /// The state called `name` in this scope.
    public func state(named name: String) -> StateDefinition? {
        stateIndex[name].map { states[$0] }
    }

    /// The start state's index, when `StartAt` names a state of this scope.
    public var startIndex: Int? { stateIndex[startAt] }

    /// Creates a machine directly (tests, generated machines). `stateIndex` is computed.
    public init(startAt: String, states: [StateDefinition], comment: String? = nil,
                queryLanguage: QueryLanguage = .jsonPath, timeoutSeconds: Int? = nil, version: String? = nil,
                processorMode: ProcessorMode = .inline, executionType: String? = nil,
                pointer: JSONPointer = .root, raw: JSONValue = .null)
    {
        self.startAt = startAt
        self.states = states
        var index = [String: Int](minimumCapacity: states.count)
        for (i, s) in states.enumerated() where index[s.name] == nil { index[s.name] = i }
        self.stateIndex = index
        self.comment = comment
        self.queryLanguage = queryLanguage
        self.timeoutSeconds = timeoutSeconds
        self.version = version
        self.processorMode = processorMode
        self.executionType = executionType
        self.pointer = pointer
        self.raw = raw
    }

    /// Decodes a definition without validating it. Type problems found while decoding come back
    /// as diagnostics (a subset of what ``Validator`` reports); the model is always returned.
    public static func decode(_ json: JSONValue) -> (definition: StateMachineDefinition, diagnostics: [Diagnostic]) {
        var decoder = ModelDecoder()
        let machine = decoder.machine(json, at: .root, inherited: .jsonPath, topLevel: true)
        return (machine, decoder.diagnostics)
    }

    /// Calls `body` for this machine and every nested machine (branches, processors), depth first.
    public func forEachScope(_ body: (StateMachineDefinition) -> Void) {
        body(self)
        for state in states {
            for branch in state.branches { branch.forEachScope(body) }
            state.itemProcessor?.forEachScope(body)
        }
    }
}
