import ASLJSON
import Foundation

// The tree-walking evaluator, following jsonata-js 2.0's evaluate functions (sequences,
// tuple streams for `@`/`#`/`%`, tail calls via thunks).

/// A variable scope.
final class Frame {
    /// Bound values (few per frame, searched linearly); a bound *undefined* shadows outer bindings.
    @exclusivity(unchecked) var bindings: [Binding] = []
    /// A struct rather than a tuple: arrays of it are destroyed by specialised code.
    struct Binding {
        var name: String
        var value: Value?
        init(_ name: String, _ value: Value?) { self.name = name; self.value = value }
    }
    let parent: Frame?
    unowned(unsafe) let evaluator: Evaluator

    init(parent: Frame?, evaluator: Evaluator) {
        self.parent = parent
        self.evaluator = evaluator
    }

    init(parent: Frame) {
        self.parent = parent
        self.evaluator = parent.evaluator
    }

    func bind(_ name: String, _ value: Value?) {
        for i in 0..<bindings.count where bindings[i].name == name {
            bindings[i].value = value
            return
        }
        bindings.append(Binding(name, value))
    }

    /// Looks a variable up in this frame and its parents, then among the library functions.
    func lookup(_ name: String) -> Value? {
        bound(name) ?? evaluator.builtin(name)
    }

    /// Looks a variable up; `builtin` is the library function of that name, resolved at compile time.
    func lookup(_ name: String, builtin: Value?) -> Value? {
        bound(name) ?? builtin
    }

    /// The value bound to `name` in this frame or a parent, if any.
    private func bound(_ name: String) -> Value? {
        var f: Frame? = self
        while let frame = f {
            let n = frame.bindings.count
            var i = 0
            while i < n {
                if frame.bindings[i].name == name { return frame.bindings[i].value }
                i += 1
            }
            f = frame.parent
        }
        return nil
    }
}

/// A function value.
final class JFunction {
    final class Lambda {
        var input: Value?
        var env: Frame
        var params: [String]
        var signature: Signature?
        var body: Node
        var thunk: Bool
        init(input: Value?, env: Frame, params: [String], signature: Signature?, body: Node, thunk: Bool) {
            self.input = input; self.env = env; self.params = params; self.signature = signature; self.body = body; self.thunk = thunk
        }
    }
    typealias NativeImpl = (Evaluator, [Value?], Value?) throws(RawError) -> Value?

    enum Kind {
        case lambda(Lambda)
        case builtin(Builtin)
        case partialNative(Builtin, [Value?], [Int])
        case native(NativeImpl, arity: Int, signature: Signature?)
    }
    let kind: Kind

    init(_ kind: Kind) { self.kind = kind }

    var arity: Int {
        switch kind {
        case .lambda(let l): return l.params.count
        case .builtin(let b): return b.arity
        case .partialNative(_, _, let holes): return holes.count
        case .native(_, let arity, _): return arity
        }
    }
}

/// A library function.
struct Builtin: Sendable {
    typealias Impl = @Sendable (Evaluator, [Value?], Value?) throws(RawError) -> Value?
    let name: String
    let signature: Signature?
    /// The number of declared parameters of the jsonata-js implementation (partial application, HOF arity).
    let arity: Int
    let impl: Impl

    init(_ name: String, _ signature: String?, _ arity: Int, _ impl: @escaping Impl) {
        self.name = name
        self.signature = signature.map { try! Signature($0) }
        self.arity = arity
        self.impl = impl
    }
}

/// One evaluation: holds the clock, the environment's sources and the depth counter.
final class Evaluator {
    let environment: JSONataEnvironment
    /// The evaluation's timestamp: read from the clock once, on first use.
    lazy var timestamp: Double = environment.clock()
    @exclusivity(unchecked) var depth = 0
    /// An object converted from JSON was modified in place (by a transform whose `$clone` does
    /// not copy): JSON kept by its containers may be stale, so results are converted in full.
    @exclusivity(unchecked) var mutatedJSONObject = false
    let maxDepth: Int
    lazy var randomState: UInt64 = environment.randomSeed ?? UInt64.random(in: 1...UInt64.max)
    /// Work units (evaluation steps, items built or compared) left until the next look at the
    /// clock. The clock is first read at the first check (after 1024 units), so short
    /// evaluations never read it.
    @exclusivity(unchecked) private var countdown = Evaluator.unitsPerCheck
    static let unitsPerCheck = 1024
    /// The time limit in nanoseconds (nil: none).
    private let timeLimit: UInt64?
    /// ``JSONataEnvironment/deadline``, or `UInt64.max`.
    private let outerDeadline: UInt64
    @exclusivity(unchecked) private var deadline: UInt64 = 0
    private let stackLimit = StackGuard.limit()
    /// The most items a sequence, and UTF-8 bytes a string, built by one evaluation may hold
    /// (the range operator's limit, D2014): runaway growth (`$x.$x.$x`, a string doubled in a
    /// loop) stops with an error long before it exhausts memory.
    static let sizeLimit = 10_000_000

    init(environment: JSONataEnvironment) {
        self.timeLimit = environment.timeLimit.flatMap { $0.isFinite && $0 >= 0 ? UInt64(exactly: ($0 * 1e9).rounded(.down)) ?? .max : nil }
        self.outerDeadline = environment.deadline ?? .max
        self.environment = environment
        self.maxDepth = environment.maxDepth
    }

    /// Counts `units` of work; every ``unitsPerCheck`` units compares the clock with the
    /// deadline. Loops that do not go through ``evaluate(_:_:_:)`` for each item (builtins,
    /// path flattening) call this so that no loop runs past the deadline.
    @inline(__always) func tick(_ units: Int = 1) throws(RawError) {
        countdown &-= units
        if countdown <= 0 { try checkDeadline(nil) }
    }

    /// The regular-expression engine ran out of time (it cannot throw; its caller does).
    @exclusivity(unchecked) private var regexExpired = false

