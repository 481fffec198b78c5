import ASLJSON
import Foundation
import JSONata

/// Benchmarks for the JSONata stage: evaluations per second of typical Step Functions
/// expressions on a ~350-byte event, bound as `$states` the way the engine binds it.
///
/// `swift run -c release ASLBench jsonata [--seconds S]`
enum JSONataBenchmarks {
    static let event = """
        {"version":"0","id":"6a7e8feb-b491-4cf7","detail-type":"OrderPlaced",\
        "source":"com.example.orders","time":"2024-05-01T12:00:00Z",\
        "detail":{"orderId":"A-1001","customer":{"id":"c-42","name":"Ada Lovelace","tier":"gold"},\
        "items":[{"sku":"X1","price":12.5,"qty":2},{"sku":"Y2","price":3.25,"qty":4},{"sku":"Z3","price":99,"qty":1}],\
        "currency":"EUR","express":true}}
        """

    static let cases: [(name: String, expression: String)] = [
        ("field access", "$states.input.detail.customer.name"),
        ("$sum", "$sum($states.input.detail.items.(price * qty))"),
        ("string concat", "$states.input.detail.orderId & '/' & $states.input.detail.customer.id & ' (' & $uppercase($states.input.detail.customer.tier) & ')'"),
        ("object constructor", "{'order': $states.input.detail.orderId, 'total': $sum($states.input.detail.items.(price * qty)), 'count': $count($states.input.detail.items), 'express': $states.input.detail.express}"),
        ("filter + map", "$states.input.detail.items[price > 10].sku"),
    ]

    static func run(_ arguments: [String]) {
        var seconds = 1.0
        if let i = arguments.firstIndex(of: "--seconds"), i + 1 < arguments.count, let s = Double(arguments[i + 1]) { seconds = s }
        guard let input = try? JSONParser.parse(event) else { print("JSONata: bad event"); return }
        let states: JSONValue = ["input": input, "context": ["Execution": ["Id": "arn:aws:states:us-east-1:123456789012:express:sm:exec"]]]
        print("JSONata (\(event.utf8.count)-byte event, $states binding, single thread):")
        for (name, source) in cases {
            guard let expression = try? JSONataExpression(source) else { print("  \(name): does not compile"); continue }
            let result = try? expression.evaluate(input: nil, bindings: ["states": states])
            var count = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var elapsed = 0.0
            while elapsed < seconds {
                for _ in 0..<200 { _ = try? expression.evaluate(input: nil, bindings: ["states": states]) }
                count += 200
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
            let rate = Double(count) / elapsed
            let shown = result.map { JSONWriter.string($0) } ?? "undefined"
            print("  \(name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(format: "%10.0f", rate)) evals/s   → \(shown.prefix(60))")
        }
        var compiles = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        while elapsed < seconds / 2 {
            for (_, source) in cases { _ = try? JSONataExpression(source) }
            compiles += cases.count
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        print("  compile (parse + AST)  \(String(format: "%10.0f", Double(compiles) / elapsed)) expressions/s")
    }
}
