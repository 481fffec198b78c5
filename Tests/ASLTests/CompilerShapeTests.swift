import ASLJSON
import Testing

@testable import ASL

/// Bytecode shape: small definitions compile to exactly the ops `Documentation/Bytecode.md`
/// describes, checked against the disassembly listing.
@Suite struct CompilerShapeTests {
    static func listing(_ definition: String) throws -> String {
        Disassembler.listing(try StateMachine(definition: definition, name: "Shape").program)
    }

    /// The ops of state `name` in a listing, without their pcs.
    static func ops(_ listing: String, _ name: String) -> [String] {
        var out: [String] = []
        var inside = false
        for line in listing.split(separator: "\n") {
            if line.hasPrefix("  state ") || line.hasPrefix("scope ") {
                inside = line.hasPrefix("  state ") && line.contains(" \"\(name)\" ")
                continue
            }
            guard inside, line.hasPrefix("    "), let first = line.dropFirst(4).first, first.isNumber else { continue }
            out.append(String(line.dropFirst(4).drop { $0.isNumber }.dropFirst()))
        }
        return out
    }

    /// Machines with a single interesting state `S` followed by `Done`.
    static func single(_ state: String) -> String {
        #"{"StartAt": "S", "States": {"S": \#(state), "Done": {"Type": "Succeed"}}}"#
    }

