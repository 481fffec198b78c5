import ASLJSON
import JSONata

/// A compiled state machine: one flat op array plus the pools its operands index.
///
/// Immutable and `Sendable`: one program serves every execution on every thread. Nothing in
/// it refers back to the definition's JSON; paths, templates, rules and tables are prebuilt.
public final class Program: Sendable {
    public let code: [Op]
    public let states: [StateInfo]
    /// Scope 0 is the top level; each Parallel branch and Map processor has its own scope.
    public let scopes: [Scope]
    public let queryLanguage: QueryLanguageKind
    /// Top-level `TimeoutSeconds`, if any.
    public let timeoutSeconds: Int?

    let paths: [JSONPath]
    let referencePaths: [ReferencePath]
    let templates: [PayloadTemplate]
    let jsonataTemplates: [JSONataTemplate]
    let constants: [JSONValue]
    let assigns: [AssignSpec]
    let choices: [ChoiceSpec]
    let tasks: [TaskSpec]
    let waits: [WaitSpec]
    let fails: [FailSpec]
    let parallels: [ParallelSpec]
    let maps: [MapSpec]

    init(code: [Op], states: [StateInfo], scopes: [Scope], queryLanguage: QueryLanguageKind, timeoutSeconds: Int?,
         paths: [JSONPath], referencePaths: [ReferencePath], templates: [PayloadTemplate],
         jsonataTemplates: [JSONataTemplate], constants: [JSONValue], assigns: [AssignSpec], choices: [ChoiceSpec],
         tasks: [TaskSpec], waits: [WaitSpec], fails: [FailSpec], parallels: [ParallelSpec], maps: [MapSpec]) {
        self.code = code; self.states = states; self.scopes = scopes; self.queryLanguage = queryLanguage
        self.timeoutSeconds = timeoutSeconds; self.paths = paths; self.referencePaths = referencePaths
        self.templates = templates; self.jsonataTemplates = jsonataTemplates; self.constants = constants
        self.assigns = assigns; self.choices = choices; self.tasks = tasks; self.waits = waits
        self.fails = fails; self.parallels = parallels; self.maps = maps
    }

    public enum QueryLanguageKind: String, Sendable { case jsonPath = "JSONPath", jsonata = "JSONata" }

    public enum StateKind: String, Sendable {
        case pass = "Pass", task = "Task", choice = "Choice", wait = "Wait", succeed = "Succeed", fail = "Fail"
        case parallel = "Parallel", map = "Map"

        /// History event type names, precomputed so the hot path never builds strings.
        var enteredEvent: String {
            switch self {
            case .pass: "PassStateEntered"; case .task: "TaskStateEntered"; case .choice: "ChoiceStateEntered"
            case .wait: "WaitStateEntered"; case .succeed: "SucceedStateEntered"; case .fail: "FailStateEntered"
            case .parallel: "ParallelStateEntered"; case .map: "MapStateEntered"
            }
        }
        var exitedEvent: String {
            switch self {
            case .pass: "PassStateExited"; case .task: "TaskStateExited"; case .choice: "ChoiceStateExited"
            case .wait: "WaitStateExited"; case .succeed: "SucceedStateExited"; case .fail: "FailStateExited"
            case .parallel: "ParallelStateExited"; case .map: "MapStateExited"
            }
        }
    }

    /// Per-state facts the VM needs at run time (names only for messages and logs).
    public struct StateInfo: Sendable {
        public var name: String
        public var kind: StateKind
        public var scope: Int
        public var queryLanguage: QueryLanguageKind
        /// pc of the state's `enter` op.
        public var entry: Int
        /// pc right after `enter`: where a retry restarts.
        public var body: Int
        public var retriers: [Retrier]
        public var catchers: [Catcher]
    }

    public struct Scope: Sendable {
        public var startState: Int32
    }

    public struct Retrier: Sendable {
        public var errorEquals: [String]
        public var intervalSeconds: Double
        public var maxAttempts: Int
        public var backoffRate: Double
        public var maxDelaySeconds: Double?
        public var jitterFull: Bool
    }

