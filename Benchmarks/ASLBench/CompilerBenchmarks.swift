import ASL
import ASLJSON
import Dispatch
import Foundation

/// Compiler stage: validate, lower, `.aslc` encode and `.aslc` load of a generated machine.
///
/// `swift run -c release ASLBench compiler [--states N] [--runs N]` (defaults: 1000 states, 21 runs);
/// `--profile-load N` only loads the `.aslc` file N times (for a profiler).
/// Targets (issue 3): compile < 20 ms for 1000 states; `.aslc` load faster than compiling.
enum CompilerBenchmarks {
    static func run(_ arguments: [String]) {
        func option(_ name: String, _ fallback: Int) -> Int {
            guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let v = Int(arguments[i + 1]) else { return fallback }
            return v
        }
        let stateCount = option("--states", 1000)
        let runs = max(1, option("--runs", 21))
        let text = JSONWriter.string(generate(states: stateCount))

        let validation = Validator.validate(text)
        guard validation.isValid, let definition = validation.definition else {
            print("Compiler: the generated definition is invalid:")
            for d in validation.diagnostics.prefix(10) { print("  \(d)") }
            return
        }
        let machine: StateMachine
        do { machine = try StateMachine(definition: definition, name: "Bench") } catch {
            print("Compiler: the generated definition does not compile: \(error)")
            return
        }
        let bytes = ProgramFile.encode(machine.program)
        do { _ = try ProgramFile.decode(bytes) } catch {
            print("Compiler: the .aslc file does not load: \(error)")
            return
        }

        var sink = 0
        if let loops = arguments.firstIndex(of: "--profile-load").map({ _ in option("--profile-load", 200) }) {
            // Only loads, for a profiler: `perf record ASLBench compiler --profile-load 500`.
            for _ in 0..<loops { sink &+= ((try? ProgramFile.decode(bytes))?.code.count ?? 0) }
            print("Compiler: \(loops) loads done (\(sink) ops)")
            return
        }
        let validate = median(runs) { sink &+= Validator.validate(text).diagnostics.count }
        let lower = median(runs) { sink &+= ((try? StateMachine(definition: definition, name: "Bench")) != nil ? 1 : 0) }
        let total = median(runs) { sink &+= ((try? StateMachine(definition: text, name: "Bench")) != nil ? 1 : 0) }
        let encode = median(runs) { sink &+= ProgramFile.encode(machine.program).count }
        let load = median(runs) { sink &+= ((try? ProgramFile.decode(bytes))?.code.count ?? 0) }

        let program = machine.program
        print("Compiler: generated machine: \(program.states.count) states (\(stateCount) top level), \(program.scopes.count) scopes, \(program.code.count) ops; definition \(text.utf8.count) bytes; median of \(runs) runs")
        print("  validate (parse + check)     \(ms(validate))")
        print("  compile (lower)              \(ms(lower))")
        print("  total (text → program)       \(ms(total))   target < 20 ms")
        print("  .aslc encode                 \(ms(encode))   \(bytes.count) bytes (\(percent(bytes.count, text.utf8.count)) of the definition)")
        print("  .aslc load                   \(ms(load))   \(String(format: "%.1f", Double(total) / Double(max(1, load))))× faster than validate + compile, \(String(format: "%.1f", Double(lower) / Double(max(1, load))))× faster than lowering alone")
        if sink == 42 { print("") }  // keeps the measured work observable
    }

    /// Median wall time of `runs` calls, in nanoseconds, after one warm-up call.
    static func median(_ runs: Int, _ body: () -> Void) -> UInt64 {
        body()
        var times: [UInt64] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(DispatchTime.now().uptimeNanoseconds - start)
        }
        return times.sorted()[runs / 2]
    }

    static func ms(_ ns: UInt64) -> String {
        let s = String(format: "%8.3f ms", Double(ns) / 1e6)
        return s
    }

    static func percent(_ a: Int, _ b: Int) -> String { String(format: "%.0f%%", 100 * Double(a) / Double(max(1, b))) }

    /// A JSONPath machine of `states` top-level states cycling through Pass (Parameters +
    /// ResultPath), Task (every I/O field, Retry, Catch), Choice (two rules + Default) and, every
    /// 100th state, a Map with a two-state processor; the last state is a Fail the Catches target.
    static func generate(states count: Int) -> JSONValue {
        let n = max(2, count)
        var states = JSONObject(minimumCapacity: n)
        func name(_ i: Int) -> JSONValue { .string(i == n - 2 ? "Done" : "S\(i)") }
        for i in 0..<(n - 2) {
            let next = name(i + 1)
            let state: JSONValue
            if i % 100 == 99 {
                state = [
                    "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 4,
                    "ItemSelector": ["item.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "step": .int(i)],
                    "ItemProcessor": [
                        "ProcessorConfig": ["Mode": "INLINE"], "StartAt": "Shape",
                        "States": [
                            "Shape": ["Type": "Pass", "Parameters": ["v.$": "$.item", "i.$": "$.index"], "Next": "Emit"],
                            "Emit": ["Type": "Pass", "OutputPath": "$.v", "End": true],
                        ],
                    ],
                    "ResultPath": "$.mapped", "Next": next,
                ]
            } else {
                switch i % 4 {
                case 0:
                    state = ["Type": "Pass", "Parameters": ["step": .int(i), "value.$": "$.value", "label.$": "States.Format('step {}', $.value)"],
                             "ResultPath": .string("$.p\(i % 7)"), "Next": next]
                case 1:
                    state = ["Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:work",
                             "InputPath": "$", "Parameters": ["FunctionName": "work", "Payload": ["value.$": "$.value", "step": .int(i)]],
                             "ResultSelector": ["value.$": "$.value"], "ResultPath": "$.result", "OutputPath": "$",
                             "TimeoutSeconds": 30,
                             "Retry": [["ErrorEquals": ["States.Timeout", "Flaky"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0]],
                             "Catch": [["ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"]],
                             "Next": next]
                case 2:
                    state = ["Type": "Choice",
                             "Choices": [
                                 ["And": [["Variable": "$.value", "NumericGreaterThan": .int(i)], ["Variable": "$.flag", "BooleanEquals": true]], "Next": next],
                                 ["Variable": "$.kind", "StringMatches": "big*", "Next": next],
                             ],
                             "Default": next]
                default:
                    state = ["Type": "Pass", "Result": ["constant": .int(i), "list": [1, 2, 3]], "ResultPath": "$.c", "Next": next]
                }
            }
            states.setValue(state, forKey: name(i).stringValue!)
        }
        states.setValue(["Type": "Succeed"], forKey: "Done")
        states.setValue(["Type": "Fail", "Error": "Failed", "CausePath": "$.error.Cause"], forKey: "Failed")
        return ["Comment": "generated by ASLBench compiler", "StartAt": name(0), "States": .object(states)]
    }
}
