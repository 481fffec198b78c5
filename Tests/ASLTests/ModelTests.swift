import ASLJSON
import Testing

@testable import ASL

@Suite struct ModelTests {
    static func decode(_ text: String) throws -> (StateMachineDefinition, [Diagnostic]) {
        let (definition, diagnostics) = StateMachineDefinition.decode(try JSONParser.parse(text))
        return (definition, diagnostics)
    }

    @Test func decodesStatesInJSONOrderWithPointers() throws {
        let (m, d) = try Self.decode("""
            {"StartAt": "B", "Comment": "c", "TimeoutSeconds": 30, "States": {
              "B": {"Type": "Pass", "Next": "A", "InputPath": null, "ResultPath": "$.r"},
              "A": {"Type": "Succeed"}}}
            """)
        #expect(d.isEmpty)
        #expect(m.states.map(\.name) == ["B", "A"])
        #expect(m.index(of: "A") == 1)
        #expect(m.startIndex == 0)
        #expect(m.timeoutSeconds == 30)
        #expect(m.comment == "c")
        #expect(m.queryLanguage == .jsonPath)
        let b = m.states[0]
        #expect(b.type == .pass)
        #expect(b.next == "A")
        #expect(b.inputPath == .null)
        #expect(b.outputPath == .absent)
        #expect(b.resultPath == .path("$.r"))
        #expect(b.pointer.description == "/States/B")
        #expect(m.states[1].isTerminal)
    }

    @Test func decodesTaskRetryCatchAndOperands() throws {
        let (m, d) = try Self.decode("""
            {"StartAt": "T", "States": {
              "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSecondsPath": "$.t",
                    "HeartbeatSeconds": 5, "End": true,
                    "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0, "BackoffRate": 1.5, "JitterStrategy": "FULL"}],
                    "Catch": [{"ErrorEquals": ["E"], "Next": "F", "ResultPath": null}]},
              "F": {"Type": "Fail", "ErrorPath": "$.e", "Cause": "boom"}}}
            """)
        #expect(d.isEmpty)
        let t = m.states[0]
        #expect(t.resource == "arn:aws:states:::lambda:invoke")
        #expect(t.timeoutSeconds == .path("$.t"))
        #expect(t.heartbeatSeconds == .literal(5))
        #expect(t.retry.count == 1)
        #expect(t.retry[0].maxAttempts == 0)
        #expect(t.retry[0].intervalSeconds == 1)
        #expect(t.retry[0].backoffRate == 1.5)
        #expect(t.retry[0].jitterStrategy == .full)
        #expect(t.catchers[0].next == "F")
        #expect(t.catchers[0].resultPath == .null)
        #expect(t.catchers[0].pointer.description == "/States/T/Catch/0")
        #expect(t.transitions.map(\.target) == ["F"])
        #expect(m.states[1].error == .path("$.e"))
        #expect(m.states[1].cause == .literal("boom"))
    }

    @Test func decodesJSONataAndNestedScopes() throws {
        let (m, d) = try Self.decode("""
            {"StartAt": "P", "QueryLanguage": "JSONata", "States": {
              "P": {"Type": "Parallel", "Next": "M", "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Succeed"}}}]},
              "M": {"Type": "Map", "Items": "{% $states.input %}", "MaxConcurrency": "{% 2 %}", "End": true,
                    "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Y",
                                      "States": {"Y": {"Type": "Wait", "Seconds": "{% 1 %}", "End": true}}}}}}
            """)
        #expect(d.isEmpty)
        #expect(m.queryLanguage == .jsonata)
        #expect(m.states[0].branches.count == 1)
        #expect(m.states[0].branches[0].states[0].pointer.description == "/States/P/Branches/0/States/X")
        let map = m.states[1]
        #expect(map.maxConcurrency == .jsonata("{% 2 %}"))
        #expect(map.items == .string("{% $states.input %}"))
        let processor = try #require(map.itemProcessor)
        #expect(processor.processorMode == .inline)
        #expect(processor.states[0].queryLanguage == .jsonata)
        #expect(processor.states[0].seconds == .jsonata("{% 1 %}"))
        var scopes = 0
        m.forEachScope { _ in scopes += 1 }
        #expect(scopes == 3)
    }

    @Test func wrongTypesBecomeDiagnosticsNotCrashes() throws {
        let (m, d) = try Self.decode("""
            {"StartAt": 3, "States": {"A": {"Type": "Pass", "End": "yes", "Next": 4, "InputPath": 1}, "B": []}}
            """)
        #expect(m.startAt == "")
        #expect(m.states.count == 2)
        #expect(!m.states[0].end)
        #expect(Set(d.compactMap { $0.location?.description }) == ["/StartAt", "/States/A/End", "/States/A/Next", "/States/A/InputPath", "/States/B"])
    }
}
