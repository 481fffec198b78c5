/// Checks that a decoded ``Program`` is one the VM can run without an out-of-range access:
/// every operand and table entry indexes its pool, every state's ops run from its `enter` to a
/// transfer, transitions stay in their scope, nested scopes form a tree, and numbers the VM
/// converts to integers are finite and in the ranges the validator allows.
enum ProgramChecker {
    static func check(_ p: Program) throws(ProgramFileError) {
        var c = Checker(p)
        try c.run()
    }

    private struct Checker {
        let p: Program
        /// Which state's op run covers each pc (-1: none yet).
        var owner: [Int]
        /// The parent scope of each nested scope (-1: not referenced yet; scope 0 has none).
        var parent: [Int]

        init(_ p: Program) {
            self.p = p
            owner = Array(repeating: -1, count: p.code.count)
            parent = Array(repeating: -1, count: p.scopes.count)
        }

        func fail(_ what: String) -> ProgramFileError {
            ProgramFileError(.corrupt, "corrupt program file: \(what)")
        }

        func index(_ i: Int32?, _ count: Int, _ what: String) throws(ProgramFileError) {
            guard let i else { return }
            guard i >= 0, Int(i) < count else { throw fail("\(what) index \(i) out of range (\(count) entries)") }
        }

        /// A transition from a state of `scope` to `target`.
        func transition(_ target: Int32, from scope: Int, _ what: String) throws(ProgramFileError) {
            try index(target, p.states.count, what)
            guard p.states[Int(target)].scope == scope else { throw fail("\(what) leaves its scope") }
        }

        func seconds(_ value: Double, _ what: String, minimum: Double = 0) throws(ProgramFileError) {
            guard value.isFinite, value >= minimum, value <= 99_999_999 else { throw fail("\(what) \(value) out of range") }
        }

        func number(_ n: Program.NumberSource?, _ what: String) throws(ProgramFileError) {
            switch n {
            case nil: return
            case .constant(let v)?: try seconds(v, what)
            case .path(let i, _)?: try index(i, p.paths.count, "\(what) path")
            case .jsonata(let i, _)?: try index(i, p.jsonataTemplates.count, "\(what) JSONata")
            }
        }

        func text(_ t: Program.FailSpec.Text) throws(ProgramFileError) {
            switch t {
            case .none, .constant: return
            case .path(let i, _): try index(i, p.paths.count, "Fail path")
            case .intrinsic(let i, _): try index(i, p.templates.count, "Fail intrinsic template")
            case .jsonata(let i, _): try index(i, p.jsonataTemplates.count, "Fail JSONata")
            }
        }

        /// Records `child` as a nested scope of `scope`; the compiler numbers nested scopes after
        /// their parent, so requiring `child > scope` rules out cycles.
        mutating func nest(_ child: Int32, in scope: Int) throws(ProgramFileError) {
            try index(child, p.scopes.count, "nested scope")
            let c = Int(child)
            guard c > scope, parent[c] == -1 else { throw fail("scope \(c) is not a new nested scope of scope \(scope)") }
            parent[c] = scope
        }

        mutating func run() throws(ProgramFileError) {
            guard !p.states.isEmpty, !p.scopes.isEmpty, !p.code.isEmpty else { throw fail("empty program") }
            for (i, scope) in p.scopes.enumerated() {
                try index(scope.startState, p.states.count, "start state")
                guard p.states[Int(scope.startState)].scope == i else { throw fail("scope \(i) starts in another scope") }
            }
            for (i, s) in p.states.enumerated() { try state(s, i) }
            for (i, pc) in owner.enumerated() where pc == -1 {
                throw fail("op \(i) belongs to no state")
            }
            for c in 1..<max(1, parent.count) where parent[c] == -1 {
                throw fail("scope \(c) is not used by any Parallel or Map state")
            }
            for choice in p.choices {
                for r in choice.rules {
                    try index(r.next, p.states.count, "Choice rule Next")
                    try index(r.assign, p.assigns.count, "Choice rule Assign")
                    try index(r.output, p.jsonataTemplates.count, "Choice rule Output")
                }
                try index(choice.defaultState, p.states.count, "Choice Default")
            }
            for t in p.tasks {
                try number(t.timeoutSeconds, "TimeoutSeconds")
                try number(t.heartbeatSeconds, "HeartbeatSeconds")
            }
            for w in p.waits {
                switch w {
                case .seconds(let n): try number(n, "Seconds")
                case .timestamp: break
                case .timestampPath(let i, _): try index(i, p.paths.count, "TimestampPath")
                case .timestampJSONata(let i): try index(i, p.jsonataTemplates.count, "Timestamp JSONata")
                }
            }
            for f in p.fails {
                try text(f.error)
                try text(f.cause)
            }
            for m in p.maps {
                try index(m.itemsPath, p.paths.count, "ItemsPath")
                try index(m.items, p.jsonataTemplates.count, "Items")
                try index(m.itemSelector, m.itemSelectorIsJSONata ? p.jsonataTemplates.count : p.templates.count, "ItemSelector")
                try number(m.maxConcurrency, "MaxConcurrency")
                try number(m.toleratedFailureCount, "ToleratedFailureCount")
                if case .constant(let v)? = m.toleratedFailurePercentage { try seconds(v, "ToleratedFailurePercentage") } else {
                    try number(m.toleratedFailurePercentage, "ToleratedFailurePercentage")
                }
            }
        }

