import ASL
import ASLJSON

/// (d) Intrinsic-call text → parse → evaluate on a fixed input whose fields hold the values
/// that break naive integer code (huge, negative, fractional, wrong types).
enum FuzzIntrinsic {
    static let input: JSONValue = {
        let text = """
        {"a": 1e19, "b": -9e18, "c": 2147483648, "d": 1.5, "e": -0.5, "n": 3, "z": 0, "s": "a,b,,c", "t": "",
         "u": "SGVsbG8=", "arr": [1, 2, 3, [1, 2], {"k": "v"}, null], "empty": [], "o": {"x": 1, "y": [2]},
         "big": 123456789012345678901234567890, "neg": -1, "max": 9223372036854775807, "min": -9223372036854775808}
        """
        return try! JSONParser.parse(text)
    }()

    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let expression = try? PayloadTemplate.Expression(text, field: "v.$") else { return }
        let context = ExpressionContext(input: input, variables: ["x": input, "n": .number(.int(5))])
        _ = try? expression.evaluate(context, field: "v.$")
    }
}
