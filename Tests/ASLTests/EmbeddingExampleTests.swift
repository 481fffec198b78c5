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

    // README's "Throwing an error from a handler" example, verbatim.
    @Test func readmeErrorExampleRuns() async throws {
        // README-EXAMPLE-BEGIN
        let checkout = try StateMachine(definition: """
            {"StartAt": "Charge", "States": {
              "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                         "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
                         "Catch": [{"ErrorEquals": ["CardDeclined"], "ResultPath": "$.declined", "Next": "Declined"}],
                         "End": true},
              "Declined": {"Type": "Fail", "Error": "PaymentFailed", "CausePath": "$.declined.Cause"}}}
            """, name: "Checkout")

        var cards = EngineConfiguration()
        cards.lambdaFunctions["charge"] = { request in
            let amount = request.input["amount"]?.doubleValue ?? 0
            guard amount <= 100 else { throw StatesError(error: "CardDeclined", cause: "\(amount) is over the limit") }
            return ["charged": .double(amount)]
        }
        let declined = await Engine(cards).execute(checkout, input: ["amount": 250])
        print(declined.status, declined.error ?? "", declined.cause ?? "")  // FAILED PaymentFailed 250.0 is over the limit
        // README-EXAMPLE-END
        #expect(declined.status == .failed)
        #expect(declined.error == "PaymentFailed")
        #expect(declined.cause == "250.0 is over the limit")
    }

    // README's mock config example, verbatim (run from the package root, where Examples/ is).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "Examples/flow.asl.json"), "not run from the package root"))
    func readmeMockExampleRuns() async throws {
        // README-EXAMPLE-BEGIN
        let flow = try StateMachine(contentsOf: URL(filePath: "Examples/flow.asl.json"))  // named "flow"
        var testing = EngineConfiguration()
        testing.mockConfig = try MockConfig(contentsOf: URL(filePath: "Examples/flow.mock.json"))
        testing.mockTestCase = "HappyPath"
        let mocked = await Engine(testing).execute(flow, input: ["name": "Ada"])
        print(mocked.status, mocked.output ?? "null")  // SUCCEEDED {"customer":"Ada","handledBy":"mock","total":260}
        // README-EXAMPLE-END
        #expect(mocked.status == .succeeded)
        #expect(mocked.output == ["customer": "Ada", "handledBy": "mock", "total": 260])
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The bodies between `// README-EXAMPLE-BEGIN` and `// README-EXAMPLE-END` in every test file, de-indented.
    static func testedExamples() throws -> [String] {
        var bodies: [String] = []
        let tests = root.appendingPathComponent("Tests")
        for case let url as URL in FileManager.default.enumerator(at: tests, includingPropertiesForKeys: nil)! where url.pathExtension == "swift" {
            var rest = try String(contentsOf: url, encoding: .utf8)[...]
            while let begin = rest.range(of: "// README-EXAMPLE-BEGIN\n"), let end = rest.range(of: "// README-EXAMPLE-END", range: begin.upperBound..<rest.endIndex) {
                let lines = rest[begin.upperBound..<end.lowerBound].split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                let indent = lines.filter { !$0.allSatisfy(\.isWhitespace) }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
                bodies.append(lines.map { String($0.dropFirst(min(indent, $0.count))) }.joined(separator: "\n"))
                rest = rest[end.upperBound...]
            }
        }
        return bodies
    }

    /// README's ```swift blocks without their leading `import` lines.
    static func readmeSwiftBlocks() throws -> [String] {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in readme.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```swift" { current = [] } else if current != nil, line == "```" {
                blocks.append(current!.drop { $0.hasPrefix("import ") || $0.isEmpty }.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    /// Every Swift block in the README is compiled and run by a test: each must be the body of
    /// a README-EXAMPLE region in Tests/ (and each region must still be in the README).
    @Test func everyReadmeSwiftBlockIsATestedExample() throws {
        let blocks = try Self.readmeSwiftBlocks()
        let examples = try Self.testedExamples()
        #expect(blocks.count >= 3)
        for block in blocks {
            #expect(examples.contains(block), "README block is not a README-EXAMPLE region of any test:\n\(block)")
        }
        for example in examples {
            #expect(blocks.contains(example), "README-EXAMPLE region no longer in the README:\n\(example)")
        }
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
