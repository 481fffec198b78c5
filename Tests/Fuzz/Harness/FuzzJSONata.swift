import ASLJSON
import JSONata

/// (e) JSONata text → parse → evaluate on a fixed input, within a time limit (a slow
/// expression is an error, not a hang).
enum FuzzJSONata {
    static let input: JSONValue = {
        let text = """
        {"a": 1e19, "b": -9e18, "n": 3, "d": 1.5, "s": "aaab", "t": "hello world", "arr": [1, 2, 3, "x", [4, 5]],
         "o": {"k": "v", "nested": {"deep": [true, false, null]}}, "empty": [], "max": 9223372036854775807}
        """
        return try! JSONParser.parse(text)
    }()
    static let environment = JSONataEnvironment(clock: { 1_700_000_000_000 }, uuid: { "00000000-0000-4000-8000-000000000000" },
                                                randomSeed: 1, maxDepth: 500, timeLimit: 1)

    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let expression = try? JSONataExpression(text) else { return }
        _ = try? expression.evaluate(input: input, bindings: ["v": input], environment: environment)
    }
}
