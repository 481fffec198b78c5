/// A readable listing of a program: one block of ops per state, operands resolved to names.
public enum Disassembler {
    public static func listing(_ program: Program) -> String {
        var out = ""
        for (scopeIndex, scope) in program.scopes.enumerated() {
            let start = program.states[Int(scope.startState)].name
            out += "scope \(scopeIndex) (start: \(start))\n"
            for (i, state) in program.states.enumerated() where state.scope == scopeIndex {
                out += "  state \(i) \"\(state.name)\" \(state.kind.rawValue)\(state.queryLanguage == .jsonata ? " [JSONata]" : "")\n"
                for r in state.retriers {
                    out += "    retry \(r.errorEquals) interval=\(r.intervalSeconds)s max=\(r.maxAttempts) backoff=\(r.backoffRate)\(r.maxDelaySeconds.map { " maxDelay=\($0)s" } ?? "")\(r.jitterFull ? " jitter=FULL" : "")\n"
                }
                for c in state.catchers {
                    out += "    catch \(c.errorEquals) -> \"\(program.states[Int(c.next)].name)\"\n"
                }
                var pc = state.entry
                while pc < program.code.count {
                    let op = program.code[pc]
                    out += "    \(pad(pc)) \(describe(op, program))\n"
                    pc += 1
                    if op.info.transfers { break }
                }
            }
        }
        return out
    }

    static func pad(_ pc: Int) -> String {
        let s = String(pc)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    /// `name operand`, the operand resolved through the pool its kind names.
    static func describe(_ op: Op, _ p: Program) -> String {
        func state(_ i: Int32) -> String { "\"\(p.states[Int(i)].name)\"" }
        let info = op.info
        let i = op.operand
        let n = Int(i)
        let operand: String
        switch info.operand {
        case .none: return info.name
        case .state: operand = state(i)
        case .path: operand = p.paths[n].text
        case .referencePath: operand = p.referencePaths[n].text
        case .template: operand = "template#\(i)"
        case .jsonataTemplate: operand = "jsonata#\(i)"
        case .constant: operand = "\(p.constants[n])"
        case .task: operand = p.tasks[n].resource
        case .wait: operand = "\(p.waits[n])"
        case .parallel: operand = "branches=\(p.parallels[n].branches.map { "scope \($0)" })"
        case .map: operand = "processor=scope \(p.maps[n].processor)"
        case .assign: operand = "#\(i)"
        case .choice:
            let spec = p.choices[n]
            operand = "rules=[\(spec.rules.map { state($0.next) }.joined(separator: ", "))] default=\(spec.defaultState.map(state) ?? "none")"
        case .fail: operand = "\(p.fails[n].error) \(p.fails[n].cause)"
        }
        return info.name + " " + operand
    }
}
