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
                    if isTransfer(op) { break }
                }
            }
        }
        return out
    }

    static func pad(_ pc: Int) -> String {
        let s = String(pc)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    static func isTransfer(_ op: Op) -> Bool {
        switch op {
        case .next, .end, .choose, .fail: return true
        default: return false
        }
    }

    static func describe(_ op: Op, _ p: Program) -> String {
        func state(_ i: Int32) -> String { "\"\(p.states[Int(i)].name)\"" }
        switch op {
        case .enter(let s): return "enter \(state(s))"
        case .inputPath(let i): return "inputPath \(p.paths[Int(i)].text)"
        case .inputNull: return "inputNull"
        case .parameters(let i): return "parameters template#\(i)"
        case .arguments(let i): return "arguments jsonata#\(i)"
        case .resultFromValue: return "resultFromValue"
        case .resultConstant(let i): return "resultConstant \(p.constants[Int(i)])"
        case .invoke(let i): return "invoke \(p.tasks[Int(i)].resource)"
        case .wait(let i): return "wait \(p.waits[Int(i)])"
        case .parallel(let i): return "parallel branches=\(p.parallels[Int(i)].branches.map { "scope \($0)" })"
        case .map(let i): return "map processor=scope \(p.maps[Int(i)].processor)"
        case .resultSelector(let i): return "resultSelector template#\(i)"
        case .resultPath(let i): return "resultPath \(p.referencePaths[Int(i)].text)"
        case .resultReplace: return "resultReplace"
        case .resultDiscard: return "resultDiscard"
        case .outputFromValue: return "outputFromValue"
        case .outputPath(let i): return "outputPath \(p.paths[Int(i)].text)"
        case .outputNull: return "outputNull"
        case .assign(let i): return "assign #\(i)"
        case .jsonataOutput(let i): return "output jsonata#\(i)"
        case .checkSize: return "checkSize"
        case .next(let s): return "next \(state(s))"
        case .end: return "end"
        case .choose(let i):
            let spec = p.choices[Int(i)]
            let targets = spec.rules.map { state($0.next) }.joined(separator: ", ")
            return "choose rules=[\(targets)] default=\(spec.defaultState.map(state) ?? "none")"
        case .fail(let i): return "fail \(p.fails[Int(i)].error) \(p.fails[Int(i)].cause)"
        }
    }
}
