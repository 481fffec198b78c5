import ASLJSON

// Parallel and Map handlers: forking child frames.
extension Interpreter {
    static func fork(_ f: Frame, parallel: Program.ParallelSpec) throws(StatesError) -> Suspension? {
        let execution = f.execution
        f.lastEventId = execution.event("ParallelStateStarted", previous: f.lastEventId, details: [:])
        let input = f.value
        let branches = parallel.branches
        let previous = f.lastEventId
        let group = ChildGroup(parent: f, count: branches.count, maxConcurrency: 0, toleratedFailures: -1, isMap: false) { group, i in
            Frame(execution: execution, scope: Int(branches[i]), input: input, variables: VariableScope(parent: f.variables),
                  group: group, childIndex: i, previousEventId: previous)
        }
        if branches.isEmpty {
            f.resume = .children(.success([]))
            return nil
        }
        return .fork(group, group.initialChildren())
    }

    static func fork(_ f: Frame, map: Program.MapSpec) throws(StatesError) -> Suspension? {
        let execution = f.execution
        let program = execution.program
        let itemsValue: JSONValue
        if let p = map.itemsPath {
            itemsValue = try Bridge.selectPath(program.paths[Int(p)], in: f.value, frame: f)
        } else if let t = map.items {
            let template = program.jsonataTemplates[Int(t)]
            itemsValue = try Bridge.evaluate(template, frame: f, result: nil, errorOutput: nil, field: "Items")
            if case .array = itemsValue {} else if let source = template.singleExpressionSource {
                throw StatesError.jsonataUnexpectedType(source, field: "Items", expected: "array", itemsValue)
            }
        } else {
            itemsValue = f.value
        }
        guard case .array(let items) = itemsValue else {
            let isJSONata = program.states[f.state].queryLanguage == .jsonata
            throw StatesError.mapInputNotArray(itemsValue, jsonata: isJSONata)
        }
        // `Bridge.number` bounds integer fields to Int32, so these conversions cannot trap.
        let maxConcurrency = try map.maxConcurrency.map { s throws(StatesError) in max(Int(try Bridge.number(s, frame: f)), 0) } ?? 0  // 0: unbounded
        var tolerated = -1
        if let count = map.toleratedFailureCount {
            tolerated = Int(try Bridge.number(count, frame: f))
            guard tolerated >= 0 else { throw .toleratedFailureCountNegative }
        }
        if let percentage = map.toleratedFailurePercentage {
            let pct = try Bridge.number(percentage, frame: f)
            guard pct >= 0 && pct <= 100 else { throw .toleratedFailurePercentageRange }
            let byPct = Int((pct / 100 * Double(items.count)).rounded(.down))
            tolerated = max(tolerated, byPct)
        }
        f.lastEventId = execution.event("MapStateStarted", previous: f.lastEventId, details: ["length": .int(items.count)])
        if items.isEmpty {
            f.resume = .children(.success([]))
            return nil
        }
        let input = f.value
        let stateName = program.states[f.state].name
        let selector = map.itemSelector
        let selectorIsJSONata = map.itemSelectorIsJSONata
        let processor = Int(map.processor)
        let parentEvent = f.lastEventId
        // Item selection runs when each iteration starts, on the parent's view of the input.
        let group = ChildGroup(parent: f, count: items.count, maxConcurrency: maxConcurrency, toleratedFailures: tolerated, isMap: true) { group, i in
            let started = execution.event("MapIterationStarted", previous: parentEvent, details: ["index": .int(i), "name": .string(stateName)])
            var itemInput = items[i]
            var selectionError: StatesError?
            if let selector {
                do throws(StatesError) {
                    itemInput = selectorIsJSONata
                        ? try Bridge.evaluateItemSelectorJSONata(program.jsonataTemplates[Int(selector)], frame: f, index: i, item: items[i])
                        : try Bridge.evaluateItemSelector(program.templates[Int(selector)], input: input, frame: f, index: i, item: items[i])
                } catch { selectionError = error }
            }
            let child = Frame(execution: execution, scope: processor, input: itemInput, variables: VariableScope(parent: f.variables),
                              group: group, childIndex: i, previousEventId: started)
            if let selectionError { child.startFailure = selectionError }
            return child
        }
        return .fork(group, group.initialChildren())
    }

    /// The children's outputs in order (`result ← [outputs]`), or the error that failed the group.
    static func deliverChildren(_ outcome: Result<[JSONValue], StatesError>, to f: Frame) throws(StatesError) {
        let execution = f.execution
        switch outcome {
        case .success(let values):
            let kind = execution.program.states[f.state].kind
            f.lastEventId = execution.event(kind == .map ? "MapStateSucceeded" : "ParallelStateSucceeded", previous: f.lastEventId, details: [:])
            f.result = .array(values)
            f.inspection?.delivered(f.result)
        case .failure(let error):
            let kind = execution.program.states[f.state].kind
            f.lastEventId = execution.event(kind == .map ? "MapStateFailed" : "ParallelStateFailed", previous: f.lastEventId, details: [:])
            throw error
        }
    }
}
