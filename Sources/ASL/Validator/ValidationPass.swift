import ASLJSON

/// One run of the validator over a definition: walks the raw JSON (to see every field as
/// written) alongside the decoded model, collecting diagnostics.
struct ValidationPass {
    typealias Language = StateMachineDefinition.QueryLanguage
    typealias Kind = StateDefinition.Kind
    typealias Message = Diagnostic.Message

    let type: WorkflowType
    let root: JSONValue
    var diagnostics: [Diagnostic] = []
    /// The expressions parsed so far, for the compiler.
    var parsed = ParsedExpressions()
    var topLanguage: Language = .jsonPath
    /// Every state name in every scope → the pointer of its scope (for cross-scope messages).
    var scopesByName: [String: [JSONPointer]] = [:]

    init(type: WorkflowType, root: JSONValue) {
        self.type = type
        self.root = root
    }

    enum Scope { case top, branch, processor, iterator }

    mutating func error(_ code: String, _ message: String, at location: JSONPointer?) {
        diagnostics.append(Diagnostic(.error, code: code, message: message, location: location))
    }

    mutating func schema(_ message: String, at location: JSONPointer?) {
        error(Diagnostic.Code.schemaValidationFailed, message, at: location)
    }

    // MARK: - Field tables (ASL-REFERENCE §2.1, §2.10, §8.3)

    static let flowTypes: Set<Kind> = [.pass, .task, .wait, .parallel, .map]

    static let jsonPathFields: [Kind: Set<String>] = [
        .pass: ["Next", "End", "InputPath", "OutputPath", "Parameters", "ResultPath", "Result", "Assign"],
        .task: ["Next", "End", "InputPath", "OutputPath", "Parameters", "ResultPath", "ResultSelector", "Resource",
                "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Retry", "Catch",
                "Credentials", "Assign"],
        .choice: ["InputPath", "OutputPath", "Choices", "Default", "Assign"],
        .wait: ["Next", "End", "InputPath", "OutputPath", "Seconds", "SecondsPath", "Timestamp", "TimestampPath", "Assign"],
        .succeed: ["InputPath", "OutputPath"],
        .fail: ["Error", "ErrorPath", "Cause", "CausePath"],
        .parallel: ["Next", "End", "InputPath", "OutputPath", "Parameters", "ResultPath", "ResultSelector", "Branches",
                    "Retry", "Catch", "Assign"],
        .map: ["Next", "End", "InputPath", "OutputPath", "Parameters", "ResultPath", "ResultSelector", "ItemProcessor",
               "Iterator", "ItemsPath", "ItemSelector", "MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailureCount",
               "ToleratedFailureCountPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ItemReader",
               "ItemBatcher", "ResultWriter", "Label", "Retry", "Catch", "Assign"],
    ]

    static let jsonataFields: [Kind: Set<String>] = [
        .pass: ["Next", "End", "Output", "Assign"],
        .task: ["Next", "End", "Resource", "Arguments", "Output", "Assign", "Retry", "Catch", "TimeoutSeconds",
                "HeartbeatSeconds", "Credentials"],
        .choice: ["Choices", "Default", "Output", "Assign"],
        .wait: ["Next", "End", "Seconds", "Timestamp", "Output", "Assign"],
        .succeed: ["Output"],
        .fail: ["Error", "Cause"],
        .parallel: ["Next", "End", "Branches", "Arguments", "Output", "Assign", "Retry", "Catch"],
        .map: ["Next", "End", "Items", "ItemSelector", "ItemProcessor", "MaxConcurrency", "ToleratedFailureCount",
               "ToleratedFailurePercentage", "ItemReader", "ItemBatcher", "ResultWriter", "Label", "Output", "Assign",
               "Retry", "Catch"],
    ]

    static let commonFields: Set<String> = ["Type", "Comment", "QueryLanguage"]

    /// Reports fields outside `allowed`; a field the other query language allows gets AWS's
    /// language message instead of "not supported".
    mutating func checkFields(_ object: JSONObject, allowed: Set<String>, otherLanguage: Set<String> = [],
                              language: Language = .jsonPath, at location: JSONPointer)
    {
        for key in object.keys where !allowed.contains(key) {
            if otherLanguage.contains(key) {
                schema(Message.otherLanguageField(language, field: key), at: location)
            } else {
                schema(Message.fieldNotSupported(key), at: location)
            }
        }
    }