    @Test func taskWithEveryIOFieldRunsTheStagesInOrder() throws {
        let listing = try Self.listing(Self.single(#"""
            {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
             "InputPath": "$.order", "Parameters": {"amount.$": "$.amount"}, "ResultSelector": {"id.$": "$.id"},
             "ResultPath": "$.charge", "OutputPath": "$.charge", "Next": "Done"}
            """#))
        #expect(Self.ops(listing, "S") == [
            "enter \"S\"", "inputPath $.order", "parameters template#0",
            "invoke arn:aws:lambda:us-east-1:123456789012:function:charge",
            "resultSelector template#1", "resultPath $.charge", "outputPath $.charge", "checkSize", "next \"Done\"",
        ])
    }

    @Test func defaultPathsEmitNoOps() throws {
        let listing = try Self.listing(Self.single(#"""
            {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "InputPath": "$", "OutputPath": "$", "ResultPath": "$", "Next": "Done"}
            """#))
        #expect(Self.ops(listing, "S") == [
            "enter \"S\"", "invoke arn:aws:lambda:us-east-1:123456789012:function:f", "resultReplace", "checkSize", "next \"Done\"",
        ])
    }

    @Test func nullPathsHaveTheirOwnOps() throws {
        let listing = try Self.listing(Self.single(#"""
            {"Type": "Pass", "InputPath": null, "Result": {"x": 1}, "ResultPath": null, "OutputPath": null, "Next": "Done"}
            """#))
        #expect(Self.ops(listing, "S") == [
            "enter \"S\"", "inputNull", "resultConstant {\"x\":1}", "resultDiscard", "outputNull", "checkSize", "next \"Done\"",
        ])
    }

    @Test func passWithParametersAndResultPath() throws {
        let listing = try Self.listing(Self.single(#"""
            {"Type": "Pass", "Parameters": {"v.$": "$.a"}, "ResultPath": "$.out", "Next": "Done"}
            """#))
        #expect(Self.ops(listing, "S") == [
            "enter \"S\"", "parameters template#0", "resultFromValue", "resultPath $.out", "checkSize", "next \"Done\"",
        ])
    }

    @Test func assignIsEvaluatedBeforeOutputPath() throws {
        let listing = try Self.listing(Self.single(#"""
            {"Type": "Pass", "Assign": {"seen": true}, "OutputPath": "$.a", "Next": "Done"}
            """#))
        #expect(Self.ops(listing, "S") == [
            "enter \"S\"", "resultFromValue", "resultReplace", "assign #0", "outputPath $.a", "checkSize", "next \"Done\"",
        ])
    }

    @Test func choiceCompilesToChooseWithResolvedTargets() throws {
        let listing = try Self.listing(#"""
            {"StartAt": "Classify", "States": {
              "Classify": {"Type": "Choice", "InputPath": "$.order",
                           "Choices": [{"Variable": "$.total", "NumericGreaterThan": 100, "Next": "Large"},
                                       {"Not": {"Variable": "$.total", "IsPresent": true}, "Next": "Small"}],
                           "Default": "Small"},
              "Large": {"Type": "Succeed"}, "Small": {"Type": "Succeed"}}}
            """#)
        #expect(Self.ops(listing, "Classify") == [
            "enter \"Classify\"", "inputPath $.order", "outputFromValue", "choose rules=[\"Large\", \"Small\"] default=\"Small\"",
        ])
        // A Choice ends its run with `choose`: no checkSize, no next.
        #expect(!Self.ops(listing, "Classify").contains("checkSize"))
    }

    @Test func mapProcessorIsItsOwnScope() throws {
        let listing = try Self.listing(#"""
            {"StartAt": "Each", "States": {
              "Each": {"Type": "Map", "ItemsPath": "$.items",
                       "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": true}}}, "End": true}}}
            """#)
        #expect(Self.ops(listing, "Each") == ["enter \"Each\"", "map processor=scope 1", "resultReplace", "checkSize", "end"])
        #expect(listing.contains("scope 1 (start: Item)\n  state 1 \"Item\" Pass\n"))
        #expect(Self.ops(listing, "Item") == ["enter \"Item\"", "resultFromValue", "resultReplace", "checkSize", "end"])
    }

    @Test func parallelBranchesAreScopesInOrder() throws {
        let listing = try Self.listing(#"""
            {"StartAt": "Fan", "States": {
              "Fan": {"Type": "Parallel", "Branches": [
                 {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}},
                 {"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "C"}, "C": {"Type": "Succeed"}}}],
                 "ResultSelector": {"first.$": "$[0]"}, "End": true}}}
            """#)
        #expect(Self.ops(listing, "Fan") == [
            "enter \"Fan\"", "parallel branches=[\"scope 1\", \"scope 2\"]", "resultSelector template#0", "resultReplace", "checkSize", "end",
        ])
        #expect(listing.contains("scope 1 (start: A)"))
        #expect(listing.contains("scope 2 (start: B)"))
        #expect(Self.ops(listing, "B").last == "next \"C\"")
    }

    @Test func waitAndSucceed() throws {
        let listing = try Self.listing(#"""
            {"StartAt": "W", "States": {
              "W": {"Type": "Wait", "Seconds": 5, "Next": "S"},
              "S": {"Type": "Succeed", "InputPath": "$.x"}}}
            """#)
        #expect(Self.ops(listing, "W").first == "enter \"W\"")
        #expect(Self.ops(listing, "W").dropFirst().first?.hasPrefix("wait ") == true)
        #expect(Array(Self.ops(listing, "W").suffix(3)) == ["outputFromValue", "checkSize", "next \"S\""])
        #expect(Self.ops(listing, "S") == ["enter \"S\"", "inputPath $.x", "outputFromValue", "checkSize", "end"])
    }

    @Test func retryAndCatchTablesAreListedWithResolvedTargets() throws {
        let listing = try Self.listing(#"""
            {"StartAt": "T", "States": {
              "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                    "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2, "MaxAttempts": 4, "BackoffRate": 1.5}],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Oops"}], "End": true},
              "Oops": {"Type": "Fail", "Error": "E"}}}
            """#)
        #expect(listing.contains("    retry [\"Flaky\"] interval=2.0s max=4 backoff=1.5\n"))
        #expect(listing.contains("    catch [\"States.ALL\"] -> \"Oops\"\n"))
        #expect(Self.ops(listing, "Oops").count == 2)
        #expect(Self.ops(listing, "Oops").first == "enter \"Oops\"")
        #expect(Self.ops(listing, "Oops").last?.hasPrefix("fail ") == true)
    }

    @Test func statesAreNumberedInScopeOrderAndEachRunIsContiguous() throws {
        let program = try StateMachine(definition: #"""
            {"StartAt": "B", "States": {"A": {"Type": "Succeed"}, "B": {"Type": "Pass", "Next": "A"}}}
            """#, name: "Order").program
        #expect(program.states.map(\.name) == ["A", "B"])
        #expect(program.scopes.map(\.startState) == [1])
        for (i, state) in program.states.enumerated() {
            #expect(program.code[state.entry] == .enter(Int32(i)))
            #expect(state.body == state.entry + 1)
        }
        #expect(program.code.contains(.next(0)))
    }
}
