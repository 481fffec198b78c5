import ASLJSON

/// Lowers a validated ``StateMachineDefinition`` to a ``Program``.
///
/// Every name is resolved here: transitions become state indices, paths and templates become
/// their compiled forms, constants become pool entries. The VM never sees the definition.
struct Compiler {
    private var code: [Op] = []
    private var states: [Program.StateInfo] = []
    private var scopes: [Program.Scope] = []
    private var paths: [JSONPath] = []
    private var referencePaths: [ReferencePath] = []
    private var templates: [PayloadTemplate] = []
    private var jsonataTemplates: [JSONataTemplate] = []
    private var constants: [JSONValue] = []
    private var assigns: [Program.AssignSpec] = []
    private var choices: [Program.ChoiceSpec] = []
    private var tasks: [Program.TaskSpec] = []
    private var waits: [Program.WaitSpec] = []
    private var fails: [Program.FailSpec] = []
    private var parallels: [Program.ParallelSpec] = []
    private var maps: [Program.MapSpec] = []
    private var diagnostics: [Diagnostic] = []
    /// What the validator already parsed.
    private var parsed = ParsedExpressions()

    /// Compiles `definition`; expression errors the validator did not catch come back as diagnostics.
    ///
    /// - Parameter parsed: expressions the validator parsed (``Compiler/validateAndCompile(_:type:)``);
    ///   anything not there is parsed here.
    static func compile(_ definition: StateMachineDefinition, parsed: ParsedExpressions = ParsedExpressions()) -> Result<Program, DefinitionError> {
        var compiler = Compiler()
        compiler.parsed = parsed
        _ = compiler.reserveScope(definition)
        // Nested scopes are compiled after the scope that contains them, so that each state's ops stay contiguous.
        while let (index, machine) = compiler.pending.first {
            compiler.pending.removeFirst()
            compiler.compileScope(machine, index: index)
        }
        if !compiler.diagnostics.isEmpty { return .failure(DefinitionError(diagnostics: compiler.diagnostics)) }
        let c = compiler
        let program = Program(
            code: c.code, states: c.states, scopes: c.scopes,
            queryLanguage: definition.queryLanguage == .jsonata ? .jsonata : .jsonPath,
            timeoutSeconds: definition.timeoutSeconds, paths: c.paths, referencePaths: c.referencePaths,
            templates: c.templates, jsonataTemplates: c.jsonataTemplates, constants: c.constants, assigns: c.assigns,
            choices: c.choices, tasks: c.tasks, waits: c.waits, fails: c.fails, parallels: c.parallels, maps: c.maps)
        return .success(program)
    }

    // MARK: - Scopes

    private var pending: [(Int32, StateMachineDefinition)] = []

    /// Gives a scope its index now and compiles it later.
    private mutating func reserveScope(_ machine: StateMachineDefinition) -> Int32 {
        scopes.append(Program.Scope(startState: 0))
        pending.append((Int32(scopes.count - 1), machine))
        return Int32(scopes.count - 1)
    }

    /// Compiles one scope. States get global indices in scope order.
    private mutating func compileScope(_ machine: StateMachineDefinition, index: Int32) {
        let scopeIndex = Int(index)
        let base = states.count
        scopes[scopeIndex] = Program.Scope(startState: Int32(base + (machine.startIndex ?? 0)))
        // Reserve the indices first so that transitions can be resolved while emitting.
        for state in machine.states {
            states.append(Program.StateInfo(
                name: state.name, kind: Program.StateKind(rawValue: state.type.rawValue) ?? .pass, scope: scopeIndex,
                queryLanguage: state.queryLanguage == .jsonata ? .jsonata : .jsonPath, entry: 0, body: 0, retriers: [], catchers: []))
        }
        func target(_ name: String?) -> Int32 { Int32(base + (name.flatMap { machine.index(of: $0) } ?? 0)) }
        for (i, state) in machine.states.enumerated() {
            emit(state, index: base + i, target: target)
        }
    }

    // MARK: - States

