import ASLJSON

/// (a) JSON parser and writer: whatever parses writes back to text that parses to an equal
/// value, and writing is stable (write ∘ parse ∘ write = write).
enum FuzzJSON {
    static func run(_ bytes: [UInt8]) {
        guard let value = try? JSONParser.parse(bytes) else { return }
        let text = JSONWriter.bytes(value)
        guard let again = try? JSONParser.parse(text) else {
            fuzzCheck(false, "written JSON does not parse: \(String(decoding: text, as: UTF8.self))")
            return
        }
        fuzzCheck(again == value, "round trip changed the value: \(String(decoding: text, as: UTF8.self))")
        fuzzCheck(JSONWriter.bytes(again) == text, "writing is not stable: \(String(decoding: text, as: UTF8.self))")
    }
}