    /// ``tick(_:)`` for code that cannot throw: true (and remembered) once past the deadline.
    func spendOrExpire(_ units: Int) -> Bool {
        if regexExpired { return true }
        do { try tick(units) } catch { regexExpired = true }
        return regexExpired
    }

    /// Throws the timeout a regular-expression search gave up on.
    func rethrowRegexTimeout() throws(RawError) {
        guard regexExpired else { return }
        var e = RawError("U1001")
        e.message = "Expression evaluation timeout: Check for infinite loop"
        throw e
    }

    /// Throws `U1002` when a sequence would grow past ``sizeLimit`` items.
    @inline(__always) func checkSize(_ count: Int) throws(RawError) {
        if count > Evaluator.sizeLimit { throw sizeError() }
    }

    /// Throws `D3137` "Invalid string length" (as `$pad` does, and JavaScript for a string too
    /// long) when a string would grow past ``sizeLimit`` UTF-8 bytes.
    @inline(__always) func checkStringSize(_ count: Int) throws(RawError) {
        if count > Evaluator.sizeLimit { throw Evaluator.stringSizeError() }
    }

    @inline(never) private func sizeError() -> RawError {
        var e = RawError("U1002")
        e.message = "Sequence too large: more than \(Evaluator.sizeLimit) items"
        return e
    }

    @inline(never) static func stringSizeError() -> RawError {
        var e = RawError("D3137")
        e.message = "Invalid string length"
        return e
    }

    func builtin(_ name: String) -> Value? {
        builtinFunctions[name]
    }

    // MARK: evaluate

    // The recursive path (evaluate → evaluateX → evaluate) is kept to small frames: the work
    // of each node kind lives in its own non-inlined function, so deep recursion uses little stack.

    func evaluate(_ expr: Node, _ input: Value?, _ env: Frame) throws(RawError) -> Value? {
        depth += 1
        defer { depth -= 1 }
        if depth > maxDepth || StackGuard.current() < stackLimit { throw depthError(expr) }
        countdown &-= 1
        if countdown <= 0 { try checkDeadline(expr) }
        let result: Value?
        switch expr.kind {
        case .path: result = try evaluatePath(expr, input, env)
        case .binary: result = try evaluateBinary(expr, input, env)
        case .function: result = try evaluateFunction(expr, input, env, applyTo: nil)
        case .condition: result = try evaluateCondition(expr, input, env)
        case .block: result = try evaluateBlock(expr, input, env)
        case .variable: result = evaluateVariable(expr, input, env)
        case .string, .number, .value: result = expr.literal.value
        default: result = try evaluateOther(expr, input, env)
        }
        if expr.predicate != nil || expr.groupPairs != nil {
            return try evaluatePredicatesAndGroup(expr, result, env)
        }
        if case .array(let a)? = result, a.sequence, !a.tupleStream {
            return collapse(expr, a)
        }
        return result
    }

    @inline(never) private func depthError(_ expr: Node) -> RawError { RawError("U1001", position: expr.position) }

    @inline(never) private func checkDeadline(_ expr: Node?) throws(RawError) {
        countdown = Evaluator.unitsPerCheck
        if timeLimit == nil && outerDeadline == .max { return }
        let now = DispatchTime.now().uptimeNanoseconds
        if deadline == 0 {
            let (own, overflow) = now.addingReportingOverflow(timeLimit ?? .max)
            deadline = min(overflow ? .max : own, outerDeadline)
        }
        if now >= deadline {
            var e = RawError("U1001", position: expr?.position)
            e.message = "Expression evaluation timeout: Check for infinite loop"
            throw e
        }
    }

    @inline(never) private func collapse(_ expr: Node, _ a: JArray) -> Value? {
        if expr.keepArray { a.keepSingleton = true }
        if a.count == 0 { return nil }
        if a.count == 1 { return a.keepSingleton ? .array(a) : a[0] }
        return .array(a)
    }

    @inline(never) private func evaluatePredicatesAndGroup(_ expr: Node, _ value: Value?, _ env: Frame) throws(RawError) -> Value? {
        var result = value
        if let predicates = expr.predicate {
            for p in predicates { result = try evaluateFilter(p.expression!, result, env) }
        }
        if expr.kind != .path, let group = expr.groupPairs {
            result = try evaluateGroup(group, position: expr.groupPosition, result, env)
        }
        if case .array(let a)? = result, a.sequence, !a.tupleStream { return collapse(expr, a) }
        return result
    }

    @inline(never) private func evaluateCondition(_ expr: Node, _ input: Value?, _ env: Frame) throws(RawError) -> Value? {
        let c = try evaluate(expr.condition!, input, env)
        if try booleanValue(c) == true { return try evaluate(expr.then!, input, env) }
        if let e = expr.elseNode { return try evaluate(e, input, env) }
        return nil
    }

    @inline(never) private func evaluateBlock(_ expr: Node, _ input: Value?, _ env: Frame) throws(RawError) -> Value? {
        let frame = Frame(parent: env)
        var result: Value?
        for e in expr.expressions { result = try evaluate(e, input, frame) }
        return result
    }

    @inline(never) private func evaluateVariable(_ expr: Node, _ input: Value?, _ env: Frame) -> Value? {
        if expr.value.isEmpty {
            if case .array(let a)? = input, a.outerWrapper, a.count > 0 { return a[0] }
            return input
        }
        if expr.value == "$" { return env.lookup("$") }
        return env.lookup(expr.value, builtin: expr.builtin)
    }

