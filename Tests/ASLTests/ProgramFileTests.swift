import ASLJSON
import Foundation
import Testing

@testable import ASL

/// `.aslc` format 2: round trips, header errors and corruption of every kind.
@Suite struct ProgramFileTests {
    /// A JSONPath machine touching every pool: paths, reference paths, templates with paths and
    /// intrinsics, constants, Assign, Choice trees (And/Not/timestamps/StringMatches/paths),
    /// Retry/Catch, Wait, Fail with paths, Parallel and Map with ItemSelector.
    static let rich = #"""
    {"StartAt": "Init", "TimeoutSeconds": 3600, "States": {
      "Init": {"Type": "Pass", "Result": {"n": 3, "big": 12345678901234567890, "f": 1.5, "s": "x\u00e9", "a": [1, null, true], "items": [1, 2, 3]},
               "ResultPath": "$.data", "Assign": {"counter": 1, "orig.$": "$"}, "Next": "Double"},
      "Double": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:double",
                 "InputPath": "$.data", "Parameters": {"value.$": "$.n", "label.$": "States.Format('n={}', $.n)", "list": [1, {"x.$": "$.f"}]},
                 "ResultSelector": {"doubled.$": "$.value", "vars.$": "$counter"}, "ResultPath": "$.result",
                 "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 2.0, "MaxDelaySeconds": 5, "JitterStrategy": "FULL"}],
                 "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Broken"}],
                 "Next": "Route"},
      "Route": {"Type": "Choice", "Choices": [
          {"And": [{"Variable": "$.result.doubled", "NumericGreaterThanEquals": 6}, {"Not": {"Variable": "$.data.s", "IsNull": true}}], "Next": "Fan"},
          {"Variable": "$.data.s", "StringMatches": "x*\\*", "Next": "Broken"},
          {"Variable": "$.stamp", "TimestampLessThan": "2024-01-01T00:00:00.5Z", "Next": "Broken"},
          {"Variable": "$.result.doubled", "NumericEqualsPath": "$.data.n", "Next": "Broken"}],
        "Default": "Broken"},
      "Fan": {"Type": "Parallel", "Branches": [
          {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "Parameters": {"side": "left", "n.$": "$.data.n"}, "End": true}}},
          {"StartAt": "Right", "States": {"Right": {"Type": "Wait", "Seconds": 0, "Next": "RightDone"}, "RightDone": {"Type": "Succeed", "OutputPath": "$.data.s"}}}],
        "ResultPath": "$.fan", "Next": "Each"},
      "Each": {"Type": "Map", "ItemsPath": "$.data.items", "MaxConcurrency": 2,
               "ItemSelector": {"item.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
               "ItemProcessor": {"StartAt": "Square", "States": {"Square": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.item, $.index)"}, "End": true}}},
               "ResultPath": "$.each", "OutputPath": "$", "Next": "Done"},
      "Done": {"Type": "Pass", "Parameters": {"fan.$": "$.fan", "each.$": "$.each", "result.$": "$.result"}, "End": true},
      "Broken": {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "States.Format('bad {}', $.data.n)"}
    }}
    """#

    static let small = #"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "Next": "B"}, "B": {"Type": "Succeed"}}}"#

    static func machine(_ text: String, name: String = "M") throws -> StateMachine {
        try StateMachine(definition: text, name: name)
    }

    /// The `double` handler is async: it runs on the test runner's cooperative threads, which
    /// long synchronous tests (the bit flips) can hold for a minute on a loaded 2-core machine,
    /// so the executions get an hour rather than Express's 5 minutes (or a 60 s timeout).
    static func engine() -> Engine {
        var configuration = EngineConfiguration()
        configuration.maximumDurationSeconds = 3600
        configuration.lambdaFunctions["double"] = { request in
            guard case .number(let n)? = request.input["value"] else { return .null }
            return ["value": .number(.int((n.int64Value ?? 0) * 2)), "label": request.input["label"] ?? .null]
        }
        return Engine(configuration)
    }

    static func loaded(_ machine: StateMachine) throws -> StateMachine {
        StateMachine(program: try ProgramFile.decode(ProgramFile.encode(machine.program)), name: machine.name)
    }

    // MARK: Round trip

    @Test func roundTripKeepsDisassemblyAndEncoding() throws {
        for text in [Self.rich, Self.small] {
            let machine = try Self.machine(text)
            let bytes = ProgramFile.encode(machine.program)
            let program = try ProgramFile.decode(bytes)
            #expect(Disassembler.listing(program) == Disassembler.listing(machine.program))
            // Re-encoding the loaded program gives the same bytes: every pool survived.
            #expect(ProgramFile.encode(program) == bytes)
        }
    }

    @Test func loadedProgramRunsLikeTheDefinition() async throws {
        let machine = try Self.machine(Self.rich)
        let loaded = try Self.loaded(machine)
        let engine = Self.engine()
        let inputs: [JSONValue] = [["stamp": "2023-01-01T00:00:00Z"], [:], "x"]
        for input in inputs {
            let a = await engine.execute(machine, input: input, name: "a")
            let b = await engine.execute(loaded, input: input, name: "a")
            #expect(a.status == b.status)
            #expect(a.output == b.output)
            #expect(a.error == b.error)
            #expect(a.cause == b.cause)
        }
        let succeeded = await engine.execute(loaded, input: [:], name: "s")
        #expect(succeeded.status == .succeeded)
        #expect(succeeded.output?["result"]?["doubled"] == 6)
        #expect(succeeded.output?["each"] == [["sum": 1], ["sum": 3], ["sum": 5]])
    }

    @Test func recordedDefinitionsRoundTrip() throws {
        let folder = ValidatorConformanceTests.casesFolder
        var compiled = 0
        for name in ValidatorConformanceTests.executed {
            guard let data = try? Data(contentsOf: folder.appending(path: name)),
                  let record = try? JSONParser.parse(Array(data)), let definition = record["definition"],
                  let machine = try? StateMachine(definition: JSONWriter.string(definition), name: "M")
            else { continue }
            let bytes = ProgramFile.encode(machine.program)
            let program = try ProgramFile.decode(bytes)
            #expect(Disassembler.listing(program) == Disassembler.listing(machine.program), "\(name)")
            #expect(ProgramFile.encode(program) == bytes, "\(name)")
            compiled += 1
        }
        #expect(compiled > 0 || ValidatorConformanceTests.executed.isEmpty)
    }

    // MARK: Header errors

    static func kind(_ bytes: [UInt8]) -> ProgramFileError.Kind? {
        do { _ = try ProgramFile.decode(bytes); return nil } catch { return error.kind }
    }

    static func setUInt32(_ value: UInt32, at offset: Int, in bytes: inout [UInt8]) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }

    static func withChecksum(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        setUInt32(UInt32(out.count - ProgramFile.headerSize), at: 12, in: &out)
        setUInt32(ProgramFile.crc32(out[ProgramFile.headerSize...]), at: 16, in: &out)
        return out
    }

    @Test func headerErrorsAreNamed() throws {
        let good = ProgramFile.encode(try Self.machine(Self.small).program)
        #expect(Self.kind(good) == nil)
        #expect(Self.kind([]) == .badMagic)
        #expect(Self.kind(Array(#"{"StartAt": "A"}"#.utf8)) == .badMagic)
        #expect(Self.kind(Array(good[0..<10])) == .truncated)
        #expect(Self.kind(Array(good.dropLast())) == .truncated)
        #expect(Self.kind(good + [0]) == .truncated)
        var version = good
        Self.setUInt32(1, at: 4, in: &version)
        #expect(Self.kind(version) == .unsupportedVersion)
        Self.setUInt32(ProgramFile.formatVersion + 1, at: 4, in: &version)
        #expect(Self.kind(version) == .unsupportedVersion)
        var flags = good
        flags[8] = 1
        #expect(Self.kind(flags) == .unsupportedFlags)
        var payload = good
        payload[ProgramFile.headerSize + 3] ^= 0x10
        #expect(Self.kind(payload) == .checksumMismatch)
        var crc = good
        crc[16] ^= 1
        #expect(Self.kind(crc) == .checksumMismatch)
        do {
            _ = try ProgramFile.decode(version)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("version 3"))
        }
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(ProgramFile.crc32(Array("123456789".utf8)[...]) == 0xCBF4_3926)
    }

    // MARK: Corruption

    /// Decoding either fails with an error or yields a program every index of which is in range
    /// (the disassembler touches each of them).
    static func decodeOrError(_ bytes: [UInt8]) -> Bool {
        do {
            let program = try ProgramFile.decode(bytes)
            _ = Disassembler.listing(program)
            return true
        } catch {
            #expect(!error.description.isEmpty)
            return false
        }
    }

    @Test func bitFlipsAtEveryByteNeverCrash() throws {
        let good = ProgramFile.encode(try Self.machine(Self.small).program)
        var errors = 0
        var loaded: [Int] = []
        for i in good.indices {
            for bit in 0..<8 {
                var bytes = good
                bytes[i] ^= UInt8(1 << bit)
                if Self.decodeOrError(bytes) { loaded.append(i * 8 + bit) } else { errors += 1 }
            }
        }
        // CRC-32 detects every single-bit error, and header bits are all checked. The one flip
        // that loads is version 3 → 2 (bit 0 of byte 4): format 2 is still read, and this program
        // has no literal Wait Timestamp, the only thing the two formats store differently.
        #expect(loaded == [4 * 8])
        #expect(errors == good.count * 8 - 1)
    }

    @Test func bitFlipsBehindAGoodChecksumNeverCrash() throws {
        for text in [Self.small, Self.rich] {
            let good = ProgramFile.encode(try Self.machine(text).program)
            var errors = 0, loaded = 0
            for i in ProgramFile.headerSize..<good.count {
                for bit in 0..<8 {
                    var bytes = good
                    bytes[i] ^= UInt8(1 << bit)
                    if Self.decodeOrError(Self.withChecksum(bytes)) { loaded += 1 } else { errors += 1 }
                }
            }
            #expect(errors > 0)
            #expect(errors + loaded == (good.count - ProgramFile.headerSize) * 8)
        }
    }

    @Test func truncationAtEveryLengthIsAnError() throws {
        let good = ProgramFile.encode(try Self.machine(Self.rich).program)
        for length in 0..<good.count {
            let cut = Array(good[0..<length])
            #expect(!Self.decodeOrError(cut))
            // Also with a header that agrees with the cut payload: the decoder runs out of bytes.
            if length >= ProgramFile.headerSize {
                #expect(!Self.decodeOrError(Self.withChecksum(cut)), "length \(length)")
            }
        }
    }

    @Test func randomBytesBehindAGoodChecksumNeverCrash() throws {
        let good = ProgramFile.encode(try Self.machine(Self.rich).program)
        var rng = CompilerTestRandom(state: 0xA51C)
        var errors = 0
        for _ in 0..<3000 {
            var bytes = good
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: ProgramFile.headerSize..<bytes.count, using: &rng)
                bytes[i] = UInt8.random(in: 0...255, using: &rng)
            }
            if !Self.decodeOrError(Self.withChecksum(bytes)) { errors += 1 }
        }
        #expect(errors > 0)
    }

    @Test func forgedPayloadsAreRejected() throws {
        // A payload that is only a huge count, deep nesting, or an index past its pool.
        let huge: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0x07]
        func forge(_ payload: [UInt8]) -> [UInt8] {
            var header = Array("ASLC".utf8)
            header += [UInt8(ProgramFile.formatVersion), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
            return Self.withChecksum(header + payload)
        }
        #expect(Self.kind(forge(huge)) == .corrupt)
        #expect(Self.kind(forge([])) == .corrupt)
        // Strings: none. Body: JSONPath, no timeout, no paths/refs/templates/jsonata, one constant
        // that is 10,000 nested arrays.
        let deep: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 1] + Array([[UInt8]](repeating: [7, 1], count: 10_000).joined()) + [0]
        #expect(Self.kind(forge(deep)) == .corrupt)
        // Invalid UTF-8 in the string table.
        #expect(Self.kind(forge([1, 2, 0xC3, 0x28])) == .corrupt)
        // A decoded program whose ops point outside the pools.
        let good = ProgramFile.encode(try Self.machine(Self.small).program)
        let program = try ProgramFile.decode(good)
        let broken = Program(code: program.code.map { $0.code == .resultConstant ? .resultConstant(7) : $0 },
                             states: program.states, scopes: program.scopes, queryLanguage: .jsonPath, timeoutSeconds: nil,
                             paths: [], referencePaths: program.referencePaths, templates: [], jsonataTemplates: [],
                             constants: program.constants, assigns: [], choices: [], tasks: [], waits: [], fails: [], parallels: [], maps: [])
        #expect(Self.kind(ProgramFile.encode(broken)) == .corrupt)
        let looping = Program(code: program.code.map { $0.code == .next ? .next(9) : $0 },
                              states: program.states, scopes: program.scopes, queryLanguage: .jsonPath, timeoutSeconds: nil,
                              paths: [], referencePaths: program.referencePaths, templates: [], jsonataTemplates: [],
                              constants: program.constants, assigns: [], choices: [], tasks: [], waits: [], fails: [], parallels: [], maps: [])
        #expect(Self.kind(ProgramFile.encode(looping)) == .corrupt)
    }
}

/// Deterministic SplitMix64, so a failure names a reproducible seed.
struct CompilerTestRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