    private mutating func emit(_ s: StateDefinition, index: Int, target: (String?) -> Int32) {
        states[index].entry = code.count
        code.append(.enter(Int32(index)))
        states[index].body = code.count
        let jsonata = s.queryLanguage == .jsonata
        let at = s.pointer
        states[index].retriers = s.retry.map {
            Program.Retrier(errorEquals: $0.errorEquals, intervalSeconds: Double($0.intervalSeconds), maxAttempts: $0.maxAttempts,
                            backoffRate: $0.backoffRate, maxDelaySeconds: $0.maxDelaySeconds.map(Double.init), jitterFull: $0.jitterStrategy == .full)
        }
        states[index].catchers = s.catchers.enumerated().map { (i, c) in
            Program.Catcher(errorEquals: c.errorEquals, next: target(c.next), resultPath: resultPathSpec(c.resultPath, at: c.pointer / "ResultPath"),
                            output: c.output.map { jsonataTemplate($0, at: c.pointer / "Output", field: "Output") },
                            assign: c.assign.map { assign($0, jsonata: jsonata, at: c.pointer / "Assign") })
        }
        let transfer: Op = s.end || s.type == .succeed ? .end : .next(target(s.next))

        if jsonata {
            emitJSONata(s, at: at, transfer: transfer, target: target)
            return
        }
        switch s.type {
        case .fail:
            code.append(.fail(failSpec(s, at: at)))
            return
        case .choice:
            inputPath(s)
            code.append(.outputFromValue)
            outputPath(s)
            if let a = s.assign { code.append(.assign(assign(a, jsonata: false, at: at / "Assign"))) }
            code.append(.choose(choiceSpec(s, at: at, target: target)))
            return
        case .wait, .succeed:
            inputPath(s)
            if s.type == .wait { code.append(.wait(waitSpec(s, at: at))) }
            code.append(.outputFromValue)
            outputPath(s)
        case .pass:
            inputPath(s)
            if let p = s.parameters { code.append(.parameters(template(p, at: at / "Parameters"))) }
            if let r = s.result { code.append(.resultConstant(constant(r))) } else { code.append(.resultFromValue) }
            resultPath(s)
            outputPath(s)
        case .task:
            inputPath(s)
            if let p = s.parameters { code.append(.parameters(template(p, at: at / "Parameters"))) }
            code.append(.invoke(taskSpec(s, at: at)))
            if let r = s.resultSelector { code.append(.resultSelector(template(r, at: at / "ResultSelector"))) }
            resultPath(s)
            outputPath(s)
        case .parallel:
            inputPath(s)
            if let p = s.parameters { code.append(.parameters(template(p, at: at / "Parameters"))) }
            let branches = s.branches.map { reserveScope($0) }
            parallels.append(Program.ParallelSpec(branches: branches))
            code.append(.parallel(Int32(parallels.count - 1)))
            if let r = s.resultSelector { code.append(.resultSelector(template(r, at: at / "ResultSelector"))) }
            resultPath(s)
            outputPath(s)
        case .map:
            inputPath(s)
            code.append(.map(mapSpec(s, at: at, jsonata: false)))
            if let r = s.resultSelector { code.append(.resultSelector(template(r, at: at / "ResultSelector"))) }
            resultPath(s)
            outputPath(s)
        }
        if let a = s.assign, s.type != .succeed {
            // Assign reads the pre-OutputPath view, so it goes before OutputPath's effect is observed;
            // its values are committed on exit.
            insertAssignBeforeOutputPath(assign(a, jsonata: false, at: at / "Assign"))
        }
        code.append(.checkSize)
        code.append(transfer)
    }

    private mutating func insertAssignBeforeOutputPath(_ a: Int32) {
        // The view Assign reads (input or result registers) is unaffected by OutputPath, so order
        // only matters for error precedence: AWS evaluates Assign before OutputPath.
        if let last = code.last, last.code == .outputPath || last.code == .outputNull {
            code.insert(.assign(a), at: code.count - 1)
        } else {
            code.append(.assign(a))
        }
    }

