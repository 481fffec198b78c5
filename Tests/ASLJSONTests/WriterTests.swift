import ASLJSON
import Testing

private func json(_ value: JSONValue) -> String { JSONWriter.string(value) }
private func roundTrip(_ text: String) throws -> String { JSONWriter.string(try JSONParser.parse(text)) }

@Suite("Writer and round trip")
struct WriterTests {
    @Test("control characters: short escapes for \\b \\t \\n \\f \\r, \\u00XX uppercase otherwise")
    func controlCharacters() {
        #expect(json("\u{08}\u{09}\u{0A}\u{0C}\u{0D}") == #""\b\t\n\f\r""#)
        #expect(json("\u{00}\u{01}\u{1F}\u{0B}\u{1B}") == #""\u0000\u0001\u001F\u000B\u001B""#)
        #expect(json("\"\\") == #""\"\\""#)
        #expect(json("\u{7F}") == "\"\u{7F}\"")  // DEL is not escaped by Jackson
    }

    @Test("every control character round-trips through its escape")
    func allControlCharacters() throws {
        for c in 0..<0x20 {
            let s = String(Unicode.Scalar(UInt8(c)))
            let text = json(.string(s))
            #expect(!text.utf8.contains { $0 < 0x20 }, "control character \(c) must be escaped")
            #expect(try JSONParser.parse(text) == .string(s))
        }
    }

    @Test("'/' is not escaped; \\/ in input reads as '/'")
    func slash() throws {
        #expect(json("a/b") == #""a/b""#)
        #expect(try roundTrip(#""a\/b""#) == #""a/b""#)
    }