    public struct Catcher: Sendable {
        public var errorEquals: [String]
        public var next: Int32
        public var resultPath: ResultPathSpec
        /// JSONata `Output` template of the catcher.
        public var output: Int32?
        public var assign: Int32?
    }

    public enum ResultPathSpec: Sendable {
        case replace, discard, path(Int32)
    }

    /// An Assign block: JSONPath template or JSONata template.
    enum AssignSpec: Sendable {
        case jsonPath(PayloadTemplate)
        case jsonata(JSONataTemplate)
    }

    struct ChoiceSpec: Sendable {
        struct Rule: Sendable {
            var condition: RuleCondition
            var next: Int32
            var assign: Int32?
            var output: Int32?
        }
        enum RuleCondition: Sendable {
            case jsonPath(ChoiceCondition)
            case jsonata(JSONataTemplate, source: String)
        }
        var rules: [Rule]
        var defaultState: Int32?
    }

    /// Every Task state, in program order, with its Resource (for checking mock configs).
    var taskStates: [(name: String, resource: String)] {
        var current: Int32?
        var found: [(name: String, resource: String)] = []
        for op in code {
            switch op.code {
            case .enter: current = op.operand
            case .invoke:
                if let current { found.append((states[Int(current)].name, tasks[Int(op.operand)].resource)) }
            default: break
            }
        }
        return found
    }

    /// The Resource of the Task state at `state` (its first `invoke` op), or nil.
    func taskResource(ofState state: Int) -> String? {
        var pc = states[state].entry
        while pc < code.count {
            if code[pc].code == .invoke { return tasks[Int(code[pc].operand)].resource }
            if pc > states[state].entry, code[pc].code == .enter { return nil }
            pc += 1
        }
        return nil
    }

    /// A numeric-or-expression field (TimeoutSeconds, MaxConcurrency, ...).
    enum NumberSource: Sendable {
        case constant(Double)
        case path(Int32, field: String)
        case jsonata(Int32, field: String)
    }

    struct TaskSpec: Sendable {
        var resource: String
        var timeoutSeconds: NumberSource?
        var heartbeatSeconds: NumberSource?
        var credentials: JSONValue?
        /// The parameter shape AWS checks before starting the task (optimized integrations
        /// only), looked up once here rather than per invocation.
        let integration: ServiceParameters.Integration?

        init(resource: String, timeoutSeconds: NumberSource?, heartbeatSeconds: NumberSource?, credentials: JSONValue?) {
            self.resource = resource
            self.timeoutSeconds = timeoutSeconds
            self.heartbeatSeconds = heartbeatSeconds
            self.credentials = credentials
            self.integration = ServiceParameters.integration(for: resource)
        }
    }

    enum WaitSpec: Sendable {
        case seconds(NumberSource)
        /// A literal `Timestamp`, parsed at compile time.
        case timestamp(Timestamp)
        case timestampPath(Int32, source: String)
        case timestampJSONata(Int32)
    }

    struct FailSpec: Sendable {
        enum Text: Sendable {
            case none
            case constant(String)
            case path(Int32, field: String)
            /// An intrinsic function call compiled as a one-field template `{"v.$": call}`.
            case intrinsic(Int32, field: String)
            case jsonata(Int32, field: String)
        }
        var error: Text
        var cause: Text
    }

    struct ParallelSpec: Sendable {
        var branches: [Int32]  // scope indices
    }

    struct MapSpec: Sendable {
        var processor: Int32  // scope index
        var itemsPath: Int32?  // path
        var items: Int32?  // JSONata template (Items)
        var itemSelector: Int32?  // template (JSONPath) or jsonata template
        var itemSelectorIsJSONata: Bool
        var maxConcurrency: NumberSource?
        var toleratedFailureCount: NumberSource?
        var toleratedFailurePercentage: NumberSource?
    }
}