    private mutating func emitJSONata(_ s: StateDefinition, at: JSONPointer, transfer: Op, target: (String?) -> Int32) {
        switch s.type {
        case .fail:
            code.append(.fail(failSpec(s, at: at)))
            return
        case .choice:
            if let a = s.assign { code.append(.assign(assign(a, jsonata: true, at: at / "Assign"))) }
            if let o = s.output { code.append(.jsonataOutput(jsonataTemplate(o, at: at / "Output", field: "Output"))) } else { code.append(.outputFromValue) }
            code.append(.choose(choiceSpec(s, at: at, target: target)))
            return
        case .pass, .succeed:
            break
        case .wait:
            code.append(.wait(waitSpec(s, at: at)))
        case .task:
            if let a = s.arguments { code.append(.arguments(jsonataTemplate(a, at: at / "Arguments", field: "Arguments"))) }
            code.append(.invoke(taskSpec(s, at: at)))
        case .parallel:
            if let a = s.arguments { code.append(.arguments(jsonataTemplate(a, at: at / "Arguments", field: "Arguments"))) }
            let branches = s.branches.map { reserveScope($0) }
            parallels.append(Program.ParallelSpec(branches: branches))
            code.append(.parallel(Int32(parallels.count - 1)))
        case .map:
            code.append(.map(mapSpec(s, at: at, jsonata: true)))
        }
        if let a = s.assign, s.type != .succeed { code.append(.assign(assign(a, jsonata: true, at: at / "Assign"))) }
        if let o = s.output {
            code.append(.jsonataOutput(jsonataTemplate(o, at: at / "Output", field: "Output")))
        } else if s.type == .task || s.type == .parallel || s.type == .map {
            code.append(.resultReplace)
        } else {
            code.append(.outputFromValue)
        }
        code.append(.checkSize)
        code.append(transfer)
    }

    // MARK: - Input/output stages

    private mutating func inputPath(_ s: StateDefinition) {
        switch s.inputPath {
        case .absent: break
        case .null: code.append(.inputNull)
        case .path(let p): if p != "$" { code.append(.inputPath(path(p, at: s.pointer / "InputPath"))) }
        }
    }

    private mutating func outputPath(_ s: StateDefinition) {
        switch s.outputPath {
        case .absent: break
        case .null: code.append(.outputNull)
        case .path(let p): if p != "$" { code.append(.outputPath(path(p, at: s.pointer / "OutputPath"))) }
        }
    }

    private mutating func resultPath(_ s: StateDefinition) {
        switch resultPathSpec(s.resultPath, at: s.pointer / "ResultPath") {
        case .replace: code.append(.resultReplace)
        case .discard: code.append(.resultDiscard)
        case .path(let r): code.append(.resultPath(r))
        }
    }

    private mutating func resultPathSpec(_ field: StateDefinition.PathField, at: JSONPointer) -> Program.ResultPathSpec {
        switch field {
        case .absent: return .replace
        case .null: return .discard
        case .path(let p):
            if p == "$" { return .replace }
            do throws(ExpressionCompileError) {
                if let path = parsed.paths[p] {
                    referencePaths.append(try ReferencePath(path: path))
                } else {
                    referencePaths.append(try ReferencePath(p))
                }
            } catch {
                report(error, at: at)
                referencePaths.append(try! ReferencePath("$"))
            }
            return .path(Int32(referencePaths.count - 1))
        }
    }

    // MARK: - Pools

    private mutating func report(_ error: StatesError, at: JSONPointer) {
        diagnostics.append(Diagnostic(code: Diagnostic.Code.schemaValidationFailed, message: error.cause ?? error.error, location: at))
    }

    private mutating func report(_ error: ExpressionCompileError, at: JSONPointer) {
        diagnostics.append(Diagnostic(code: Diagnostic.Code.schemaValidationFailed, message: error.message, location: at))
    }