    mutating func requireFields(_ object: JSONObject, _ names: [String], at location: JSONPointer) -> Bool {
        let missing = names.filter { object[$0] == nil }
        if !missing.isEmpty { schema(Message.fieldsRequired(missing), at: location) }
        return missing.isEmpty
    }

    /// At most one of `names` may be present.
    mutating func exclusive(_ object: JSONObject, _ names: [String], at location: JSONPointer) {
        let present = names.filter { object[$0] != nil }
        if present.count > 1 { schema(Message.onlyOneOf(present), at: location) }
    }

    mutating func intRange(_ object: JSONObject, _ key: String, min: Int, max: Int? = nil, at base: JSONPointer) {
        guard case .number(let n)? = object[key], n.isIntegral else { return }
        let v = n.doubleValue
        if v < Double(min) { schema(Message.minimum("\(min)"), at: base / key) }
        if let max, v > Double(max) { schema(Message.maximum("\(max)"), at: base / key) }
    }

    // MARK: - Machines

    mutating func checkMachine(_ json: JSONValue, _ machine: StateMachineDefinition, topLevel: Bool) {
        if topLevel {
            topLanguage = machine.queryLanguage
            machine.forEachScope { scope in
                for s in scope.states { scopesByName[s.name, default: []].append(scope.pointer) }
            }
        }
        checkMachineBody(json, machine, scope: topLevel ? .top : .branch)
        if topLevel { checkVariableScopes(machine, outer: []) }
    }

    mutating func checkMachineBody(_ json: JSONValue, _ machine: StateMachineDefinition, scope: Scope) {
        guard case .object(let object) = json else { return }  // reported by the decoder
        let p = machine.pointer
        var allowed: Set<String> = ["StartAt", "States", "Comment"]
        switch scope {
        case .top: allowed.formUnion(["Version", "TimeoutSeconds", "QueryLanguage"])
        case .processor, .iterator: allowed.insert("ProcessorConfig")  // AWS accepts it on a legacy Iterator too
        case .branch: break
        }
        checkFields(object, allowed: allowed, at: p)
        let complete = requireFields(object, ["States", "StartAt"], at: p)
        if scope == .top { intRange(object, "TimeoutSeconds", min: 1, max: 99_999_999, at: p) }
        if case .object(let config)? = object["ProcessorConfig"] {
            checkFields(config, allowed: ["Mode", "ExecutionType"], at: p / "ProcessorConfig")
            if case .string(let t)? = config["ExecutionType"], t != "STANDARD", t != "EXPRESS" {
                schema(Message.oneOfValues("ExecutionType", ["STANDARD", "EXPRESS"]), at: p / "ProcessorConfig" / "ExecutionType")
            }
        }
        if case .object(let states)? = object["States"] {
            if states.isEmpty { schema(Message.valueCannotBeEmpty, at: p / "States") }
            for (i, (name, value)) in states.enumerated() where i < machine.states.count {
                checkState(name: name, value, machine.states[i])
            }
        }
        if complete, case .object = object["States"], case .string = object["StartAt"] {
            checkGraph(machine)
        }
    }

    // MARK: - Graph (transitions, reachability, terminal states)

    mutating func checkGraph(_ machine: StateMachineDefinition) {
        let p = machine.pointer
        var edges: [[Int]] = Array(repeating: [], count: machine.states.count)
        for (i, state) in machine.states.enumerated() {
            for (target, location) in state.transitions {
                if let j = machine.index(of: target) {
                    edges[i].append(j)
                } else {
                    let elsewhere = scopesByName[target]?.first(where: { $0 != p }).map { Validator.awsLocation($0, in: root) }
                    error(Diagnostic.Code.missingTransitionTarget, Message.missingNext(target, elsewhere: elsewhere), at: location)
                }
            }
        }
        let start = machine.startIndex
        if start == nil {
            error(Diagnostic.Code.missingTransitionTarget, Message.missingStartAt(machine.startAt), at: p / "StartAt")
        }
        guard machine.states.contains(where: { $0.isTerminal }) else {
            error(Diagnostic.Code.missingEndState, Message.noTerminalState, at: p.tokens.isEmpty ? nil : p)
            return
        }
        guard let start else { return }
        var seen = Array(repeating: false, count: machine.states.count)
        var stack = [start]
        seen[start] = true
        while let i = stack.popLast() {
            for j in edges[i] where !seen[j] {
                seen[j] = true
                stack.append(j)
            }
        }
        for (i, state) in machine.states.enumerated() where !seen[i] {
            error(Diagnostic.Code.missingTransitionTarget, Message.unreachable(state.name), at: state.pointer)
        }
    }
}