    @inline(never) private func evaluateOther(_ expr: Node, _ input: Value?, _ env: Frame) throws(RawError) -> Value? {
        switch expr.kind {
        case .unary: return try evaluateUnary(expr, input, env)
        case .name: return lookupField(input, expr.value)
        case .wildcard: return evaluateWildcard(input)
        case .descendant: return evaluateDescendants(input)
        case .parent: return env.lookup(expr.slot!.label)
        case .bind:
            let result = try evaluate(expr.rhs!, input, env)
            env.bind(expr.lhs!.value, result)
            return result
        case .regex: return .function(regexMatcher(expr.regex!, position: expr.position))
        case .lambda:
            let l = JFunction.Lambda(input: input, env: env, params: expr.arguments.map(\.value), signature: expr.signature, body: expr.body!, thunk: expr.thunk)
            return .function(JFunction(.lambda(l)))
        case .partial: return try evaluatePartial(expr, input, env)
        case .apply: return try evaluateApply(expr, input, env)
        case .transform: return evaluateTransform(expr, env)
        default:
            throw RawError("S0206", position: expr.position, token: expr.value)
        }
    }

    // MARK: paths

    /// Whether a step is a plain field name (no predicates, bindings or grouping).
    @inline(__always) private func isPlainName(_ step: Node) -> Bool {
        step.kind == .name && step.stages == nil && step.predicate == nil && step.groupPairs == nil && !step.tuple
            && !step.keepArray && step.focus == nil && step.indexVar == nil && step.ancestor == nil
    }

    /// `a.b.c` / `$v.b.c` through objects only: the common case, without building sequences.
    /// Returns nil (undecided) as soon as anything needs the general algorithm.
    private func evaluateSimplePath(_ expr: Node, _ input: Value?, _ env: Frame) throws(RawError) -> Value?? {
        guard expr.groupPairs == nil, !expr.keepSingletonArray, !expr.tuple else { return nil }
        let steps = expr.steps
        let first = steps[0]
        var current: Value?
        if first.kind == .variable && first.predicate == nil && first.stages == nil && first.groupPairs == nil && !first.tuple && !first.keepArray && first.focus == nil && first.indexVar == nil {
            current = try evaluate(first, input, env)
        } else if isPlainName(first), case .object(let o)? = input {
            current = o[first.value]
        } else {
            return nil
        }
        for i in 1..<steps.count {
            let step = steps[i]
            guard isPlainName(step) else { return nil }
            switch current {
            case .object(let o)?:
                // A field still in its JSON form: a scalar at the end of the path is read
                // from the JSON without converting the objects on the way.
                if let raw = o.unconvertedJSON(step.value), let r = scalarAlong(raw, steps, from: i + 1) { return r }
                current = o[step.value]
            case nil: return .some(nil)
            case .array?: return nil
            default: return .some(nil)
            }
        }
        if case .array? = current, steps.count == 1 { return nil }
        return .some(current)
    }

    /// The rest of a plain path (`steps[from...]`) through `json`: `.some(nil)` for *undefined*,
    /// `.some(v)` for a scalar, nil when the result is an object or array or an array is on the way
    /// (those are converted, so that they keep their identity).
    private func scalarAlong(_ json: JSONValue, _ steps: [Node], from: Int) -> Value?? {
        var j = json
        var k = from
        while k < steps.count {
            let step = steps[k]
            guard isPlainName(step) else { return nil }
            switch j {
            case .object(let o):
                guard let v = o[step.value] else { return .some(nil) }
                j = v
            case .array: return nil
            default: return .some(nil)
            }
            k += 1
        }
        switch j {
        case .object, .array: return nil
        default: return .some(Value(json: j))
        }
    }

    func evaluatePath(_ expr: Node, _ input: Value?, _ env: Frame) throws(RawError) -> Value? {
        if let fast = try evaluateSimplePath(expr, input, env) { return fast }
        var inputItems: [Value?]
        if case .array(let a)? = input, expr.steps[0].kind != .variable {
            inputItems = a.items.map { $0 }
        } else {
            inputItems = [input]
        }
        var resultSequence: JArray? = nil
        var isTupleStream = false
        var tupleBindings: JArray? = nil
        for (i, step) in expr.steps.enumerated() {
            if step.tuple { isTupleStream = true }
            if i == 0 && step.consarray {
                let r = try evaluate(step, .array(Value.seq(inputItems.compactMap { $0 })), env)
                if let r {
                    if case .array(let a) = r { resultSequence = a } else { resultSequence = Value.seq([r]) }
                } else {
                    resultSequence = nil
                }
            } else if isTupleStream {
                tupleBindings = try evaluateTupleStep(step, inputItems, tupleBindings, env)
            } else {
                resultSequence = try evaluateStep(step, inputItems, env, lastStep: i == expr.steps.count - 1)
            }
            if !isTupleStream && (resultSequence == nil || resultSequence!.count == 0) { break }
            if step.focus == nil, !isTupleStream, let r = resultSequence {
                inputItems = r.items.map { $0 }
            }
        }
        if isTupleStream {
            if expr.tuple {
                resultSequence = tupleBindings
            } else {
                let r = Value.seq()
                for t in tupleBindings?.items ?? [] { if let v = t.objectValue?["@"] { r.append(v) } }
                resultSequence = r
            }
        }
        if expr.keepSingletonArray {
            if let r = resultSequence, r.cons && !r.sequence {
                resultSequence = Value.seq([.array(r)])
            }
            if resultSequence == nil { resultSequence = Value.seq() }
            resultSequence!.keepSingleton = true
        }
        if let group = expr.groupPairs {
            let src = isTupleStream ? tupleBindings : resultSequence
            return try evaluateGroup(group, position: expr.groupPosition, src.map { .array($0) }, env)
        }
        return resultSequence.map { .array($0) }
    }

