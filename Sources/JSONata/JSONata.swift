import ASLJSON
import Foundation

/// Sources of non-determinism for JSONata evaluation (`$now`, `$millis`, `$random`, `$uuid`),
/// injectable for deterministic tests, plus the evaluation depth limit.
public struct JSONataEnvironment: Sendable {
    /// The current time in milliseconds since the Unix epoch; read once per evaluation, so
    /// every `$now()`/`$millis()` in one evaluation agrees (as in JSONata).
    public var clock: @Sendable () -> Double
    /// Generates `$uuid()` values (lowercase v4 UUID strings by default).
    public var uuid: @Sendable () -> String
    /// Seed for the unseeded `$random()`; `nil` seeds from the system generator per evaluation.
    public var randomSeed: UInt64?
    /// Maximum nesting of expression evaluation before `U1001` (stack overflow) is raised.
    /// Tail calls do not nest. Independently of this limit, parsing and evaluation stop with
    /// `U1001` before exhausting the current thread's stack (a margin of 160 KiB is kept), so
    /// deep recursion is safe on any thread; larger stacks allow deeper recursion.
    public var maxDepth: Int
    /// Maximum wall-clock time of one evaluation in seconds (`nil`: unlimited); exceeding it
    /// raises `U1001` ("Expression evaluation timeout"), e.g. for non-terminating tail recursion.
    public var timeLimit: Double?
    /// An absolute deadline in `DispatchTime` uptime nanoseconds (`nil`: none), e.g. the end
    /// of the workflow execution that evaluates the expression. Evaluation stops with `U1001`
    /// ("Expression evaluation timeout") at whichever of it and ``timeLimit`` comes first;
    /// every loop of the evaluator, its builtins and its regular-expression engine checks it.
    public var deadline: UInt64?

    /// Creates an environment; the defaults use the system clock, random UUIDs, a depth limit
    /// of 10 000 and a time limit of 10 seconds.
    public init(
        clock: @escaping @Sendable () -> Double = { (Date().timeIntervalSince1970 * 1000).rounded(.down) },
        uuid: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() },
        randomSeed: UInt64? = nil,
        maxDepth: Int = 10_000,
        timeLimit: Double? = 10,
        deadline: UInt64? = nil
    ) {
        self.deadline = deadline
        self.clock = clock
        self.uuid = uuid
        self.randomSeed = randomSeed
        self.maxDepth = maxDepth
        self.timeLimit = timeLimit
    }
}

/// The outcome of an evaluation.
public enum JSONataResult: Sendable, Equatable {
    /// A JSON value (sequences become arrays; functions nested in arrays become `null` and
    /// in objects are omitted, as `JSON.stringify` does).
    case value(JSONValue)
    /// No result (*undefined*), e.g. a path that matched nothing.
    case undefined
    /// The expression evaluated to a function.
    case function
}

/// A compiled JSONata expression (JSONata 2.0.6 semantics, as AWS Step Functions runs it).
///
/// Compile once, evaluate many times, from any number of threads: the compiled form is
/// immutable and every evaluation has its own state.
///
/// ```swift
/// let expr = try JSONataExpression("$sum(Account.Order.Product.(Price * Quantity))")
/// let total = try expr.evaluate(input: event)
/// ```
public struct JSONataExpression: Sendable {
    let root: Node
    /// The expression's source text.
    public let source: String
    /// The expression is in the subset ``DirectJSON`` evaluates on the JSON.
    let direct: Bool

    /// Parses and compiles `source`.
    /// - Throws: a `JSONataError` with an `S0xxx` code for syntax errors.
    public init(_ source: String) throws(JSONataError) {
        self.source = source
        do {
            root = try Parser.parse(source)
        } catch {
            throw error.rendered()
        }
        direct = DirectJSON.supports(root)
    }

    /// Evaluates the expression.
    /// - Parameters:
    ///   - input: the context value (`$`, and `$$`); `nil` for none.
    ///   - bindings: variables visible as `$name` (they shadow built-in functions of the same name).
    ///   - environment: clock, UUID and random sources and the depth limit.
    /// - Returns: the result, or `nil` when it is *undefined* (no match). Sequences are
    ///   returned as arrays; integral numbers within ±2^53 as integers.
    /// - Throws: a `JSONataError` (`Txxxx`, `Dxxxx`, `U1001`).
    ///   A function result is also returned as `nil`; use ``evaluateResult(input:bindings:environment:)``
    ///   to tell the two apart.
    public func evaluate(input: JSONValue?, bindings: [String: JSONValue] = [:], environment: JSONataEnvironment = .init()) throws(JSONataError) -> JSONValue? {
        switch try evaluateResult(input: input, bindings: bindings, environment: environment) {
        case .value(let v): return v
        case .undefined, .function: return nil
        }
    }

