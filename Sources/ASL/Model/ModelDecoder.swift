import ASLJSON

/// Turns definition JSON into the typed model. Never fails: a value of the wrong type is
/// reported and treated as absent. Unknown/missing fields and semantic rules are the
/// ``Validator``'s business, not the decoder's.
struct ModelDecoder {
    var diagnostics: [Diagnostic] = []
    /// The top level's language, which every nested state inherits (AWS ignores a Map's or
    /// Parallel's own `QueryLanguage` for the states inside it).
    var topLanguage: StateMachineDefinition.QueryLanguage = .jsonPath

    // MARK: - Type messages

    mutating func typeMismatch(_ field: String, expected: String, got: JSONValue, at location: JSONPointer) {
        diagnostics.append(.schema(Diagnostic.Message.fieldType(field, expected, got), at: location))
    }

    // MARK: - Primitive readers

    mutating func string(_ object: JSONObject, _ key: String, at base: JSONPointer) -> String? {
        guard let value = object[key] else { return nil }
        if case .string(let s) = value { return s }
        typeMismatch(key, expected: "a string", got: value, at: base / key)
        return nil
    }

    mutating func bool(_ object: JSONObject, _ key: String, at base: JSONPointer) -> Bool? {
        guard let value = object[key] else { return nil }
        if case .bool(let b) = value { return b }
        typeMismatch(key, expected: "a boolean", got: value, at: base / key)
        return nil
    }

    /// An integer; numbers with a fraction, or outside `Int`, are reported.
    mutating func int(_ object: JSONObject, _ key: String, at base: JSONPointer) -> Int? {
        guard let value = object[key] else { return nil }
        if case .number(let n) = value {
            if n.isIntegral, let i = n.int64Value, let v = Int(exactly: i) { return v }
            diagnostics.append(.schema(Diagnostic.Message.notAnInteger(key, value), at: base / key))
            return nil
        }
        typeMismatch(key, expected: "an integer", got: value, at: base / key)
        return nil
    }

    mutating func number(_ object: JSONObject, _ key: String, at base: JSONPointer) -> Double? {
        guard let value = object[key] else { return nil }
        if case .number(let n) = value { return n.doubleValue }
        typeMismatch(key, expected: "a number", got: value, at: base / key)
        return nil
    }

    mutating func objectField(_ object: JSONObject, _ key: String, at base: JSONPointer) -> JSONObject? {
        guard let value = object[key] else { return nil }
        if case .object(let o) = value { return o }
        typeMismatch(key, expected: "an object", got: value, at: base / key)
        return nil
    }

    mutating func array(_ object: JSONObject, _ key: String, at base: JSONPointer) -> [JSONValue]? {
        guard let value = object[key] else { return nil }
        if case .array(let a) = value { return a }
        typeMismatch(key, expected: "an array", got: value, at: base / key)
        return nil
    }

    mutating func stringArray(_ object: JSONObject, _ key: String, at base: JSONPointer) -> [String]? {
        guard let elements = array(object, key, at: base) else { return nil }
        var out: [String] = []
        for (i, e) in elements.enumerated() {
            if case .string(let s) = e { out.append(s) } else {
                typeMismatch("\(key)[\(i)]", expected: "a string", got: e, at: base / key / i)
            }
        }
        return out
    }

    /// `InputPath`/`OutputPath`/`ResultPath`: absent, null or a string.
    mutating func pathField(_ object: JSONObject, _ key: String, at base: JSONPointer) -> StateDefinition.PathField {
        guard let value = object[key] else { return .absent }
        switch value {
        case .null: return .null
        case .string(let s): return .path(s)
        default:
            typeMismatch(key, expected: "a string or null", got: value, at: base / key)
            return .absent
        }
    }

    /// A field with a literal form `key`, a JSONPath form `key + "Path"` and, in JSONata, a
    /// `{% %}` string in `key`.
    mutating func operand<T>(_ object: JSONObject, _ key: String, at base: JSONPointer,
                             language: StateMachineDefinition.QueryLanguage,
                             literal: (inout ModelDecoder, JSONValue) -> T?) -> StateDefinition.Operand<T>?
    {
        if let value = object[key] {
            if language == .jsonata, case .string(let s) = value, StateDefinition.jsonataBody(s) != nil {
                return .jsonata(s)
            }
            return literal(&self, value).map { .literal($0) }
        }
        if let path = string(object, key + "Path", at: base) { return .path(path) }
        return nil
    }