    func evaluateStep(_ expr: Node, _ input: [Value?], _ env: Frame, lastStep: Bool) throws(RawError) -> JArray? {
        if expr.kind == .sort {
            var result = try evaluateSort(expr, Value.seq(input.compactMap { $0 }), env)
            if let stages = expr.stages { result = try evaluateStages(stages, result, env) }
            return result
        }
        var results: [Value] = []
        results.reserveCapacity(input.count)
        var total = 0
        for item in input {
            var res = try evaluate(expr, item, env)
            if let stages = expr.stages {
                for s in stages { res = try evaluateFilter(s.expression!, res, env) }
            }
            if let res {
                // Flattening below copies every item: count them now, before they pile up.
                let n = if case .array(let a) = res, !a.cons { a.count } else { 1 }
                total += n
                try checkSize(total)
                try tick(n)
                results.append(res)
            }
        }
        if lastStep && results.count == 1, case .array(let a) = results[0], !a.sequence {
            return a
        }
        let seq = Value.seq()
        seq.items.reserveCapacity(total)
        for r in results {
            if case .array(let a) = r, !a.cons {
                seq.items.append(contentsOf: a.items)
            } else {
                seq.items.append(r)
            }
        }
        return seq
    }

    func evaluateStages(_ stages: [Node], _ input: JArray, _ env: Frame) throws(RawError) -> JArray {
        var result = input
        for stage in stages {
            switch stage.kind {
            case .filter:
                let r = try evaluateFilter(stage.expression!, .array(result), env)
                if case .array(let a)? = r { result = a } else { result = Value.seq(r.map { [$0] } ?? []) }
            case .index:
                for (i, t) in result.items.enumerated() { t.objectValue?[stage.value] = .number(Double(i)) }
            default: break
            }
        }
        return result
    }

    func frameFromTuple(_ env: Frame, _ tuple: JObject) -> Frame {
        let f = Frame(parent: env)
        for (k, v) in tuple.entries { f.bindings.append(Frame.Binding(k, v)) }
        return f
    }

    func evaluateTupleStep(_ expr: Node, _ input: [Value?], _ tupleBindings: JArray?, _ env: Frame) throws(RawError) -> JArray {
        if expr.kind == .sort {
            var result: JArray
            if let tb = tupleBindings {
                result = try evaluateSort(expr, tb, env)
            } else {
                let sorted = try evaluateSort(expr, Value.seq(input.compactMap { $0 }), env)
                result = Value.seq()
                result.tupleStream = true
                for (i, v) in sorted.items.enumerated() {
                    let t = JObject()
                    t["@"] = v
                    if let iv = expr.indexVar { t[iv] = .number(Double(i)) }
                    result.append(.object(t))
                }
            }
            if let stages = expr.stages { result = try evaluateStages(stages, result, env) }
            return result
        }
        var result = Value.seq()
        result.tupleStream = true
        let bindings: [JObject]
        if let tb = tupleBindings {
            bindings = tb.items.compactMap(\.objectValue)
        } else {
            bindings = input.map { v in let t = JObject(); t["@"] = v; return t }
        }
        for tuple in bindings {
            let stepEnv = frameFromTuple(env, tuple)
            guard let res = try evaluate(expr, tuple["@"], stepEnv) else { continue }
            let items: [Value]
            var isTuples = false
            if case .array(let a) = res {
                items = a.items
                isTuples = a.tupleStream
            } else {
                items = [res]
            }
            for (bb, item) in items.enumerated() {
                let t = tuple.copy()
                if isTuples, case .object(let o) = item {
                    for (k, v) in o.entries { t[k] = v }
                } else {
                    if let focus = expr.focus {
                        t[focus] = item
                        t["@"] = tuple["@"]
                    } else {
                        t["@"] = item
                    }
                    if let iv = expr.indexVar { t[iv] = .number(Double(bb)) }
                    if let anc = expr.ancestor { t[anc.label] = tuple["@"] }
                }
                result.append(.object(t))
            }
        }
        if let stages = expr.stages { result = try evaluateStages(stages, result, env) }
        return result
    }

    func evaluateFilter(_ predicate: Node, _ inputValue: Value?, _ env: Frame) throws(RawError) -> Value? {
        let results = Value.seq()
        let input: JArray
        if case .array(let a)? = inputValue {
            input = a
            if a.tupleStream { results.tupleStream = true }
        } else {
            input = Value.seq(inputValue.map { [$0] } ?? [])
        }
        if predicate.kind == .number, case .number(let d) = predicate.literal {
            var index = clampInt(d.rounded(.down))
            if index < 0 { index = input.count + index }
            if index >= 0 && index < input.count {
                let item = input[index]
                if case .array(let a) = item { return .array(a) }
                results.append(item)
            }
            return .array(results)
        }
        for (index, item) in input.items.enumerated() {
            var context: Value? = item
            var frame = env
            if input.tupleStream, case .object(let t) = item {
                context = t["@"]
                frame = frameFromTuple(env, t)
            }
            var res = try evaluate(predicate, context, frame)
            if let r = res, try isNumeric(r) { res = .array(JArray([r])) }
            if case .array(let arr)? = res, arr.items.allSatisfy({ if case .number = $0 { return true }; return false }) {
                for case .number(let n) in arr.items {
                    var ii = clampInt(n.rounded(.down))
                    if ii < 0 { ii = input.count + ii }
                    if ii == index { results.append(item) }
                }
            } else if try booleanValue(res) == true {
                results.append(item)
            }
        }
        return .array(results)
    }

    // MARK: names, wildcards

    func lookupField(_ input: Value?, _ key: String) -> Value? {
        guard let input else { return nil }
        switch input {
        case .array(let a):
            let result = Value.seq()
            for item in a.items {
                if let res = lookupField(item, key) {
                    if case .array(let r) = res { result.items.append(contentsOf: r.items) } else { result.append(res) }
                }
            }
            return .array(result)
        case .object(let o):
            return o[key]
        default:
            return nil
        }
    }

    func evaluateWildcard(_ inputValue: Value?) -> Value? {
        var results = Value.seq()
        var input = inputValue
        if case .array(let a)? = input, a.outerWrapper, a.count > 0 { input = a[0] }
        var values: [Value] = []
        if case .object(let o)? = input { values = o.entries.map(\.1) } else if case .array(let a)? = input { values = a.items }
        do {
            for value in values {
                if case .array(let arr) = value {
                    let flat = JArray(flatten(arr))
                    results = appendValues(.array(results), .array(flat))!.arrayValue!
                } else {
                    results.append(value)
                }
            }
        }
        return .array(results)
    }

