import ASLJSON
import Foundation
import Testing
import ASL

@Suite struct EmbeddingExampleTests {
    // The body below is the README's "Embedding" example, verbatim (checked by the next test).
    @Test func readmeExampleRuns() async throws {
        // README-EXAMPLE-BEGIN
        let machine = try StateMachine(definition: """
            {"StartAt": "Charge", "States": {
              "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                         "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
                         "ResultSelector": {"receipt.$": "$.Payload"}, "End": true}}}
            """, name: "Orders")

        var configuration = EngineConfiguration()
        configuration.lambdaFunctions["charge"] = { request in
            ["charged": request.input["amount"] ?? 0]
        }
        let engine = Engine(configuration)
        let outcome = await engine.execute(machine, input: ["amount": 42])
        print(outcome.status, outcome.output ?? "null")  // SUCCEEDED {"receipt":{"charged":42}}
        // README-EXAMPLE-END
        #expect(outcome.status == .succeeded)
        #expect(outcome.output == ["receipt": ["charged": 42]])
    }

    @Test func readmeShowsExactlyThisExample() throws {
        let testFile = URL(fileURLWithPath: #filePath)
        let root = testFile.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOf: testFile, encoding: .utf8)
        let begin = try #require(source.range(of: "// README-EXAMPLE-BEGIN\n"))
        let end = try #require(source.range(of: "        // README-EXAMPLE-END"))
        let body = source[begin.upperBound..<end.lowerBound]
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : String($0) }
            .joined(separator: "\n")
        #expect(readme.contains(body), "README's Embedding example must match the tested code")
    }

    @Test func submitWaitsForASlotWhenTheEngineIsFull() async throws {
        let machine = try StateMachine(definition: """
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}}
            """, name: "Waits")
        var configuration = EngineConfiguration()
        configuration.maxInFlight = 2
        configuration.clock = .virtual
        let engine = Engine(configuration)
        let finished = Counter()
        for _ in 0..<6 {
            await engine.submit(machine, input: [:]) { _ in finished.increment() }
            // With 2 slots, the k-th submission (k ≥ 3) can only start after k - 2 have finished.
        }
        #expect(finished.value >= 4)
        _ = await engine.execute(machine, input: [:])
        #expect(finished.value == 6)
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
