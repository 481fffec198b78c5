import ASLJSON
import Foundation
import Testing

/// The JSONTestSuite corpus (`../shared/data/JSONTestSuite/test_parsing` from the repository root).
enum JSONTestSuite {
    static let directory: URL? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = root.appendingPathComponent("../shared/data/JSONTestSuite/test_parsing").standardizedFileURL
        return FileManager.default.fileExists(atPath: dir.path) ? dir : nil
    }()

    static let files: [String] = {
        guard let directory else { return [] }
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted()
    }()

    static let skipMessage: Comment = "../shared/data/JSONTestSuite is absent (standalone checkout): JSONTestSuite tests skipped"

    /// The decision for every implementation-defined (`i_`) file: accept or reject, and why.
    static let implementationDefined: [String: (accept: Bool, reason: String)] = [
        // Numbers
        "i_number_double_huge_neg_exp.json": (true, "underflow rounds to 0.0, as Java's parseDouble does"),
        "i_number_real_underflow.json": (true, "underflow rounds to 0.0, as Java's parseDouble does"),
        "i_number_huge_exp.json": (false, "overflows Double: no finite value to keep or print"),
        "i_number_neg_int_huge_exp.json": (false, "overflows Double: no finite value to keep or print"),
        "i_number_pos_double_huge_exp.json": (false, "overflows Double: no finite value to keep or print"),
        "i_number_real_neg_overflow.json": (false, "overflows Double: no finite value to keep or print"),
        "i_number_real_pos_overflow.json": (false, "overflows Double: no finite value to keep or print"),
        "i_number_too_big_neg_int.json": (true, "integer beyond Int64 kept exactly as .big (Jackson's BigInteger)"),
        "i_number_too_big_pos_int.json": (true, "integer beyond Int64 kept exactly as .big (Jackson's BigInteger)"),
        "i_number_very_big_negative_int.json": (true, "integer beyond Int64 kept exactly as .big (Jackson's BigInteger)"),
        // Escaped surrogates: a Swift String holds Unicode scalars only, and replacing with U+FFFD would alter data.
        "i_object_key_lone_2nd_surrogate.json": (false, "lone low surrogate escape cannot be a Unicode scalar"),
        "i_string_1st_surrogate_but_2nd_missing.json": (false, "high surrogate escape without its low half"),
        "i_string_1st_valid_surrogate_2nd_invalid.json": (false, "high surrogate followed by a non-surrogate escape"),
        "i_string_incomplete_surrogate_and_escape_valid.json": (false, "high surrogate followed by another escape"),
        "i_string_incomplete_surrogate_pair.json": (false, "high surrogate followed by plain text"),
        "i_string_incomplete_surrogates_escape_valid.json": (false, "two high surrogates"),
        "i_string_invalid_lonely_surrogate.json": (false, "lone high surrogate escape"),
        "i_string_invalid_surrogate.json": (false, "high surrogate followed by plain text"),
        "i_string_inverted_surrogates_U+1D11E.json": (false, "low surrogate before high surrogate"),
        "i_string_lone_second_surrogate.json": (false, "lone low surrogate escape"),
        // Encodings: input is UTF-8 (RFC 8259 §8.1); invalid UTF-8 is rejected, never repaired.
        "i_string_UTF-16LE_with_BOM.json": (false, "UTF-16 text, not UTF-8"),
        "i_string_utf16BE_no_BOM.json": (false, "UTF-16 text, not UTF-8"),
        "i_string_utf16LE_no_BOM.json": (false, "UTF-16 text, not UTF-8"),
        "i_string_UTF-8_invalid_sequence.json": (false, "invalid UTF-8 in a string"),
        "i_string_UTF8_surrogate_U+D800.json": (false, "UTF-8-encoded surrogate is invalid UTF-8"),
        "i_string_invalid_utf-8.json": (false, "invalid UTF-8 in a string"),
        "i_string_iso_latin_1.json": (false, "Latin-1 byte is invalid UTF-8"),
        "i_string_lone_utf8_continuation_byte.json": (false, "lone continuation byte is invalid UTF-8"),
        "i_string_not_in_unicode_range.json": (false, "code point above U+10FFFF is invalid UTF-8"),
        "i_string_overlong_sequence_2_bytes.json": (false, "overlong UTF-8 encoding"),
        "i_string_overlong_sequence_6_bytes.json": (false, "overlong UTF-8 encoding"),
        "i_string_overlong_sequence_6_bytes_null.json": (false, "overlong UTF-8 encoding"),
        "i_string_truncated-utf-8.json": (false, "truncated UTF-8 sequence"),
        // Structure
        "i_structure_500_nested_arrays.json": (true, "500 levels is within the nesting limit of 512"),
        "i_structure_UTF-8_BOM_empty_object.json": (true, "a leading UTF-8 BOM is skipped (RFC 8259 §8.1 permits it; Jackson does it)"),
    ]
}

@Suite("JSONTestSuite")
struct JSONTestSuiteTests {
    @Test("each file parses or is rejected as decided",
          .enabled(if: JSONTestSuite.directory != nil, JSONTestSuite.skipMessage),
          arguments: JSONTestSuite.files)
    func file(_ name: String) throws {
        let data = try Data(contentsOf: JSONTestSuite.directory!.appendingPathComponent(name))
        let bytes = [UInt8](data)
        let accepted: Bool
        do {
            _ = try JSONParser.parse(bytes)
            accepted = true
        } catch {
            accepted = false
            #expect(!error.message.isEmpty)
        }
        switch name.prefix(2) {
        case "y_": #expect(accepted, "must parse")
        case "n_": #expect(!accepted, "must be rejected")
        case "i_":
            let decision = try #require(JSONTestSuite.implementationDefined[name], "i_ file missing from the decision table")
            #expect(accepted == decision.accept, "decided \(decision.accept ? "accept" : "reject"): \(decision.reason)")
        default: Issue.record("unexpected file \(name)")
        }
    }

    @Test("the i_ decision table names exactly the corpus's i_ files",
          .enabled(if: JSONTestSuite.directory != nil, JSONTestSuite.skipMessage))
    func decisionTableIsComplete() {
        let corpus = Set(JSONTestSuite.files.filter { $0.hasPrefix("i_") })
        #expect(corpus == Set(JSONTestSuite.implementationDefined.keys))
        #expect(JSONTestSuite.files.count > 300)
    }

    @Test("accepted i_ files parse to the pinned values")
    func implementationDefinedValues() throws {
        #expect(try JSONParser.parse("[123e-10000000]") == [0.0])
        #expect(try JSONParser.parse("[100000000000000000000]") == .array([.number(.big("100000000000000000000"))]))
        #expect(try JSONParser.parse("[-237462374673276894279832749832423479823246327846]")
                == .array([.number(.big("-237462374673276894279832749832423479823246327846"))]))
        #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) == .object(JSONObject()))
        // A BOM is only skipped at the very start.
        #expect(throws: JSONParserError.self) { try JSONParser.parse(" \u{FEFF}{}") }
    }
}
