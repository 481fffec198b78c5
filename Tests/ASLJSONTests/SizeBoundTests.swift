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

    /// The bound by its definition, walking the whole value (independent of what objects keep).
    static func walked(_ value: JSONValue) -> Int {
        switch value {
        case .null, .bool: return 5
        case .number(.big(let digits)): return max(32, digits.utf8.count)
        case .number: return 32
        case .string(let s): return 2 + 6 * s.utf8.count
        case .array(let a): return 2 + a.reduce(0) { $0 + 1 + walked($1) }
        case .object(let o): return 2 + o.reduce(0) { $0 + 4 + 6 * $1.key.utf8.count + walked($1.value) }
        }
    }

    @Test("a parsed value's recorded bound equals the walked bound and covers its serialization", arguments: samples)
    func parsedBound(text: String) throws {
        let value = try JSONParser.parse(text)
        let walked = Self.walked(value)
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

    @Test("every mutation keeps the bound exact", arguments: [3, 20])
    func mutationsKeepIt(size: Int) throws {
        let text = "{" + (0..<size).map { "\"k\($0)\":[\($0),\"s\"]" }.joined(separator: ",") + "}"
        var object = try #require(try JSONParser.parse(text).objectValue)
        let before = object.sizeBound
        #expect(before == Self.walked(.object(object)))
        object["k0"] = .string(String(repeating: "y", count: 100))
        #expect(object.sizeBound == Self.walked(.object(object)))
        object.setValue(.null, at: 1)
        object["new"] = ["nested": [1, "two"]]
        object.removeValue(forKey: "k2")
        object["k0"] = nil
        #expect(object.sizeBound == Self.walked(.object(object)))
        var built = JSONObject()
        #expect(built.sizeBound == 2)
        built["a"] = .object(object)
        built["b"] = 1.5
        #expect(built.sizeBound == Self.walked(.object(built)))
        #expect(JSONValue.object(built).sizeBound >= JSONWriter.bytes(.object(built)).count)
    }

    @Test("copy-on-write: a copy's bound changes, the original's does not")
    func sharedCopies() throws {
        let parsed = try #require(try JSONParser.parse(#"{"k":"v"}"#).objectValue)
        var copy = parsed
        copy["k"] = "longer value"
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
