import ASLJSON
import Foundation
import Testing

@testable import ASL

/// Random mutations of valid definitions never crash validation or compilation: each yields
/// error diagnostics or a program, and every program survives an `.aslc` round trip.
@Suite struct CompilerMutationTests {
    /// Replacement values: plausible ones (so that many mutants still validate and reach the
    /// compiler) and hostile ones.
    static let palette: [JSONValue] = [
        "$", "$.a", "$.a[0].b", "$$.Execution.Id", "$x", "$.a[?(@.b > 1)]", "$..c", "$[", "States.Format('{}', $.a)",
        "States.MathAdd(1)", "States.Nope()", "{% $states.input %}", "{% ( %}", "arn:aws:states:::lambda:invoke.sync",
        "arn:aws:lambda:us-east-1:123456789012:function:f", "Pass", "Task", "Choice", "Map", "JSONata", "JSONPath",
        "2024-01-01T00:00:00Z", "", 0, -1, 1, 2.5, 1e308, 99_999_999_999, true, false, .null, [], [:],
        ["x.$": "$.a"], ["Variable": "$.a", "IsPresent": true, "Next": "Z"], ["ErrorEquals": ["States.ALL"]],
    ]

    static let inline: [String] = [
        ProgramFileTests.rich,
        ProgramFileTests.small,
        #"{"StartAt": "A", "QueryLanguage": "JSONata", "States": {"A": {"Type": "Pass", "Output": {"v": 1}, "Assign": {"x": 2}, "Next": "C"}, "C": {"Type": "Choice", "Choices": [{"Condition": "{% true %}", "Next": "D"}], "Default": "D"}, "D": {"Type": "Succeed"}}}"#,
    ]

    static func corpus() -> [JSONValue] {
        var out = inline.compactMap { try? JSONParser.parse($0) }
        let folder = ValidatorConformanceTests.casesFolder
        for (i, name) in ValidatorConformanceTests.executed.enumerated() where i % 4 == 0 {
            if let data = try? Data(contentsOf: folder.appending(path: name)),
               let record = try? JSONParser.parse(Array(data)), let definition = record["definition"] {
                out.append(definition)
            }
        }
        return out
    }

    /// Every pointer to an object member or array element.
    static func locations(_ value: JSONValue, _ path: [String] = [], into out: inout [[String]]) {
        switch value {
        case .object(let o):
            for (key, v) in o { out.append(path + [key]); locations(v, path + [key], into: &out) }
        case .array(let a):
            for (i, v) in a.enumerated() { out.append(path + [String(i)]); locations(v, path + [String(i)], into: &out) }
        default: break
        }
    }

    /// State names anywhere in the definition (targets for `Next`/`Default`/`StartAt` swaps).
    static func stateNames(_ value: JSONValue, into out: inout [String]) {
        guard case .object(let o) = value else {
            if case .array(let a) = value { for v in a { stateNames(v, into: &out) } }
            return
        }
        if case .object(let states)? = o["States"] { out += states.keys }
        for (_, v) in o { stateNames(v, into: &out) }
    }

    enum Edit { case delete, replace(JSONValue), rename(String) }

    /// Applies `edit` at `path`; `nil` when it does not apply.
    static func apply(_ edit: Edit, at path: ArraySlice<String>, in value: JSONValue) -> JSONValue? {
        guard let token = path.first else { return nil }
        let last = path.count == 1
        switch value {
        case .object(var o):
            guard let child = o[token] else { return nil }
            if !last {
                guard let inner = apply(edit, at: path.dropFirst(), in: child) else { return nil }
                o[token] = inner
                return .object(o)
            }
            switch edit {
            case .delete: o[token] = nil
            case .replace(let v): o[token] = v
            case .rename(let name):
                var renamed = JSONObject()
                for (k, v) in o { renamed[k == token ? name : k] = v }
                o = renamed
            }
            return .object(o)
        case .array(var a):
            guard let i = Int(token), a.indices.contains(i) else { return nil }
            if !last {
                guard let inner = apply(edit, at: path.dropFirst(), in: a[i]) else { return nil }
                a[i] = inner
                return .array(a)
            }
            switch edit {
            case .delete: a.remove(at: i)
            case .replace(let v): a[i] = v
            case .rename: return nil
            }
            return .array(a)
        default:
            return nil
        }
    }

    static func value(at path: [String], in root: JSONValue) -> JSONValue? {
        var current: JSONValue? = root
        for token in path {
            switch current {
            case .object(let o)?: current = o[token]
            case .array(let a)?: current = Int(token).flatMap { a.indices.contains($0) ? a[$0] : nil }
            default: return nil
            }
        }
        return current
    }

    static func mutate(_ definition: JSONValue, using rng: inout CompilerTestRandom) -> JSONValue? {
        var locations: [[String]] = []
        Self.locations(definition, into: &locations)
        guard let path = locations.randomElement(using: &rng) else { return nil }
        var names: [String] = []
        stateNames(definition, into: &names)
        let edit: Edit
        switch Int.random(in: 0..<10, using: &rng) {
        case 0, 1: edit = .delete
        case 2: edit = .rename(names.randomElement(using: &rng) ?? "Zz")
        case 3, 4: edit = .replace(.string(names.randomElement(using: &rng) ?? "Zz"))
        case 5:
            // Copy another subtree here (a state into another scope, a rule into a template, ...).
            guard let source = locations.randomElement(using: &rng), let v = value(at: source, in: definition) else { return nil }
            edit = .replace(v)
        default: edit = .replace(palette.randomElement(using: &rng)!)
        }
        return apply(edit, at: path[...], in: definition)
    }

    @Test func mutationsYieldDiagnosticsOrAProgram() throws {
        let corpus = Self.corpus()
        #expect(corpus.count >= 3)
        var rng = CompilerTestRandom(state: 0xC0FFEE)
        var rejected = 0, compiled = 0
        for (index, original) in corpus.enumerated() {
            var definition = original
            for round in 0..<24 {
                // Every third round starts again from the original; the others stack mutations.
                if round % 3 == 0 { definition = original }
                guard let mutant = Self.mutate(definition, using: &rng) else { continue }
                definition = mutant
                let text = JSONWriter.string(mutant)
                let result = Validator.validate(text)
                guard result.isValid, let parsed = result.definition else {
                    #expect(result.diagnostics.contains { $0.severity == .error }, "definition \(index) round \(round)")
                    rejected += 1
                    continue
                }
                let machine: StateMachine
                do throws(DefinitionError) {
                    machine = try StateMachine(definition: parsed, name: "Mutant")
                } catch {
                    #expect(!error.diagnostics.isEmpty, "definition \(index) round \(round)")
                    rejected += 1
                    continue
                }
                let bytes = ProgramFile.encode(machine.program)
                let loaded = try #require(try? ProgramFile.decode(bytes), "definition \(index) round \(round): \(text)")
                #expect(Disassembler.listing(loaded) == Disassembler.listing(machine.program))
                compiled += 1
            }
        }
        #expect(rejected > 0)
        #expect(compiled > 0)
        print("CompilerMutationTests: \(rejected) mutants rejected with diagnostics, \(compiled) compiled and round-tripped")
    }
}