    @Test("non-ASCII is kept as UTF-8; escapes of non-ASCII are written as UTF-8", arguments: [
        (#""é""#, "\"é\""), (#""\u00e9""#, "\"é\""), (#""日本語""#, "\"日本語\""), (#""\u65E5""#, "\"日\""),
        (#""😀""#, "\"😀\""), (#""\ud83d\ude00""#, "\"😀\""), (#""\uD834\uDD1E""#, "\"𝄞\""),
    ])
    func nonASCII(input: String, output: String) throws {
        #expect(try roundTrip(input) == output)
    }

    @Test("surrogate pairs decode to one scalar; UTF-8 bytes are exact")
    func surrogatePairs() throws {
        let value = try JSONParser.parse(#""\ud83d\ude00x""#)
        #expect(value.stringValue?.unicodeScalars.map(\.value) == [0x1F600, 0x78])
        #expect(JSONWriter.bytes(value) == [0x22, 0xF0, 0x9F, 0x98, 0x80, 0x78, 0x22])
    }

    @Test("integers are exact, including Int64 min/max and beyond", arguments: [
        "0", "-0", "1", "-1", "9223372036854775807", "-9223372036854775808",
        "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890",
    ])
    func integers(text: String) throws {
        let value = try JSONParser.parse(text)
        #expect(try roundTrip(text) == (text == "-0" ? "0" : text))
        #expect(value.numberValue?.isIntegerKind == true)
    }

    @Test("integer kinds: .int within Int64, .big beyond with its digits")
    func integerKinds() throws {
        #expect(try JSONParser.parse("9223372036854775807") == .number(.int(.max)))
        #expect(try JSONParser.parse("-9223372036854775808") == .number(.int(.min)))
        guard case .number(.big(let digits)) = try JSONParser.parse("-9223372036854775809") else {
            Issue.record("expected .big"); return
        }
        #expect(digits == "-9223372036854775809")
        #expect(JSONNumber.big("9223372036854775808") != .int(.max))
        #expect(JSONNumber.big("9223372036854775808") == .double(9223372036854775808.0))
        #expect(JSONNumber.big("9223372036854775809") != .double(9223372036854775808.0))
        #expect(JSONNumber.big("10000000000000000000").hashValue == JSONNumber.double(1e19).hashValue)
    }

    @Test("doubles print as Java's Double.toString", arguments: [
        (1.0, "1.0"), (1.5, "1.5"), (0.001, "0.001"), (1.0e-4, "1.0E-4"), (1.0e7, "1.0E7"),
        (1.2345678e7, "1.2345678E7"), (-0.0, "-0.0"), (0.0, "0.0"), (9999999.0, "9999999.0"),
        (100.0, "100.0"), (123.456, "123.456"), (0.1, "0.1"), (1.0 / 3, "0.3333333333333333"),
        (1.7976931348623157e308, "1.7976931348623157E308"), (2.2250738585072014e-308, "2.2250738585072014E-308"),
        (1e23, "1.0E23"), (-1.5e-10, "-1.5E-10"), (1e21, "1.0E21"), (123456789.0, "1.23456789E8"),
        // Java's two-digit rule for subnormals: Double.MIN_VALUE prints 4.9E-324 (JDK 19+ and before).
        (.leastNonzeroMagnitude, "4.9E-324"), (2 * .leastNonzeroMagnitude, "9.9E-324"),
    ])
    func doubles(value: Double, expected: String) throws {
        #expect(json(.double(value)) == expected)
        #expect(JavaDouble.format(value) == expected)
        let back = try JSONParser.parse(expected)
        #expect(back.numberValue?.doubleValue.bitPattern == value.bitPattern)
        #expect(back.numberValue?.isIntegerKind == false)
    }

    @Test("fraction or exponent in the input gives a double, printed the Java way", arguments: [
        ("1.50", "1.5"), ("1e2", "100.0"), ("1E+2", "100.0"), ("-0.0", "-0.0"), ("2.5e-5", "2.5E-5"), ("1.0", "1.0"),
    ])
    func doubleInputs(input: String, output: String) throws {
        #expect(try roundTrip(input) == output)
    }

    @Test("1 and 1.0 are distinguishable but equal, and hash alike")
    func intVersusDouble() throws {
        let one = try JSONParser.parse("1"), onePointZero = try JSONParser.parse("1.0")
        #expect(one == onePointZero)
        #expect(one.hashValue == onePointZero.hashValue)
        #expect(one.numberValue?.isIntegerKind == true)
        #expect(onePointZero.numberValue?.isIntegerKind == false)
        #expect(json(one) == "1" && json(onePointZero) == "1.0")
        #expect(onePointZero.numberValue?.isIntegral == true)
        #expect(try JSONParser.parse("1.5").numberValue?.isIntegral == false)
        #expect(try JSONParser.parse("1") != JSONParser.parse("1.5"))
        #expect(Set<JSONValue>([one, onePointZero, -0.0, 0]).count == 2)
        #expect(JSONValue.array([1, 2.0]) == [1.0, 2])
    }

    @Test("key order is preserved through parse and serialize")
    func keyOrder() throws {
        let text = #"{"z":1,"a":2,"m":{"y":true,"b":null},"c":[3,{"k":"v","a":"b"}]}"#
        #expect(try roundTrip(text) == text)
        #expect(try JSONParser.parse(text).objectValue?.keys == ["z", "a", "m", "c"])
    }

    @Test("duplicate keys: last value wins, first position kept (Jackson)", arguments: [3, 20])
    func duplicateKeys(size: Int) throws {
        var fields = (0..<size).map { "\"k\($0)\":\($0)" }
        fields.append(#""k1":"last""#)
        let value = try JSONParser.parse("{" + fields.joined(separator: ",") + "}")
        let object = try #require(value.objectValue)
        #expect(object.count == size)
        #expect(object["k1"] == "last")
        #expect(object.key(at: 1) == "k1")
        #expect(json(value).hasPrefix(#"{"k0":0,"k1":"last","k2":2"#))
    }

    @Test("small (linear) and large (indexed) objects look up, update and remove alike", arguments: [5, 12, 13, 100])
    func objectSizes(size: Int) throws {
        let text = "{" + (0..<size).map { "\"key\($0)\":\($0)" }.joined(separator: ",") + "}"
        var object = try #require(try JSONParser.parse(text).objectValue)
        for i in 0..<size { #expect(object["key\(i)"] == .int(i)) }
        #expect(object["missing"] == nil)
        object["key3"] = "three"
        object["new"] = true
        #expect(object["key3"] == "three" && object.key(at: 3) == "key3")
        #expect(object.index(forKey: "new") == size)
        let copy = object
        object.removeValue(forKey: "key0")
        #expect(object["key0"] == nil && object["key1"] == .int(1) && object["new"] == true)
        #expect(copy["key0"] == .int(0), "copy-on-write keeps the copy intact")
        #expect(object.count == size)
        #expect(JSONWriter.string(.object(object)).hasPrefix(#"{"key1":1,"key2":2,"key3":"three""#))
    }

    @Test("objects compare regardless of key order")
    func objectEquality() throws {
        let a = try JSONParser.parse(#"{"a":1,"b":[true,null]}"#), b = try JSONParser.parse(#"{"b":[true,null],"a":1.0}"#)
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != (try JSONParser.parse(#"{"a":1,"b":[true]}"#)))
    }

    @Test("literals, nesting and whitespace")
    func structure() throws {
        #expect(try roundTrip(" \t\r\n[ true , false , null , { } , [ ] , \"\" ] \n") == #"[true,false,null,{},[],""]"#)
        let value: JSONValue = ["a": [1, 2.5, "x"], "b": nil]
        #expect(json(value) == #"{"a":[1,2.5,"x"],"b":null}"#)
        #expect(value.description == json(value))
    }

    @Test("the writer's buffer can be reset and reused")
    func writerReuse() {
        var writer = JSONWriter()
        writer.write(["a": 1])
        #expect(writer.bytes == Array(#"{"a":1}"#.utf8))
        writer.reset()
        writer.write(.string("é/"))
        #expect(writer.bytes == Array("\"é/\"".utf8))
    }
}

@Suite("String fast paths")
struct StringFastPathTests {
    @Test("strings of every length up to 40, alone (at the buffer's end) and inside a container, round-trip")
    func lengths() throws {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789ABCD".utf8)
        for n in 0...40 {
            let s = String(decoding: alphabet[0..<n], as: UTF8.self)
            for text in ["\"\(s)\"", "[\"\(s)\",\"\(s)\"]", "{\"\(s)\":\"\(s)\"}", "\"\(s)é\"", "\"é\(s)\""] {
                let value = try JSONParser.parse(text)
                #expect(JSONWriter.string(value) == text)
            }
            #expect(try JSONParser.parse("\"\(s)\"").stringValue == s)
            #expect(try JSONParser.parse("\"\(s)\"").stringValue?.utf8.count == n)
        }
    }

    @Test("escapes at every position of strings longer than the stack-buffer limit")
    func longStrings() throws {
        for n in [150, 160, 161, 300, 2000] {
            var s = String(repeating: "x", count: n)
            s.insert("\n", at: s.index(s.startIndex, offsetBy: n / 2))
            s += "\u{01}\"\\/é"
            let text = JSONWriter.string(.string(s))
            #expect(text.hasSuffix(#"\u0001\"\\/é""#))
            #expect(try JSONParser.parse(text) == .string(s))
        }
    }
}