    func flatten(_ a: JArray) -> [Value] {
        var out: [Value] = []
        func go(_ v: Value) {
            if case .array(let x) = v { x.items.forEach(go) } else { out.append(v) }
        }
        a.items.forEach(go)
        return out
    }

    func evaluateDescendants(_ input: Value?) -> Value? {
        guard let input else { return nil }
        let seq = Value.seq()
        func recurse(_ v: Value) {
            if case .array(let a) = v {
                a.items.forEach(recurse)
            } else {
                seq.append(v)
                if case .object(let o) = v { for (_, x) in o.entries { recurse(x) } }
            }
        }
        recurse(input)
        return seq.count == 1 ? seq[0] : .array(seq)
    }

    // MARK: operators

    func isNumeric(_ v: Value) throws(RawError) -> Bool {
        if case .number(let d) = v {
            if d.isNaN { return false }
            if !d.isFinite { throw RawError("D1001", value: v) }
            return true
        }
        return false
    }

    func evaluateBinary(_ expr: Node, _ input: Value?, _ env: Frame) throws(RawError) -> Value? {
        let lhs = try evaluate(expr.lhs!, input, env)
        let op = expr.value
        if op == "and" || op == "or" { return try evaluateBoolean(expr, op, lhs, input, env) }
        let rhs = try evaluate(expr.rhs!, input, env)
        return try binaryOperation(expr, op, lhs, rhs)
    }

    @inline(never) private func evaluateBoolean(_ expr: Node, _ op: String, _ lhs: Value?, _ input: Value?, _ env: Frame) throws(RawError) -> Value? {
        do throws(RawError) {
            let l = try booleanValue(lhs) ?? false
            if op == "and" {
                if !l { return .bool(false) }
                return .bool(try booleanValue(try evaluate(expr.rhs!, input, env)) ?? false)
            } else {
                if l { return .bool(true) }
                return .bool(try booleanValue(try evaluate(expr.rhs!, input, env)) ?? false)
            }
        } catch var e {
            if e.position == nil { e.position = expr.position }
            if e.token == nil { e.token = op }
            throw e
        }
    }

    @inline(never) private func binaryOperation(_ expr: Node, _ op: String, _ lhs: Value?, _ rhs: Value?) throws(RawError) -> Value? {
        do throws(RawError) {
            switch op {
            case "+", "-", "*", "/", "%":
                if let lhs, !(try isNumeric(lhs)) { throw RawError("T2001", value: lhs) }
                if let rhs, !(try isNumeric(rhs)) { throw RawError("T2002", value: rhs) }
                guard case .number(let l)? = lhs, case .number(let r)? = rhs else { return nil }
                switch op {
                case "+": return .number(l + r)
                case "-": return .number(l - r)
                case "*": return .number(l * r)
                case "/": return .number(l / r)
                default: return .number(l.truncatingRemainder(dividingBy: r))
                }
            case "=", "!=":
                guard let lhs, let rhs else { return .bool(false) }
                let eq = deepEqual(lhs, rhs)
                return .bool(op == "=" ? eq : !eq)
            case "<", "<=", ">", ">=":
                func comparable(_ v: Value?) -> Bool {
                    guard let v else { return true }
                    switch v {
                    case .string, .number: return true
                    default: return false
                    }
                }
                if !comparable(lhs) || !comparable(rhs) {
                    throw RawError("T2010", value: !comparable(lhs) ? lhs : rhs)
                }
                guard let lhs, let rhs else { return nil }
                switch (lhs, rhs) {
                case (.number(let a), .number(let b)):
                    switch op {
                    case "<": return .bool(a < b)
                    case "<=": return .bool(a <= b)
                    case ">": return .bool(a > b)
                    default: return .bool(a >= b)
                    }
                case (.string(let a), .string(let b)):
                    let c = jsCompare(a, b)
                    switch op {
                    case "<": return .bool(c < 0)
                    case "<=": return .bool(c <= 0)
                    case ">": return .bool(c > 0)
                    default: return .bool(c >= 0)
                    }
                default:
                    var e = RawError("T2009", value: lhs)
                    e.value2 = rhs
                    throw e
                }
            case "&":
                var l = "", r = ""
                if let lhs { l = try stringValue(lhs) }
                if let rhs { r = try stringValue(rhs) }
                try checkStringSize(l.utf8.count + r.utf8.count)
                return .string(l + r)
            case "..":
                func isInt(_ v: Value?) -> Bool {
                    if case .number(let d)? = v { return d.rounded(.towardZero) == d && d.isFinite }
                    return false
                }
                if lhs != nil && !isInt(lhs) { throw RawError("T2003", value: lhs) }
                if rhs != nil && !isInt(rhs) { throw RawError("T2004", value: rhs) }
                guard case .number(let l)? = lhs, case .number(let r)? = rhs else { return nil }
                if l > r { return nil }
                let size = r - l + 1
                if size > 1e7 { throw RawError("D2014", value: .number(size)) }
                var items: [Value] = []
                items.reserveCapacity(Int(size))
                // Counted, not `x += 1`: beyond 2^53 adding 1 no longer changes x.
                for k in 0..<Int(size) { items.append(.number(l + Double(k))) }
                return .array(JArray(items))
            case "in":
                guard let lhs, let rhs else { return .bool(false) }
                if case .array(let a) = rhs {
                    return .bool(a.items.contains { strictEqual($0, lhs) })
                }
                return .bool(strictEqual(rhs, lhs))
            default:
                throw RawError("S0204", token: op)
            }
        } catch var e {
            if e.position == nil { e.position = expr.position }
            if e.token == nil { e.token = op }
            throw e
        }
    }