        mutating func state(_ s: Program.StateInfo, _ i: Int) throws(ProgramFileError) {
            guard s.scope >= 0, s.scope < p.scopes.count else { throw fail("state \(i) has scope \(s.scope) out of range") }
            guard s.entry >= 0, s.entry < p.code.count, p.code[s.entry] == .enter(Int32(i)), s.body == s.entry + 1 else {
                throw fail("state \(i) does not start with its enter op")
            }
            for r in s.retriers {
                try seconds(r.intervalSeconds, "IntervalSeconds")
                guard r.maxAttempts <= 99_999_999 else { throw fail("MaxAttempts \(r.maxAttempts) out of range") }
                guard r.backoffRate.isFinite, r.backoffRate >= 1 else { throw fail("BackoffRate \(r.backoffRate) out of range") }
                if let d = r.maxDelaySeconds { try seconds(d, "MaxDelaySeconds") }
            }
            for c in s.catchers {
                try transition(c.next, from: s.scope, "Catch Next")
                if case .path(let r) = c.resultPath { try index(r, p.referencePaths.count, "Catch ResultPath") }
                try index(c.output, p.jsonataTemplates.count, "Catch Output")
                try index(c.assign, p.assigns.count, "Catch Assign")
            }
            var pc = s.entry
            while true {
                guard pc < p.code.count else { throw fail("state \(i)'s ops run past the end of the code") }
                guard owner[pc] == -1 else { throw fail("op \(pc) belongs to two states") }
                owner[pc] = i
                let op = p.code[pc]
                if pc > s.entry, op.code == .enter { throw fail("state \(i)'s ops run into another state") }
                if try operands(op, state: s) { return }
                pc += 1
            }
        }

        /// Checks an op's operand against the pool its kind names (the op table), then what the
        /// table's notes add for irregular ops; returns whether the op ends its state's run.
        mutating func operands(_ op: Op, state s: Program.StateInfo) throws(ProgramFileError) -> Bool {
            let info = op.info
            let i = op.operand
            switch info.operand {
            case .none: guard i == 0 else { throw fail("\(info.name) has operand \(i) but takes none") }
            case .state: try transition(i, from: s.scope, info.name)
            default: try index(i, pool(info.operand), info.name)
            }
            switch op.code {
            case .parallel:
                for b in p.parallels[Int(i)].branches { try nest(b, in: s.scope) }
            case .map:
                try nest(p.maps[Int(i)].processor, in: s.scope)
            case .choose:
                let spec = p.choices[Int(i)]
                for r in spec.rules { try transition(r.next, from: s.scope, "Choice rule Next") }
                if let d = spec.defaultState { try transition(d, from: s.scope, "Choice Default") }
            default: break
            }
            return info.transfers
        }

        /// How many entries the pool of an operand kind has.
        func pool(_ kind: Op.Operand) -> Int {
            switch kind {
            case .none: return 0
            case .state: return p.states.count
            case .path: return p.paths.count
            case .referencePath: return p.referencePaths.count
            case .template: return p.templates.count
            case .jsonataTemplate: return p.jsonataTemplates.count
            case .constant: return p.constants.count
            case .task: return p.tasks.count
            case .wait: return p.waits.count
            case .parallel: return p.parallels.count
            case .map: return p.maps.count
            case .assign: return p.assigns.count
            case .choice: return p.choices.count
            case .fail: return p.fails.count
            }
        }
    }
}