    /// Evaluates the expression, distinguishing *undefined* from a function result (which is
    /// not JSON; AWS reports "returned an unsupported result type").
    public func evaluateResult(input: JSONValue?, bindings: [String: JSONValue] = [:], environment: JSONataEnvironment = .init()) throws(JSONataError) -> JSONataResult {
        try evaluateResult(input: input, bindingList: bindings.map { ($0.key, $0.value) }, environment: environment)
    }

    /// ``evaluateResult(input:bindings:environment:)`` with the bindings as a list of distinct names.
    public func evaluateResult(input: JSONValue?, bindingList bindings: [(String, JSONValue)], environment: JSONataEnvironment = .init()) throws(JSONataError) -> JSONataResult {
        if direct, let r = DirectJSON.evaluate(root, bindings) {
            switch r {
            case .value(let v): return .value(v)
            case .undefined: return .undefined
            }
        }
        return try evaluateGeneral(input: input, bindingList: bindings, environment: environment)
    }

    /// The general evaluator, without the ``DirectJSON`` shortcut (tests compare the two).
    func evaluateGeneral(input: JSONValue?, bindingList bindings: [(String, JSONValue)], environment: JSONataEnvironment) throws(JSONataError) -> JSONataResult {
        let evaluator = Evaluator(environment: environment)
        let frame = Frame(parent: nil, evaluator: evaluator)
        frame.bindings.reserveCapacity(bindings.count + 1)
        for (k, v) in bindings { frame.bindings.append(Frame.Binding(k, Value(json: v))) }
        let result: Value?
        do {
            result = try evaluateValue(input: input.map(Value.init(json:)), frame: frame, evaluator: evaluator)
        } catch {
            throw error.rendered()
        }
        guard let result else { return .undefined }
        if case .function = result { return .function }
        return result.toJSON(reuseJSON: !evaluator.mutatedJSONObject).map(JSONataResult.value) ?? .undefined
    }

    /// The names of all variables the expression references (without `$`; `$$` is `"$"`),
    /// including those bound inside it, and library functions called by name.
    public var referencedVariables: Set<String> {
        var names = Set<String>()
        root.walk { node in
            if node.kind == .variable && !node.value.isEmpty { names.insert(node.value) }
        }
        return names
    }

    /// The field paths read from variable `name`: `$states.result.Payload` gives
    /// `["result", "Payload"]`, a bare `$states` gives `[]`. Only leading plain field names are
    /// listed (`$states.input[0].x` gives `["input"]`). Used to check, when a state machine is
    /// compiled, which `$states` members a field refers to.
    public func fieldPaths(following name: String) -> [[String]] {
        var paths: [[String]] = []
        var seen = Set<ObjectIdentifier>()
        root.walk { node in
            if node.kind == .path, let first = node.steps.first, first.kind == .variable, first.value == name {
                seen.insert(ObjectIdentifier(first))
                var fields: [String] = []
                if first.predicate == nil && first.stages == nil {
                    for step in node.steps.dropFirst() {
                        guard step.kind == .name else { break }
                        fields.append(step.value)
                        if step.stages != nil || step.predicate != nil { break }
                    }
                }
                paths.append(fields)
            } else if node.kind == .variable, node.value == name, !seen.contains(ObjectIdentifier(node)) {
                paths.append([])
            }
        }
        return paths
    }

    func evaluateValue(input inputValue: Value?, bindings: [String: Value], environment: JSONataEnvironment) throws(RawError) -> Value? {
        let evaluator = Evaluator(environment: environment)
        let frame = Frame(parent: nil, evaluator: evaluator)
        for (k, v) in bindings { frame.bind(k, v) }
        return try evaluateValue(input: inputValue, frame: frame, evaluator: evaluator)
    }

    /// Evaluates with `frame` (a root frame of `evaluator` holding the bindings).
    func evaluateValue(input inputValue: Value?, frame: Frame, evaluator: Evaluator) throws(RawError) -> Value? {
        var input = inputValue
        if case .array(let a)? = input, !a.sequence {
            let wrapper = Value.seq([.array(a)])
            wrapper.outerWrapper = true
            input = .array(wrapper)
        }
        frame.bind("$", input)
        return try withExtendedLifetime(evaluator) { () throws(RawError) -> Value? in
            try evaluator.evaluate(root, input, frame)
        }
    }
}
