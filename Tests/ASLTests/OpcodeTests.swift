import ASLJSON
import Foundation
import Testing

@testable import ASL

/// The op table (`Bytecode/Opcode.swift`) and the `.aslc` files that depend on its byte values.
@Suite struct OpcodeTests {
    /// The op bytes of `.aslc` format 2, written out by hand: an op's byte is its position here.
    /// Changing this list breaks every compiled program; it needs a new format version.
    static let formatTwoOps = [
        "enter", "inputPath", "inputNull", "parameters", "arguments",
        "resultFromValue", "resultConstant", "invoke", "wait", "parallel", "map",
        "resultSelector", "resultPath", "resultReplace", "resultDiscard", "outputFromValue", "outputPath", "outputNull",
        "assign", "jsonataOutput", "checkSize",
        "next", "end", "choose", "fail",
    ]

    @Test func opBytesAreTheFormatTwoOrder() {
        #expect(Op.Code.allCases.map(\.info.name) == Self.formatTwoOps)
        for (byte, name) in Self.formatTwoOps.enumerated() {
            #expect(Op.Code(rawValue: UInt8(byte))?.info.name == name)
        }
        #expect(Op.Code(rawValue: UInt8(Self.formatTwoOps.count)) == nil)
    }

    @Test func transfersAreExactlyTheStateEndingOps() {
        #expect(Op.Code.allCases.filter(\.info.transfers).map(\.info.name) == ["next", "end", "choose", "fail"])
        #expect(Op.Code.allCases.filter(\.info.suspends).map(\.info.name) == ["invoke", "wait", "parallel", "map"])
    }

    @Test func anOpWithoutOperandIsEncodedAsOneByte() throws {
        let machine = try StateMachine(definition: #"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#, name: "M")
        let ops = machine.program.code
        #expect(ops.map(\.code) == [.enter, .resultFromValue, .resultReplace, .checkSize, .end])
        // The code section ends the payload: a count, then `enter 0` (2 bytes) and four 1-byte ops.
        let payload = Array(ProgramFile.encode(machine.program).dropFirst(ProgramFile.headerSize))
        #expect(payload.suffix(7) == [5, 0, 0, 5, 13, 20, 22])
    }

    @Test func anOperandOnAnOpThatTakesNoneIsRejected() throws {
        let machine = try StateMachine(definition: #"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#, name: "M")
        let p = machine.program
        let broken = Program(code: p.code.map { $0.code == .checkSize ? Op(.checkSize, 3) : $0 }, states: p.states, scopes: p.scopes,
                             queryLanguage: p.queryLanguage, timeoutSeconds: p.timeoutSeconds, paths: p.paths,
                             referencePaths: p.referencePaths, templates: p.templates, jsonataTemplates: p.jsonataTemplates,
                             constants: p.constants, assigns: p.assigns, choices: p.choices, tasks: p.tasks, waits: p.waits,
                             fails: p.fails, parallels: p.parallels, maps: p.maps)
        #expect(throws: ProgramFileError.self) { try ProgramChecker.check(broken) }
    }

    // MARK: Programs compiled before the op table

    static let golden = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "Golden").appending(path: "aslc")
    static let examples = golden.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "Examples")

    static func load(_ name: String) throws -> Program {
        try ProgramFile.decode(Array(try Data(contentsOf: golden.appending(path: name))))
    }

    /// `Tests/Golden/aslc/*.aslc` were written by `aslx compile` before the op table existed
    /// (main at e265f3a, from `Examples/orders.asl.json` and `Tests/Golden/aslc/ops.asl.json`);
    /// together they hold every op.
    @Test func goldenProgramsHoldEveryOp() throws {
        let codes = Set(try Self.load("orders.aslc").code.map(\.code)).union(try Self.load("ops.aslc").code.map(\.code))
        #expect(codes == Set(Op.Code.allCases))
    }

    /// Runs `inputs` through the old compiled program and through the definition compiled now.
    static func compare(_ aslc: String, definition: URL, inputs: [JSONValue], configuration: EngineConfiguration) async throws {
        let old = StateMachine(program: try load(aslc), name: "M")
        let new = try StateMachine(definition: String(decoding: try Data(contentsOf: definition), as: UTF8.self), name: "M")
        let engine = Engine(configuration)
        for input in inputs {
            let a = await engine.execute(old, input: input, name: "x")
            let b = await engine.execute(new, input: input, name: "x")
            #expect(a.status == b.status, "\(input)")
            #expect(a.output == b.output, "\(input)")
            #expect(a.error == b.error, "\(input)")
            #expect(a.cause == b.cause, "\(input)")
        }
    }