    func evaluateUnary(_ expr: Node, _ input: Value?, _ env: Frame) throws(RawError) -> Value? {
        switch expr.value {
        case "-":
            guard let v = try evaluate(expr.expression!, input, env) else { return nil }
            if try isNumeric(v), case .number(let d) = v { return .number(-d) }
            throw RawError("D1002", position: expr.position, token: "-", value: v)
        case "[":
            // `result` is new and unshared: appending in place is `appendValues` without copies.
            let result = JArray()
            result.items.reserveCapacity(expr.expressions.count)
            for item in expr.expressions {
                guard let value = try evaluate(item, input, env) else { continue }
                if item.kind == .unary && item.value == "[" {
                    result.append(value)
                } else if case .array(let a) = value {
                    result.items.append(contentsOf: a.items)
                } else {
                    result.append(value)
                }
            }
            if expr.consarray { result.cons = true }
            return .array(result)
        case "{":
            return try evaluateGroup(expr.pairs, position: expr.position, input, env)
        default:
            throw RawError("S0211", position: expr.position, token: expr.value)
        }
    }

    func evaluateGroup(_ pairs: [(Node, Node)], position: Int, _ inputValue: Value?, _ env: Frame) throws(RawError) -> Value? {
        // One context item (the usual object constructor): no grouping needed. Keys first,
        // then values, as in the general algorithm.
        if !(inputValue?.isArray ?? false) {
            var keys: [String?] = []
            keys.reserveCapacity(pairs.count)
            for pair in pairs {
                let keyNode = pair.0
                if keyNode.kind == .string, keyNode.predicate == nil, keyNode.groupPairs == nil,
                   case .string(let k) = keyNode.literal {
                    if keys.contains(k) { throw RawError("D1009", position: position, value: .string(k)) }
                    keys.append(k)
                    continue
                }
                guard let key = try evaluate(keyNode, inputValue, env) else { keys.append(nil); continue }
                guard case .string(let k) = key else { throw RawError("T1003", position: position, value: key) }
                if keys.contains(k) { throw RawError("D1009", position: position, value: key) }
                keys.append(k)
            }
            let result = JObject(capacity: pairs.count)
            for (i, pair) in pairs.enumerated() {
                guard let k = keys[i] else { continue }
                if let value = try evaluate(pair.1, inputValue, env) { result.appendNew(k, value) }
            }
            return .object(result)
        }
        let result = JObject()
        var groupKeys: [String] = []
        var groups: [String: (data: Value?, exprIndex: Int)] = [:]
        var reduce = false
        var items: [Value?]
        if case .array(let a)? = inputValue {
            reduce = a.tupleStream
            items = a.items.map { $0 }
        } else {
            items = inputValue.map { [$0] } ?? []
        }
        if items.isEmpty { items = [nil] }
        for item in items {
            var frame = env
            var context = item
            if reduce, case .object(let t)? = item {
                frame = frameFromTuple(env, t)
                context = t["@"]
            }
            for (pairIndex, pair) in pairs.enumerated() {
                let key = try evaluate(pair.0, context, frame)
                guard let key else { continue }
                guard case .string(let k) = key else { throw RawError("T1003", position: position, value: key) }
                if let existing = groups[k] {
                    if existing.exprIndex != pairIndex { throw RawError("D1009", position: position, value: key) }
                    groups[k] = (appendValues(existing.data, item), pairIndex)
                } else {
                    groups[k] = (item, pairIndex)
                    groupKeys.append(k)
                }
            }
        }
        for k in groupKeys {
            let entry = groups[k]!
            var context = entry.data
            var frame = env
            if reduce {
                let tuple = reduceTupleStream(entry.data)
                context = tuple["@"]
                tuple["@"] = nil
                frame = frameFromTuple(env, tuple)
            }
            if let value = try evaluate(pairs[entry.exprIndex].1, context, frame) {
                result[k] = value
            }
        }
        return .object(result)
    }

    func reduceTupleStream(_ stream: Value?) -> JObject {
        guard let stream else { return JObject() }
        guard case .array(let a) = stream else { return stream.objectValue?.copy() ?? JObject() }
        let result = a.count > 0 ? (a[0].objectValue?.copy() ?? JObject()) : JObject()
        for i in 1..<max(a.count, 1) {
            guard let t = a[i].objectValue else { continue }
            for (k, v) in t.entries { result[k] = appendValues(result[k], v) }
        }
        return result
    }

    // MARK: sorting

    func evaluateSort(_ expr: Node, _ input: JArray, _ env: Frame) throws(RawError) -> JArray {
        let isTuple = input.tupleStream
        func keys(_ v: Value) throws(RawError) -> [Value?] {
            var context: Value? = v
            var frame = env
            if isTuple, case .object(let t) = v {
                context = t["@"]
                frame = frameFromTuple(env, t)
            }
            var out: [Value?] = []
            for term in expr.terms { out.append(try evaluate(term.expression, context, frame)) }
            return out
        }
        // Evaluate the sort keys once per item (the comparator is pure).
        if input.count <= 1 { return input }
        var keyed: [(Value, [Value?])] = []
        for v in input.items { keyed.append((v, try keys(v))) }
        let swap: (Int, Int) throws(RawError) -> Bool = { (ia: Int, ib: Int) throws(RawError) -> Bool in
            let ka = keyed[ia].1, kb = keyed[ib].1
            var comp = 0
            for (index, term) in expr.terms.enumerated() where comp == 0 {
                let aa = ka[index], bb = kb[index]
                guard let aa else { comp = bb == nil ? 0 : 1; continue }
                guard let bb else { comp = -1; continue }
                func ok(_ v: Value) -> Bool { if case .string = v { return true }; if case .number = v { return true }; return false }
                if !ok(aa) || !ok(bb) { throw RawError("T2008", position: expr.position, value: !ok(aa) ? aa : bb) }
                switch (aa, bb) {
                case (.number(let x), .number(let y)):
                    if x == y { continue }
                    comp = x < y ? -1 : 1
                case (.string(let x), .string(let y)):
                    if x == y { continue }
                    comp = jsCompare(x, y) < 0 ? -1 : 1
                default:
                    var e = RawError("T2007", position: expr.position, value: aa)
                    e.value2 = bb
                    throw e
                }
                if term.descending { comp = -comp }
            }
            return comp == 1
        }
        let order = try mergeSort(Array(0..<keyed.count), swap)
        let result = JArray(order.map { keyed[$0].0 })
        result.sequence = input.sequence
        result.tupleStream = input.tupleStream
        return result
    }

