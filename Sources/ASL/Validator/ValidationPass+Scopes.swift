import ASLJSON

/// Variable scopes (ASL-REFERENCE §9.3): each Parallel branch and Map iteration is an inner
/// scope that reads the variables of the scopes around it but cannot assign a name that
/// exists there. A name exists when a state that can run before the Parallel or Map state
/// (one from which it is reachable) assigns it: AWS accepts a branch assigning the same name
/// as the Parallel's own Catch `Assign`, which writes the enclosing scope only afterwards.
/// Whatever the definition, an inner scope only ever writes its own variables
/// (`VariableScope.set`), so concurrent branches and iterations share nothing mutable.
extension ValidationPass {
    /// Checks the nested scopes of `machine`; `outer` holds the names that exist around it.
    mutating func checkVariableScopes(_ machine: StateMachineDefinition, outer: Set<String>) {
        let assigned = machine.states.map(Self.assignments)
        var predecessors: [[Int]] = Array(repeating: [], count: machine.states.count)
        for (i, state) in machine.states.enumerated() {
            for (target, _) in state.transitions {
                if let j = machine.index(of: target) { predecessors[j].append(i) }
            }
        }
        for (f, state) in machine.states.enumerated() where !state.branches.isEmpty || state.itemProcessor != nil {
            // The states that can run before `f`: its predecessors, transitively (itself too
            // when it is on a loop).
            var seen = Array(repeating: false, count: machine.states.count)
            var stack = predecessors[f]
            var names = outer
            while let p = stack.popLast() {
                if seen[p] { continue }
                seen[p] = true
                for (name, _) in assigned[p] { names.insert(name) }
                stack.append(contentsOf: predecessors[p])
            }
            var inner = state.branches
            if let processor = state.itemProcessor { inner.append(processor) }
            for scope in inner {
                if !names.isEmpty {
                    for s in scope.states {
                        for (name, location) in Self.assignments(s) where names.contains(name) {
                            schema(Message.outerScopeVariable(name), at: location)
                        }
                    }
                }
                checkVariableScopes(scope, outer: names)
            }
        }
    }

    /// The variable names a state assigns (state, Choice rule and catcher `Assign`), each with
    /// the location of its `Assign` field.
    static func assignments(_ state: StateDefinition) -> [(String, JSONPointer)] {
        var out: [(String, JSONPointer)] = []
        func collect(_ assign: JSONValue?, at location: JSONPointer) {
            guard case .object(let o)? = assign else { return }
            for key in o.keys {
                let name = key.hasSuffix(".$") && state.queryLanguage == .jsonPath ? String(key.dropLast(2)) : key
                out.append((name, location))
            }
        }
        collect(state.assign, at: state.pointer / "Assign")
        for rule in state.choices { collect(rule.assign, at: rule.pointer / "Assign") }
        for catcher in state.catchers { collect(catcher.assign, at: catcher.pointer / "Assign") }
        return out
    }
}