    @Test func opsProgramCompiledBeforeTheOpTableRunsTheSame() async throws {
        let events = String(decoding: try Data(contentsOf: Self.golden.appending(path: "ops.ndjson")), as: UTF8.self)
        let inputs = try events.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(inputs.count == 4)
        try await Self.compare("ops.aslc", definition: Self.golden.appending(path: "ops.asl.json"), inputs: inputs,
                               configuration: EngineConfiguration())
        // The fixture's own expectations, so the comparison above is not between two wrong runs.
        let old = StateMachine(program: try Self.load("ops.aslc"), name: "M")
        let engine = Engine(EngineConfiguration())
        let first = await engine.execute(old, input: inputs[0])
        #expect(first.output == ["branches": [["q": 3, "t": 9], [:]], "id": "A1"])
        let second = await engine.execute(old, input: inputs[1])
        #expect(second.error == "B2")
        #expect(second.cause == "qty 250 is too many")
        let fourth = await engine.execute(old, input: inputs[3])
        #expect(fourth.error == "States.Runtime")
    }

    /// The Charge task's responses per mock test case (immediate, so the virtual clock can skip
    /// the Waits and Retry backoffs): charged, declined, throttled twice then charged.
    static let ordersMocks: JSONValue = [
        "StateMachines": ["M": ["TestCases": ["Charged": ["Charge": "Ok"], "Declined": ["Charge": "No"], "Throttled": ["Charge": "Slow"]]]],
        "MockedResponses": [
            "Ok": ["0": ["Return": ["StatusCode": 200, "Payload": ["receipt": "r-1"]]]],
            "No": ["0": ["Throw": ["Error": "CardDeclined", "Cause": "no funds"]]],
            "Slow": ["0-1": ["Throw": ["Error": "Throttled", "Cause": "later"]], "2": ["Return": ["StatusCode": 200, "Payload": ["receipt": "r-3"]]]],
        ],
    ]

    @Test(arguments: ["Charged", "Declined", "Throttled"])
    func ordersProgramCompiledBeforeTheOpTableRunsTheSame(testCase: String) async throws {
        var configuration = EngineConfiguration()
        configuration.clock = .virtual
        configuration.mockConfig = try MockConfig(json: Self.ordersMocks)
        configuration.mockTestCase = testCase
        let inputs: [JSONValue] = [["items": ["a", "b"], "total": 5], ["items": [], "total": 1], ["items": ["a"], "total": 0]]
        try await Self.compare("orders.aslc", definition: Self.examples.appending(path: "orders.asl.json"), inputs: inputs,
                               configuration: configuration)
        let outcome = await Engine(configuration).execute(StateMachine(program: try Self.load("orders.aslc"), name: "M"), input: inputs[0])
        switch testCase {
        case "Declined":
            #expect(outcome.error == "PaymentFailed")
        default:
            let receipt: JSONValue = testCase == "Charged" ? "r-1" : "r-3"
            #expect(outcome.output?["fulfilment"] == [[["sku": "a", "packed": true], ["sku": "b", "packed": true]], ["receipt": receipt]])
        }
        let rejected = await Engine(configuration).execute(StateMachine(program: try Self.load("orders.aslc"), name: "M"), input: inputs[1])
        #expect(rejected.error == "InvalidOrder")
    }
}

/// The arrows run Compiler → Bytecode → VM: Bytecode names no type declared in the layers above
/// it (the compiler, the VM, the scheduler, the sinks).
@Suite struct BytecodeLayeringTests {
    static let asl = CLIHarness.packageRoot.appending(path: "Sources").appending(path: "ASL")

    static func swiftFiles(_ folder: String) throws -> [(name: String, text: String)] {
        let dir = asl.appending(path: folder)
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".swift") }.sorted().map {
            ($0, try String(contentsOf: dir.appending(path: $0), encoding: .utf8))
        }
    }

    /// Type names a file declares at its top level (`struct X`, `final class X`, ...).
    static func declaredTypes(_ text: String) -> Set<String> {
        var names = Set<String>()
        for line in text.split(separator: "\n") where line.first?.isLetter == true {
            let words = line.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" }).map(String.init)
            var i = 0
            while i < words.count, ["public", "internal", "package", "final", "private", "fileprivate"].contains(words[i]) { i += 1 }
            if i + 1 < words.count, ["struct", "enum", "class", "protocol", "typealias", "actor"].contains(words[i]) { names.insert(words[i + 1]) }
        }
        return names
    }

    /// The identifiers of a file's code, comments left out.
    static func codeIdentifiers(_ text: String) -> Set<String> {
        let code = text.split(separator: "\n").map { line in line.range(of: "//").map { String(line[..<$0.lowerBound]) } ?? String(line) }
        return Set(code.joined(separator: "\n").split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" }).map(String.init))
    }

    @Test func bytecodeUsesNoTypeOfTheLayersAboveIt() throws {
        var above = Set<String>()
        for folder in ["Compiler", "VM", "Scheduler", "Sinks"] {
            for file in (try? Self.swiftFiles(folder)) ?? [] { above.formUnion(Self.declaredTypes(file.text)) }
        }
        #expect(above.contains("Frame") && above.contains("Compiler"), "the layer folders were not found under \(Self.asl.path)")
        let bytecode = try Self.swiftFiles("Bytecode")
        #expect(bytecode.count >= 5)
        for file in bytecode {
            let used = Self.codeIdentifiers(file.text).intersection(above)
            #expect(used.isEmpty, "\(file.name) uses \(used.sorted()) from a layer above Bytecode")
        }
    }
}
