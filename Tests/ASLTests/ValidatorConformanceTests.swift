import ASLJSON
import Foundation
import Testing

@testable import ASL

/// Checks the validator against AWS's recorded behaviour in `../shared/conformance`:
/// every definition AWS rejected is rejected with AWS's code, message and location, and every
/// definition AWS ran is accepted.
@Suite struct ValidatorConformanceTests {
    static let conformance = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "../shared/conformance").standardizedFileURL
    static let validationFolder = conformance.appending(path: "validation")
    static let casesFolder = conformance.appending(path: "cases")

    static func jsonFiles(_ folder: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }

    static let rejected = jsonFiles(validationFolder)
    static let executed = jsonFiles(casesFolder)

    static func load(_ folder: URL, _ name: String) throws -> JSONValue {
        let data = try Data(contentsOf: folder.appending(path: name))
        return try JSONParser.parse(Array(data))
    }

    static func workflowType(_ record: JSONValue) -> WorkflowType {
        record["stateMachineType"]?.stringValue == "EXPRESS" ? .express : .standard
    }

    /// The diagnostic AWS recorded, as (code, message, location); code and location are `nil`
    /// when the recording does not give them.
    static func expectedDiagnostics(_ expect: JSONValue) -> [(code: String?, message: String, location: String?)] {
        if case .array(let list)? = expect["diagnostics"] {
            return list.map { ($0["code"]?.stringValue, $0["message"]?.stringValue ?? "", $0["location"]?.stringValue) }
        }
        guard let message = expect["message"]?.stringValue else { return [] }
        let prefix = "Invalid State Machine Definition: '"
        if message.hasPrefix(prefix), message.hasSuffix("'") {
            // 'CODE: message at /location'
            let body = message.dropFirst(prefix.count).dropLast()
            guard let colon = body.range(of: ": ") else { return [(nil, String(body), nil)] }
            let code = String(body[..<colon.lowerBound])
            var text = String(body[colon.upperBound...])
            var location: String?
            if let at = text.range(of: " at ", options: .backwards) {
                location = String(text[at.upperBound...])
                text = String(text[..<at.lowerBound])
            }
            return [(code, text, location)]
        }
        // LocalStack-style: Error=ValueError Args=['<python string literal>'] in definition '...'
        if let start = message.range(of: "Args=["), let end = message.range(of: "] in definition") {
            return [(nil, unpython(String(message[start.upperBound..<end.lowerBound])), nil)]
        }
        return [(nil, message, nil)]
    }

    /// Undoes Python's `repr` of a string: outer quotes and `\\`, `\'`, `\"` escapes.
    static func unpython(_ literal: String) -> String {
        var chars = Array(literal)
        guard chars.count >= 2 else { return literal }
        chars = Array(chars.dropFirst().dropLast())
        var out = ""
        var i = 0
        while i < chars.count {
            if chars[i] == "\\", i + 1 < chars.count, ["\\", "'", "\""].contains(chars[i + 1]) {
                out.append(chars[i + 1])
                i += 2
            } else {
                out.append(chars[i])
                i += 1
            }
        }
        return out
    }

    @Test("AWS-rejected definitions are rejected for AWS's reason",
          .enabled(if: !rejected.isEmpty, "no recorded rejections found at ../shared/conformance/validation"),
          arguments: rejected)
    func rejectedLikeAWS(_ file: String) throws {
        let record = try Self.load(Self.validationFolder, file)
        let type = Self.workflowType(record)
        let result: ValidationResult
        if let text = record["definitionString"]?.stringValue {
            result = Validator.validate(text, type: type)
        } else {
            result = Validator.validate(try #require(record["definition"]), type: type)
        }
        #expect(!result.isValid)
        #expect(result.definition == nil)
        let expected = Self.expectedDiagnostics(try #require(record["expect"]))
        #expect(!expected.isEmpty)
        for e in expected {
            let found = result.errors.contains {
                $0.message == e.message && (e.code == nil || $0.code == e.code) && (e.location == nil || $0.locationText == e.location)
            }
            #expect(found, "expected \(e.code ?? "?"): \(e.message) at \(e.location ?? "?"); got \(result.errors.map(\.description))")
        }
        if record["api"]?.stringValue == "validate" {
            // ValidateStateMachineDefinition returns the whole list: nothing extra.
            #expect(result.errors.count == expected.count, "got \(result.errors.map(\.description))")
        }
    }

    @Test("definitions AWS executed validate without errors",
          .enabled(if: !executed.isEmpty, "no execution cases found at ../shared/conformance/cases"),
          arguments: executed)
    func executedDefinitionsAreValid(_ file: String) throws {
        let record = try Self.load(Self.casesFolder, file)
        let definition = try #require(record["definition"])
        let result = Validator.validate(definition, type: Self.workflowType(record))
        #expect(result.errors.isEmpty, "\(result.errors.map(\.description))")
        #expect(result.definition != nil)
    }
}