    private mutating func path(_ text: String, at: JSONPointer) -> Int32 {
        if let path = parsed.paths[text] {
            paths.append(path)
            return Int32(paths.count - 1)
        }
        do throws(ExpressionCompileError) {
            paths.append(try JSONPath(text))
        } catch {
            report(error, at: at)
            paths.append(try! JSONPath("$"))
        }
        return Int32(paths.count - 1)
    }

    private mutating func template(_ value: JSONValue, at: JSONPointer) -> Int32 {
        do throws(ExpressionCompileError) {
            templates.append(try PayloadTemplate(value, parsed: parsed.dynamicValues))
        } catch {
            report(error, at: at)
            templates.append(try! PayloadTemplate(.object(JSONObject())))
        }
        return Int32(templates.count - 1)
    }

    private mutating func jsonataTemplate(_ value: JSONValue, at: JSONPointer, field: String) -> Int32 {
        if let template = parsed.jsonata[.init(location: at, name: field)] {
            jsonataTemplates.append(template)
            return Int32(jsonataTemplates.count - 1)
        }
        do throws(StatesError) {
            jsonataTemplates.append(try JSONataTemplate(value, field: field))
        } catch {
            report(error, at: at)
            jsonataTemplates.append(JSONataTemplate(constant: .null, field: field))
        }
        return Int32(jsonataTemplates.count - 1)
    }

    private mutating func constant(_ value: JSONValue) -> Int32 {
        constants.append(value)
        return Int32(constants.count - 1)
    }

    private mutating func assign(_ value: JSONValue, jsonata: Bool, at: JSONPointer) -> Int32 {
        if jsonata {
            let t = jsonataTemplate(value, at: at, field: "Assign")
            assigns.append(.jsonata(jsonataTemplates[Int(t)]))
        } else {
            let t = template(value, at: at)
            assigns.append(.jsonPath(templates[Int(t)]))
        }
        return Int32(assigns.count - 1)
    }

    private mutating func number(_ operand: StateDefinition.Operand<Int>?, field: String, at: JSONPointer) -> Program.NumberSource? {
        guard let operand else { return nil }
        switch operand {
        case .literal(let v): return .constant(Double(v))
        case .path(let p): return .path(path(p, at: at / (field + "Path")), field: field + "Path")
        case .jsonata(let j): return .jsonata(jsonataTemplate(.string(j), at: at / field, field: field), field: field)
        }
    }

    private mutating func number(_ operand: StateDefinition.Operand<Double>?, field: String, at: JSONPointer) -> Program.NumberSource? {
        guard let operand else { return nil }
        switch operand {
        case .literal(let v): return .constant(v)
        case .path(let p): return .path(path(p, at: at / (field + "Path")), field: field + "Path")
        case .jsonata(let j): return .jsonata(jsonataTemplate(.string(j), at: at / field, field: field), field: field)
        }
    }

    private mutating func taskSpec(_ s: StateDefinition, at: JSONPointer) -> Int32 {
        tasks.append(Program.TaskSpec(
            resource: s.resource ?? "",
            timeoutSeconds: number(s.timeoutSeconds, field: "TimeoutSeconds", at: at),
            heartbeatSeconds: number(s.heartbeatSeconds, field: "HeartbeatSeconds", at: at),
            credentials: s.credentials))
        return Int32(tasks.count - 1)
    }

    private mutating func waitSpec(_ s: StateDefinition, at: JSONPointer) -> Int32 {
        let spec: Program.WaitSpec
        if let seconds = number(s.seconds, field: "Seconds", at: at) {
            spec = .seconds(seconds)
        } else {
            switch s.timestamp {
            case .literal(let t)?:
                // The validator checked the literal; a definition built in code may not have been.
                if let timestamp = Timestamp(t) {
                    spec = .timestamp(timestamp)
                } else {
                    diagnostics.append(.schema(Diagnostic.Message.notRFC3339Timestamp, at: at / "Timestamp"))
                    spec = .seconds(.constant(0))
                }
            case .path(let p)?: spec = .timestampPath(path(p, at: at / "TimestampPath"), source: p)
            case .jsonata(let j)?: spec = .timestampJSONata(jsonataTemplate(.string(j), at: at / "Timestamp", field: "Timestamp"))
            case nil: spec = .seconds(.constant(0))
            }
        }
        waits.append(spec)
        return Int32(waits.count - 1)
    }