    // MARK: functions

    func procedureName(_ p: Node) -> String {
        if p.kind == .path, let first = p.steps.first { return first.value }
        return p.value
    }

    func evaluateFunction(_ expr: Node, _ input: Value?, _ env: Frame, applyTo: Value??) throws(RawError) -> Value? {
        let procNode = expr.procedure!
        let proc = try evaluate(procNode, input, env)
        if proc == nil, procNode.kind == .path, env.lookup(procNode.steps[0].value) != nil {
            throw RawError("T1005", position: expr.position, token: procNode.steps[0].value)
        }
        var args: [Value?] = []
        args.reserveCapacity(expr.arguments.count + 1)
        if let applyTo { args.append(applyTo) }
        for a in expr.arguments { args.append(try evaluate(a, input, env)) }
        do throws(RawError) {
            return try apply(proc, args, input: input, env)
        } catch var e {
            if e.position == nil { e.position = expr.position }
            if e.token == nil { e.token = procedureName(procNode) }
            throw e
        }
    }

    func apply(_ proc: Value?, _ args: [Value?], input: Value?, _ env: Frame) throws(RawError) -> Value? {
        var result = try applyInner(proc, args, input: input, env)
        while case .function(let f)? = result, case .lambda(let l) = f.kind, l.thunk {
            let call = l.body
            let next = try evaluate(call.procedure!, l.input, l.env)
            var evaluated: [Value?] = []
            for a in call.arguments { evaluated.append(try evaluate(a, l.input, l.env)) }
            do throws(RawError) {
                result = try applyInner(next, evaluated, input: input, env)
            } catch var e {
                if e.token == nil { e.token = procedureName(call.procedure!) }
                if e.position == nil { e.position = call.position }
                throw e
            }
        }
        return result
    }

    func applyInner(_ proc: Value?, _ args: [Value?], input: Value?, _ env: Frame) throws(RawError) -> Value? {
        guard case .function(let f)? = proc else { throw RawError("T1006") }
        switch f.kind {
        case .lambda(let l):
            let validated = try l.signature?.validate(args, context: input) ?? args
            let frame = Frame(parent: l.env)
            for (i, p) in l.params.enumerated() { frame.bind(p, i < validated.count ? validated[i] : nil) }
            return try evaluate(l.body, l.input, frame)
        case .builtin(let b):
            let validated = try b.signature?.validate(args, context: input) ?? args
            return try b.impl(self, validated, input)
        case .partialNative(let b, let fixed, let holes):
            var full = fixed
            for (i, h) in holes.enumerated() { full[h] = i < args.count ? args[i] : nil }
            return try b.impl(self, full, nil)
        case .native(let impl, _, let signature):
            let validated = try signature?.validate(args, context: input) ?? args
            return try impl(self, validated, input)
        }
    }

    /// Calls a function value from library code (higher-order functions).
    func call(_ f: Value, _ args: [Value?]) throws(RawError) -> Value? {
        try apply(f, args, input: nil, Frame(parent: nil, evaluator: self))
    }

    /// Arguments for a higher-order callback: as many of (value, index, array) as it declares.
    func hofArgs(_ f: Value, _ a: Value?, _ b: Value?, _ c: Value?) -> [Value?] {
        let arity = f.functionValue?.arity ?? 1
        var args: [Value?] = [a]
        if arity >= 2 { args.append(b) }
        if arity >= 3 { args.append(c) }
        return args
    }

    func evaluatePartial(_ expr: Node, _ input: Value?, _ env: Frame) throws(RawError) -> Value? {
        var args: [Value?] = []
        var holes: [Int] = []
        for (i, a) in expr.arguments.enumerated() {
            if a.kind == .placeholder { holes.append(i); args.append(nil) } else { args.append(try evaluate(a, input, env)) }
        }
        let procNode = expr.procedure!
        let proc = try evaluate(procNode, input, env)
        if proc == nil, procNode.kind == .path, env.lookup(procNode.steps[0].value) != nil {
            throw RawError("T1007", position: expr.position, token: procNode.steps[0].value)
        }
        guard case .function(let f)? = proc else {
            throw RawError("T1008", position: expr.position, token: procedureName(procNode))
        }
        switch f.kind {
        case .lambda(let l):
            let frame = Frame(parent: l.env)
            var unbound: [String] = []
            for (i, p) in l.params.enumerated() {
                if i < args.count && holes.contains(i) { unbound.append(p) } else { frame.bind(p, i < args.count ? args[i] : nil) }
            }
            let nl = JFunction.Lambda(input: l.input, env: frame, params: unbound, signature: nil, body: l.body, thunk: false)
            return .function(JFunction(.lambda(nl)))
        case .builtin(let b):
            var fixed = [Value?](repeating: nil, count: max(b.arity, args.count))
            for (i, a) in args.enumerated() where !holes.contains(i) { fixed[i] = a }
            return .function(JFunction(.partialNative(b, fixed, holes.filter { $0 < b.arity })))
        case .partialNative, .native:
            let target = Value.function(f)
            let impl: JFunction.NativeImpl = { (ev: Evaluator, callArgs: [Value?], _: Value?) throws(RawError) -> Value? in
                var full = args
                for (i, h) in holes.enumerated() { full[h] = i < callArgs.count ? callArgs[i] : nil }
                return try ev.call(target, full)
            }
            return .function(JFunction(.native(impl, arity: holes.count, signature: nil)))
        }
    }

