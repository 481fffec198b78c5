import ASLJSON
import Foundation
import Testing

@testable import ASL

/// Random mutations of valid definitions (delete, retype, rename a field) never crash the
/// validator, and mutations of fields the schema constrains always yield an ERROR.
@Suite struct ValidatorMutationTests {
    /// Deterministic SplitMix64, so a failure names a reproducible seed.
    private struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private static let inline: [String] = [
        #"{"StartAt": "A", "Comment": "c", "TimeoutSeconds": 10, "States": {"A": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "Next": "T"}, "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "TimeoutSeconds": 30, "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 2, "BackoffRate": 1.5}, {"ErrorEquals": ["States.ALL"]}], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F", "ResultPath": "$.err"}], "Next": "C"}, "C": {"Type": "Choice", "Choices": [{"And": [{"Variable": "$.a", "NumericGreaterThan": 1}, {"Not": {"Variable": "$.b", "IsNull": true}}], "Next": "W"}], "Default": "F"}, "W": {"Type": "Wait", "Seconds": 1, "Next": "P"}, "P": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}], "Next": "M"}, "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "End": true}, "F": {"Type": "Fail", "Error": "E", "Cause": "c"}}}"#,
        #"{"StartAt": "A", "QueryLanguage": "JSONata", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": {"FunctionName": "f", "Payload": "{% $states.input %}"}, "Output": "{% $states.result.Payload %}", "Assign": {"v": 1}, "Next": "C"}, "C": {"Type": "Choice", "Choices": [{"Condition": "{% $v = 1 %}", "Next": "M"}], "Default": "D"}, "M": {"Type": "Map", "Items": "{% [1, 2] %}", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Wait", "Seconds": "{% 0 %}", "End": true}}}, "Next": "D"}, "D": {"Type": "Succeed", "Output": {"ok": true}}}}"#,
    ]

    /// Valid definitions to mutate: the inline ones plus a sample of the conformance cases.
    private static func corpus() -> [JSONValue] {
        var out = inline.compactMap { try? JSONParser.parse($0) }
        let folder = ValidatorConformanceTests.casesFolder
        for (i, name) in ValidatorConformanceTests.executed.enumerated() where i % 15 == 0 {
            if let data = try? Data(contentsOf: folder.appending(path: name)),
               let record = try? JSONParser.parse(Array(data)), let definition = record["definition"] {
                out.append(definition)
            }
        }
        return out
    }

    /// Fields whose content the validator does not constrain (templates, raw payloads).
    private static let freeForm: Set<String> = ["Parameters", "ResultSelector", "Result", "ItemSelector", "Arguments",
                                                "Output", "Assign", "ItemReader", "ResultWriter", "ItemBatcher", "Comment", "Items"]

    /// Every pointer to an object member or array element, with whether it lies in a constrained part.
    private static func locations(_ value: JSONValue, _ pointer: JSONPointer = .root, into out: inout [(JSONPointer, Bool)]) {
        switch value {
        case .object(let o):
            for (key, v) in o {
                let p = pointer / key
                out.append((p, !p.tokens.contains(where: freeForm.contains)))
                locations(v, p, into: &out)
            }
        case .array(let a):
            for (i, v) in a.enumerated() {
                let p = pointer / i
                out.append((p, !p.tokens.contains(where: freeForm.contains)))
                locations(v, p, into: &out)
            }
        default: break
        }
    }

    private enum Mutation: CaseIterable { case delete, retype, rename }

    /// Applies `mutation` at `pointer`; `nil` when it does not apply (e.g. renaming an array element).
    private static func mutate(_ value: JSONValue, _ tokens: ArraySlice<String>, _ mutation: Mutation) -> JSONValue? {
        guard let token = tokens.first else { return nil }
        let last = tokens.count == 1
        switch value {
        case .object(var o):
            guard let child = o[token] else { return nil }
            if last {
                switch mutation {
                case .delete: o[token] = nil
                case .retype: o[token] = retyped(child)
                case .rename:
                    var renamed = JSONObject()
                    for (k, v) in o { renamed[k == token ? k + "Zz" : k] = v }
                    o = renamed
                }
            } else {
                guard let inner = mutate(child, tokens.dropFirst(), mutation) else { return nil }
                o[token] = inner
            }
            return .object(o)
        case .array(var a):
            guard let i = Int(token), a.indices.contains(i) else { return nil }
            if last {
                switch mutation {
                case .delete: a.remove(at: i)
                case .retype: a[i] = retyped(a[i])
                case .rename: return nil
                }
            } else {
                guard let inner = mutate(a[i], tokens.dropFirst(), mutation) else { return nil }
                a[i] = inner
            }
            return .array(a)
        default:
            return nil
        }
    }

    /// A value of a different JSON type.
    private static func retyped(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string: return [42]
        case .number: return "forty-two"
        case .bool: return "yes"
        case .null: return 42
        case .object: return [1]
        case .array: return ["x": 1]
        }
    }

    @Test func mutationsNeverCrashAndConstrainedOnesYieldErrors() {
        let corpus = Self.corpus()
        #expect(corpus.count >= 2)
        var rng = SplitMix(state: 0x5EED)
        var mutated = 0
        var withDiagnostics = 0
        for round in 0..<3000 {
            let original = corpus[Int(rng.next() % UInt64(corpus.count))]
            var spots: [(JSONPointer, Bool)] = []
            Self.locations(original, into: &spots)
            guard !spots.isEmpty else { continue }
            let (pointer, constrained) = spots[Int(rng.next() % UInt64(spots.count))]
            let mutation = Mutation.allCases[Int(rng.next() % 3)]
            guard let changed = Self.mutate(original, pointer.tokens[...], mutation) else { continue }
            mutated += 1
            for type in WorkflowType.allCases {
                let result = Validator.validate(changed, type: type)
                #expect(result.isValid == (result.definition != nil))
                #expect(result.diagnostics.allSatisfy { !$0.code.isEmpty && !$0.message.isEmpty })
                if !result.diagnostics.isEmpty { withDiagnostics += 1 }
                // Renaming or retyping a constrained field is always an error (the last token
                // of a state name or a template-free field).
                if constrained, mutation != .delete, type == .standard {
                    #expect(!result.isValid, "round \(round): \(mutation) at \(pointer) left the definition valid: \(changed)")
                }
            }
        }
        #expect(mutated > 1000)
        #expect(withDiagnostics > 0)
    }

    @Test func garbageTextNeverCrashes() {
        var rng = SplitMix(state: 42)
        let pieces = ["{", "}", "[", "]", "\"StartAt\"", "\"States\"", ":", ",", "\"Type\"", "\"Pass\"", "true", "null", "1.5", "\"$.a\"", "\"States.Format(\"", " "]
        for _ in 0..<500 {
            var text = ""
            for _ in 0..<Int(rng.next() % 30) { text += pieces[Int(rng.next() % UInt64(pieces.count))] }
            let result = Validator.validate(text)
            #expect(result.isValid == (result.definition != nil))
            #expect(!result.isValid || text.contains("StartAt"))
        }
    }
}