    private mutating func failSpec(_ s: StateDefinition, at: JSONPointer) -> Int32 {
        func text(_ operand: StateDefinition.Operand<String>?, _ field: String) -> Program.FailSpec.Text {
            switch operand {
            case nil: return .none
            case .literal(let v)?: return .constant(v)
            case .path(let p)?:
                if p.hasPrefix("States.") {
                    return .intrinsic(template(["v.$": .string(p)], at: at / (field + "Path")), field: field + "Path")
                }
                return .path(path(p, at: at / (field + "Path")), field: field + "Path")
            case .jsonata(let j)?: return .jsonata(jsonataTemplate(.string(j), at: at / field, field: field), field: field)
            }
        }
        fails.append(Program.FailSpec(error: text(s.error, "Error"), cause: text(s.cause, "Cause")))
        return Int32(fails.count - 1)
    }

    private mutating func choiceSpec(_ s: StateDefinition, at: JSONPointer, target: (String?) -> Int32) -> Int32 {
        var rules: [Program.ChoiceSpec.Rule] = []
        for rule in s.choices {
            let ruleAt = rule.pointer
            let assignIndex = rule.assign.map { assign($0, jsonata: s.queryLanguage == .jsonata, at: ruleAt / "Assign") }
            let outputIndex = rule.output.map { jsonataTemplate($0, at: ruleAt / "Output", field: "Output") }
            let condition: Program.ChoiceSpec.RuleCondition
            if case .jsonata(let conditionValue) = rule.condition {
                let source = conditionValue.stringValue ?? conditionValue.description
                let template = parsed.jsonata[.init(location: ruleAt / "Condition", name: "Condition")]
                    ?? JSONataTemplate.orConstant(conditionValue, field: "Condition", report: { diagnostics.append(Diagnostic(code: Diagnostic.Code.schemaValidationFailed, message: $0, location: ruleAt / "Condition")) })
                condition = .jsonata(template, source: source)
            } else {
                do throws(ExpressionCompileError) {
                    condition = .jsonPath(try ChoiceCondition(rule.condition, paths: parsed.paths))
                } catch {
                    report(error, at: ruleAt)
                    continue
                }
            }
            rules.append(Program.ChoiceSpec.Rule(condition: condition, next: target(rule.next), assign: assignIndex, output: outputIndex))
        }
        choices.append(Program.ChoiceSpec(rules: rules, defaultState: s.defaultNext.map { target($0) }))
        return Int32(choices.count - 1)
    }

    private mutating func mapSpec(_ s: StateDefinition, at: JSONPointer, jsonata: Bool) -> Int32 {
        let processor = s.itemProcessor.map { reserveScope($0) } ?? 0
        var spec = Program.MapSpec(processor: processor, itemsPath: nil, items: nil, itemSelector: nil, itemSelectorIsJSONata: jsonata,
                                   maxConcurrency: number(s.maxConcurrency, field: "MaxConcurrency", at: at),
                                   toleratedFailureCount: number(s.toleratedFailureCount, field: "ToleratedFailureCount", at: at),
                                   toleratedFailurePercentage: number(s.toleratedFailurePercentage, field: "ToleratedFailurePercentage", at: at))
        if jsonata {
            if let items = s.items { spec.items = jsonataTemplate(items, at: at / "Items", field: "Items") }
            if let sel = s.itemSelector { spec.itemSelector = jsonataTemplate(sel, at: at / "ItemSelector", field: "ItemSelector") }
        } else {
            if case .path(let p) = s.itemsPath, p != "$" { spec.itemsPath = path(p, at: at / "ItemsPath") }
            if let sel = s.effectiveItemSelector { spec.itemSelector = template(sel, at: at / (s.itemSelector != nil ? "ItemSelector" : "Parameters")) }
        }
        maps.append(spec)
        return Int32(maps.count - 1)
    }
}