    func evaluateApply(_ expr: Node, _ input: Value?, _ env: Frame) throws(RawError) -> Value? {
        if expr.rhs!.kind == .function {
            let lhs = try evaluate(expr.lhs!, input, env)
            return try evaluateFunction(expr.rhs!, input, env, applyTo: .some(lhs))
        }
        let lhs = try evaluate(expr.lhs!, input, env)
        let fn = try evaluate(expr.rhs!, input, env)
        guard case .function = fn else { throw RawError("T2006", position: expr.position, value: fn) }
        if case .function = lhs {
            let f1 = lhs!, f2 = fn!
            let impl: JFunction.NativeImpl = { (ev: Evaluator, args: [Value?], _: Value?) throws(RawError) -> Value? in
                let inner = try ev.call(f1, [args.first ?? nil])
                return try ev.call(f2, [inner])
            }
            return .function(JFunction(.native(impl, arity: 1, signature: nil)))
        }
        return try apply(fn, [lhs], input: nil, env)
    }

    func evaluateTransform(_ expr: Node, _ env: Frame) -> Value {
        let impl: JFunction.NativeImpl = { (ev: Evaluator, args: [Value?], _: Value?) throws(RawError) -> Value? in
            guard let obj = args.first ?? nil else { return nil }
            guard let clone = env.lookup("clone"), case .function = clone else {
                throw RawError("T2013", position: expr.position)
            }
            let result = try ev.apply(clone, [obj], input: nil, env)
            if let matchesValue = try ev.evaluate(expr.pattern!, result, env) {
                let matches: [Value]
                if case .array(let a) = matchesValue { matches = a.items } else { matches = [matchesValue] }
                for match in matches {
                    if let update = try ev.evaluate(expr.update!, match, env) {
                        guard case .object(let u) = update else {
                            throw RawError("T2011", position: expr.update!.position, value: update)
                        }
                        if case .object(let m) = match {
                            if m.fromJSON { ev.mutatedJSONObject = true }
                            for (k, v) in u.entries { m[k] = v }
                        }
                    }
                    if let del = expr.delete, let deletions = try ev.evaluate(del, match, env) {
                        let list: [Value]
                        if case .array(let a) = deletions { list = a.items } else { list = [deletions] }
                        guard list.allSatisfy({ if case .string = $0 { return true }; return false }) else {
                            throw RawError("T2012", position: del.position, value: deletions)
                        }
                        if case .object(let m) = match {
                            if m.fromJSON { ev.mutatedJSONObject = true }
                            for case .string(let k) in list { m[k] = nil }
                        }
                    }
                }
            }
            return result
        }
        return .function(JFunction(.native(impl, arity: 1, signature: try! Signature("<(oa):o>"))))
    }
}

// MARK: - Shared helpers

/// `fn.append`: concatenates, treating non-arrays as singletons (a new plain array).
func appendValues(_ a: Value?, _ b: Value?) -> Value? {
    guard let a else { return b }
    guard let b else { return a }
    var items: [Value]
    if case .array(let x) = a { items = x.items } else { items = [a] }
    if case .array(let y) = b { items.append(contentsOf: y.items) } else { items.append(b) }
    return .array(JArray(items))
}

/// JavaScript string comparison (UTF-16 code units).
func jsCompare(_ a: String, _ b: String) -> Int {
    var i = a.utf16.makeIterator(), j = b.utf16.makeIterator()
    while true {
        switch (i.next(), j.next()) {
        case (nil, nil): return 0
        case (nil, _): return -1
        case (_, nil): return 1
        case (let x?, let y?): if x != y { return x < y ? -1 : 1 }
        }
    }
}

/// jsonata-js's stable merge sort, where `swap(a, b)` says whether `b` goes before `a`.
func mergeSort<T>(_ array: [T], _ swap: (T, T) throws(RawError) -> Bool) throws(RawError) -> [T] {
    if array.count <= 1 { return array }
    let middle = array.count / 2
    let left = try mergeSort(Array(array[..<middle]), swap)
    let right = try mergeSort(Array(array[middle...]), swap)
    var result: [T] = []
    result.reserveCapacity(array.count)
    var i = 0, j = 0
    while i < left.count && j < right.count {
        if try swap(left[i], right[j]) { result.append(right[j]); j += 1 } else { result.append(left[i]); i += 1 }
    }
    result.append(contentsOf: left[i...])
    result.append(contentsOf: right[j...])
    return result
}

/// `fn.boolean`: the effective boolean value; nil for undefined.
func booleanValue(_ v: Value?) throws(RawError) -> Bool? {
    guard let v else { return nil }
    switch v {
    case .array(let a):
        if a.count == 1 { return try booleanValue(a[0]) }
        if a.count > 1 {
            for x in a.items where try booleanValue(x) == true { return true }
        }
        return false
    case .string(let s): return !s.isEmpty
    case .number(let d):
        if d.isNaN { return false }
        if !d.isFinite { throw RawError("D1001", value: v) }
        return d != 0
    case .object(let o): return !o.isEmpty
    case .bool(let b): return b
    case .null, .function: return false
    }
}

/// `fn.string`: numbers at 15 significant digits, functions as "", others JSON.
func stringValue(_ v: Value, pretty: Bool = false) throws(RawError) -> String {
    switch v {
    case .string(let s): return s
    case .function: return ""
    case .number(let d):
        if !d.isFinite { throw RawError("D3001", value: v) }
        return jsNumberString(toPrecision15(d))
    default:
        var x = v
        if case .array(let a) = v, a.outerWrapper, a.count > 0 { x = a[0] }
        func check(_ v: Value) throws(RawError) {
            switch v {
            case .number(let d): if !d.isFinite { throw RawError("D1001", value: v) }
            case .array(let a): for i in a.items { try check(i) }
            case .object(let o): for (_, i) in o.entries { try check(i) }
            default: break
            }
        }
        try check(x)
        return stringify(x, pretty: pretty, jsonataNumbers: true)
    }
}