    mutating func intOperand(_ object: JSONObject, _ key: String, at base: JSONPointer,
                             language: StateMachineDefinition.QueryLanguage) -> StateDefinition.Operand<Int>?
    {
        operand(object, key, at: base, language: language) { d, _ in d.int(object, key, at: base) }
    }

    // MARK: - Machines

    mutating func machine(_ json: JSONValue, at pointer: JSONPointer, inherited: StateMachineDefinition.QueryLanguage,
                          topLevel: Bool) -> StateMachineDefinition
    {
        guard case .object(let object) = json else {
            if !topLevel { typeMismatch(pointer.tokens.last ?? "", expected: "an object", got: json, at: pointer) }
            return StateMachineDefinition(startAt: "", states: [], queryLanguage: inherited, pointer: pointer, raw: json)
        }
        var language = inherited
        var timeout: Int?
        var version: String?
        if topLevel {
            if let text = string(object, "QueryLanguage", at: pointer) {
                if let l = StateMachineDefinition.QueryLanguage(rawValue: text) { language = l } else {
                    diagnostics.append(.schema(Diagnostic.Message.oneOfValues("QueryLanguage", ["JSONPath", "JSONata"]),
                                               at: pointer / "QueryLanguage"))
                }
            }
            topLanguage = language
            timeout = int(object, "TimeoutSeconds", at: pointer)
            version = string(object, "Version", at: pointer)
        }
        let startAt = string(object, "StartAt", at: pointer) ?? ""
        let comment = string(object, "Comment", at: pointer)
        var states: [StateDefinition] = []
        if let statesObject = objectField(object, "States", at: pointer) {
            states.reserveCapacity(statesObject.count)
            for (name, value) in statesObject {
                states.append(state(name: name, value, at: pointer / "States" / name))
            }
        }
        var mode = StateMachineDefinition.ProcessorMode.inline
        var executionType: String?
        if let config = objectField(object, "ProcessorConfig", at: pointer) {
            let configPointer = pointer / "ProcessorConfig"
            if let text = string(config, "Mode", at: configPointer) {
                if let m = StateMachineDefinition.ProcessorMode(rawValue: text) { mode = m } else {
                    diagnostics.append(.schema(Diagnostic.Message.oneOfValues("Mode", ["INLINE", "DISTRIBUTED"]),
                                               at: configPointer / "Mode"))
                }
            }
            executionType = string(config, "ExecutionType", at: configPointer)
        }
        return StateMachineDefinition(startAt: startAt, states: states, comment: comment, queryLanguage: language,
                                      timeoutSeconds: timeout, version: version, processorMode: mode,
                                      executionType: executionType, pointer: pointer, raw: json)
    }

    // MARK: - States

