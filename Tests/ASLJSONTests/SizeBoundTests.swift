import Testing

@testable import ASLJSON

/// `JSONValue.sizeBound`: an upper bound on the compact serialization that the parser and
/// builders record in objects, so the VM's per-state size checks need not walk values.
@Suite("Size bounds")
struct SizeBoundTests {
    static let samples = [
        #"{"id":"evt-1","user":{"name":"bob","tier":"silver","age":44},"amount":95.14,"tags":["a","b"],"n":null,"t":true}"#,
        #"{"esc":"\u0001\"\\\n","uni":"日本\u00e9","e":1e-7,"big":123456789012345678901234567890123456789012}"#,
        #"[{"a":[{"b":[]}]},{},[],"",-0.0,false]"#,
        #"{"a":1,"a":{"x":"dup"},"b":2}"#,
    ]

    /// The same value rebuilt through the API (no recorded bounds anywhere).
    static func rebuilt(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let a): return .array(a.map(rebuilt))
        case .object(let o):
            var copy = JSONObject()
            for (k, v) in o { copy[k] = rebuilt(v) }
            return .object(copy)
        default: return value
        }
    }

    @Test("a parsed value's recorded bound equals the walked bound and covers its serialization", arguments: samples)
    func parsedBound(text: String) throws {
        let value = try JSONParser.parse(text)
        let walked = Self.rebuilt(value).sizeBound
        #expect(value.sizeBound == walked)
        #expect(walked >= JSONWriter.bytes(value).count)
        #expect(value.sizeBound(limit: walked) == walked)
        #expect(value.sizeBound(limit: walked - 1) == nil)
    }

    @Test("a big integer counts its digits, not a fixed 32 bytes")
    func bigInteger() throws {
        let digits = String(repeating: "9", count: 60)
        let value = try JSONParser.parse(digits)
        #expect(value.sizeBound >= JSONWriter.bytes(value).count)
        #expect(JSONValue.array([value]).sizeBound >= 62)
    }

    @Test("every mutation forgets a recorded bound; recordSizeBound records the new one")
    func mutationsReset() throws {
        var object = try #require(try JSONParser.parse(#"{"a":"x","b":[1,2]}"#).objectValue)
        let before = object.sizeBound
        object["a"] = .string(String(repeating: "y", count: 100))
        #expect(object.sizeBound == before + 6 * 99)
        object.setValue(.null, at: 1)
        object["c"] = "z"
        object.removeValue(forKey: "a")
        let expected = Self.rebuilt(.object(object)).sizeBound
        #expect(object.sizeBound == expected)
        object.recordSizeBound()
        #expect(object.sizeBound == expected)
        #expect(JSONValue.object(object).sizeBound >= JSONWriter.bytes(.object(object)).count)
    }

    @Test("a shared object is never written to: copies keep their own bounds")
    func sharedCopies() throws {
        let parsed = try #require(try JSONParser.parse(#"{"k":"v"}"#).objectValue)
        var copy = parsed
        copy["k"] = "longer value"
        copy.recordSizeBound()
        #expect(parsed.sizeBound == 2 + 4 + 6 + 2 + 6)
        #expect(copy.sizeBound == 2 + 4 + 6 + 2 + 6 * 12)
    }
}

@Suite("Writer buffer")
struct WriterBufferTests {
    @Test("reading bytes, then writing more, continues the same output")
    func readThenWrite() {
        var writer = JSONWriter(capacity: 1)
        writer.write(["a": "x"])
        #expect(writer.bytes == Array(#"{"a":"x"}"#.utf8))
        writer.appendRaw(byte: 0x0A)
        writer.write(.array([1, 2.5, .string(String(repeating: "\u{1}", count: 300))]))
        let expected = #"{"a":"x"}"# + "\n[1,2.5,\"" + String(repeating: "\\u0001", count: 300) + "\"]"
        #expect(writer.bytes == Array(expected.utf8))
        #expect(writer.count == expected.utf8.count)
    }

    @Test("a copied writer is independent (copy-on-write)")
    func copies() {
        var a = JSONWriter()
        a.appendRaw("[")
        var b = a
        a.write(1)
        b.write("s")
        #expect(a.bytes == Array("[1".utf8))
        #expect(b.bytes == Array("[\"s\"".utf8))
    }

    @Test("numbers are written in place: extremes of Int64 and Java's double forms")
    func numbers() {
        let cases: [(JSONValue, String)] = [
            (.int(0), "0"), (.number(.int(Int64.min)), "-9223372036854775808"), (.number(.int(Int64.max)), "9223372036854775807"),
            (.double(-2.2250738585072014E-308), "-2.2250738585072014E-308"), (.double(1e7), "1.0E7"), (.double(0.001), "0.001"),
            (.double(-.infinity), "-Infinity"), (.double(.nan), "NaN"), (.double(Double.leastNonzeroMagnitude), "4.9E-324"),
        ]
        for (value, text) in cases { #expect(JSONWriter.string(value) == text) }
    }
}
