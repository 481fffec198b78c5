import ASLJSON
import Testing

private func parseError(_ text: String) -> JSONParserError? {
    do { _ = try JSONParser.parse(text); return nil } catch { return error }
}

@Suite("Parser errors")
struct ParserErrorTests {
    @Test("errors say what was expected and where", arguments: [
        // (input, message, line, column)
        (#"{"a" 1}"#, "Expected ':' after object key but found character '1'", 1, 6),
        (#"{"a":1 "b":2}"#, "Expected ',' or '}' after object member but found character '\"'", 1, 8),
        ("[1,2", "Expected ',' or ']' after array element but found end of input", 1, 5),
        ("[1,]", "Expected a JSON value but found character ']'", 1, 4),
        ("{,}", "Expected a string key for object member but found character ','", 1, 2),
        ("", "Expected a JSON value but found end of input", 1, 1),
        ("tru", "Invalid literal, expected 'true'", 1, 1),
        ("[01]", "Invalid number: leading zeros are not allowed", 1, 2),
        ("1 2", "Unexpected character '2' after the JSON value", 1, 3),
        ("\"abc", "Unterminated string", 1, 1),
        ("\"a\u{01}\"", "Unescaped control character in string", 1, 3),
        (#""\x""#, #"Invalid escape sequence '\x' in string"#, 1, 2),
        (#"["\uD800"]"#, #"Unpaired surrogate \uD800 in string"#, 1, 9),
        ("[1e999]", "Number out of range: magnitude exceeds the largest double", 1, 2),
    ] as [(String, String, Int, Int)])
    func messages(input: String, message: String, line: Int, column: Int) throws {
        let error = try #require(parseError(input))
        #expect(error.message == message)
        #expect(error.line == line)
        #expect(error.column == column)
        #expect(error.description == "\(message) at line \(line), column \(column)")
    }

    @Test("multi-line input reports the line and column of the fault")
    func multiLine() throws {
        let error = try #require(parseError("{\n  \"a\": 1,\n  \"b\" 2\n}"))
        #expect(error.description == "Expected ':' after object key but found character '2' at line 3, column 7")
        #expect(error.offset == 18)
        // Columns count characters, not bytes.
        let utf8 = try #require(parseError("[\"é日\", x]"))
        #expect(utf8.line == 1 && utf8.column == 8)
    }

    @Test("invalid UTF-8 is rejected")
    func invalidUTF8() throws {
        #expect(throws: JSONParserError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParserError.self) { try JSONParser.parse([0x22, 0xE0, 0x80, 0xAF, 0x22]) }
        #expect(throws: JSONParserError.self) { try JSONParser.parse([0x22, 0x5C, 0x6E, 0xFF, 0x22]) }
    }

    @Test("depth limit: 512 levels parse, 513 and 100,000 are errors, not crashes")
    func depth() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(throws: Never.self) { try JSONParser.parse(ok) }
        let over = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(parseError(over)?.message == "Exceeds the maximum nesting depth of 512")
        let deep = try #require(parseError(String(repeating: "[", count: 100_000)))
        #expect(deep.message == "Exceeds the maximum nesting depth of 512")
        #expect(deep.column == 513)
        let objects = try #require(parseError(String(repeating: #"{"a":"#, count: 100_000)))
        #expect(objects.message.contains("maximum nesting depth"))
        #expect(parseError(String(repeating: "[", count: 10) + String(repeating: "]", count: 10)) == nil)
        #expect(throws: JSONParserError.self) { try JSONParser.parse("[[[1]]]", maxDepth: 2) }
    }
}