    mutating func state(name: String, _ json: JSONValue, at p: JSONPointer) -> StateDefinition {
        guard case .object(let o) = json else {
            typeMismatch(name, expected: "an object", got: json, at: p)
            return StateDefinition(name: name, type: .pass, queryLanguage: topLanguage, pointer: p, raw: json)
        }
        var kind = StateDefinition.Kind.pass
        if let typeName = string(o, "Type", at: p), let k = StateDefinition.Kind(rawValue: typeName) { kind = k }
        // An unknown or missing Type is reported by the validator.
        var language = topLanguage
        if let text = string(o, "QueryLanguage", at: p) {
            if let l = StateMachineDefinition.QueryLanguage(rawValue: text) { language = l } else {
                diagnostics.append(.schema(Diagnostic.Message.oneOfValues("QueryLanguage", ["JSONPath", "JSONata"]),
                                           at: p / "QueryLanguage"))
            }
        }
        var s = StateDefinition(name: name, type: kind, queryLanguage: language, pointer: p, raw: json)
        s.next = string(o, "Next", at: p)
        s.end = bool(o, "End", at: p) ?? false
        s.comment = string(o, "Comment", at: p)
        s.inputPath = pathField(o, "InputPath", at: p)
        s.outputPath = pathField(o, "OutputPath", at: p)
        s.resultPath = pathField(o, "ResultPath", at: p)
        s.parameters = o["Parameters"]
        s.resultSelector = o["ResultSelector"]
        s.result = o["Result"]
        s.arguments = o["Arguments"]
        s.output = o["Output"]
        s.assign = o["Assign"]
        s.itemSelector = o["ItemSelector"]

        switch kind {
        case .task:
            s.resource = string(o, "Resource", at: p)
            s.timeoutSeconds = intOperand(o, "TimeoutSeconds", at: p, language: language)
            s.heartbeatSeconds = intOperand(o, "HeartbeatSeconds", at: p, language: language)
            s.credentials = o["Credentials"]
        case .choice:
            s.choices = (array(o, "Choices", at: p) ?? []).enumerated().map { i, rule in
                ChoiceRule(rule, language: language, at: p / "Choices" / i)
            }
            s.defaultNext = string(o, "Default", at: p)
        case .wait:
            s.seconds = intOperand(o, "Seconds", at: p, language: language)
            s.timestamp = operand(o, "Timestamp", at: p, language: language) { d, _ in d.string(o, "Timestamp", at: p) }
        case .fail:
            s.error = operand(o, "Error", at: p, language: language) { d, _ in d.string(o, "Error", at: p) }
            s.cause = operand(o, "Cause", at: p, language: language) { d, _ in d.string(o, "Cause", at: p) }
        case .parallel:
            if let branches = array(o, "Branches", at: p) {
                s.branches = branches.enumerated().map { i, b in
                    machine(b, at: p / "Branches" / i, inherited: topLanguage, topLevel: false)
                }
            }
        case .map:
            if let processor = o["ItemProcessor"] {
                s.itemProcessor = machine(processor, at: p / "ItemProcessor", inherited: topLanguage, topLevel: false)
            } else if let iterator = o["Iterator"] {
                s.itemProcessor = machine(iterator, at: p / "Iterator", inherited: topLanguage, topLevel: false)
                s.usesIterator = true
            }
            s.itemsPath = pathField(o, "ItemsPath", at: p)
            s.items = o["Items"]
            s.maxConcurrency = intOperand(o, "MaxConcurrency", at: p, language: language)
            s.toleratedFailureCount = intOperand(o, "ToleratedFailureCount", at: p, language: language)
            s.toleratedFailurePercentage = operand(o, "ToleratedFailurePercentage", at: p, language: language) { d, _ in
                d.number(o, "ToleratedFailurePercentage", at: p)
            }
            s.itemReader = o["ItemReader"]
            s.resultWriter = o["ResultWriter"]
            s.itemBatcher = o["ItemBatcher"]
            s.label = string(o, "Label", at: p)
        case .pass, .succeed:
            break
        }
        if kind == .task || kind == .parallel || kind == .map {
            s.retry = retriers(o, at: p)
            s.catchers = catchers(o, at: p)
        }
        return s
    }

    mutating func retriers(_ o: JSONObject, at p: JSONPointer) -> [RetryRule] {
        guard let rules = array(o, "Retry", at: p) else { return [] }
        var out: [RetryRule] = []
        for (i, rule) in rules.enumerated() {
            let rp = p / "Retry" / i
            guard case .object(let r) = rule else {
                typeMismatch("Retry[\(i)]", expected: "an object", got: rule, at: rp)
                continue
            }
            var retry = RetryRule(errorEquals: stringArray(r, "ErrorEquals", at: rp) ?? [], pointer: rp)
            if let v = int(r, "IntervalSeconds", at: rp) { retry.intervalSeconds = v }
            if let v = int(r, "MaxAttempts", at: rp) { retry.maxAttempts = v }
            if let v = number(r, "BackoffRate", at: rp) { retry.backoffRate = v }
            retry.maxDelaySeconds = int(r, "MaxDelaySeconds", at: rp)
            if let text = string(r, "JitterStrategy", at: rp) {
                if let j = RetryRule.Jitter(rawValue: text) { retry.jitterStrategy = j } else {
                    diagnostics.append(.schema(Diagnostic.Message.oneOfValues("JitterStrategy", ["FULL", "NONE"]),
                                               at: rp / "JitterStrategy"))
                }
            }
            retry.comment = string(r, "Comment", at: rp)
            out.append(retry)
        }
        return out
    }

    mutating func catchers(_ o: JSONObject, at p: JSONPointer) -> [CatchRule] {
        guard let rules = array(o, "Catch", at: p) else { return [] }
        var out: [CatchRule] = []
        for (i, rule) in rules.enumerated() {
            let cp = p / "Catch" / i
            guard case .object(let c) = rule else {
                typeMismatch("Catch[\(i)]", expected: "an object", got: rule, at: cp)
                continue
            }
            out.append(CatchRule(errorEquals: stringArray(c, "ErrorEquals", at: cp) ?? [],
                                 next: string(c, "Next", at: cp) ?? "",
                                 resultPath: pathField(c, "ResultPath", at: cp),
                                 output: c["Output"], assign: c["Assign"],
                                 comment: string(c, "Comment", at: cp), pointer: cp))
        }
        return out
    }
}
