import ASLJSON

// Direct evaluation on JSON of a small, common subset of JSONata: plain paths from a variable
// (`$states.input.a.b`), string literals, `&` of strings, object constructors with literal keys,
// array constructors and `$merge`. These are the expressions of typical Step Functions fields
// (`$merge([$states.input, {'k': $states.input.x}])`); evaluating them on the JSON skips the
// conversion to and from the evaluator's value model.
//
// The direct evaluation decides only the easy cases and otherwise gives up (nil), leaving the
// expression to the general evaluator, which then evaluates it from the start (the direct
// evaluation has no side effects): anything that would be an error, an array met on a path,
// a non-string operand of `&`, numbers that do not round-trip through doubles, a variable
// named like a library function it calls, ...

enum DirectJSON {
    /// Whether `node` is in the subset (checked once, when the expression is compiled).
    static func supports(_ node: Node) -> Bool {
        guard plain(node) else { return false }
        switch node.kind {
        case .string:
            if case .string = node.literal { return true }
            return false
        case .path:
            return pathSteps(node) != nil
        case .binary:
            guard node.value == "&", let l = node.lhs, let r = node.rhs else { return false }
            return supports(l) && supports(r)
        case .unary:
            switch node.value {
            case "[": return node.expressions.allSatisfy(supports)
            case "{":
                var keys = Set<String>()
                for (k, v) in node.pairs {
                    guard k.kind == .string, plain(k), case .string(let key) = k.literal, keys.insert(key).inserted,
                          supports(v) else { return false }
                }
                return true
            default: return false
            }
        case .function:
            guard let p = node.procedure, p.kind == .variable, p.value == "merge", plain(p),
                  node.arguments.count == 1 else { return false }
            return supports(node.arguments[0])
        default:
            return false
        }
    }

    /// No predicates, stages, bindings, grouping or flags.
    static func plain(_ n: Node) -> Bool {
        n.predicate == nil && n.stages == nil && n.groupPairs == nil && !n.tuple && !n.keepArray
            && !n.keepSingletonArray && !n.consarray && n.focus == nil && n.indexVar == nil
            && n.ancestor == nil && n.seekingParent == nil
    }

    /// `$var.f1.f2…` (at least one field): the variable and the fields.
    static func pathSteps(_ root: Node) -> (variable: String, fields: [String])? {
        guard root.kind == .path, plain(root), root.steps.count >= 2 else { return nil }
        let first = root.steps[0]
        guard first.kind == .variable, !first.value.isEmpty, first.value != "$", plain(first) else { return nil }
        var fields: [String] = []
        for step in root.steps.dropFirst() {
            guard step.kind == .name, plain(step) else { return nil }
            fields.append(step.value)
        }
        return (first.value, fields)
    }

    /// The outcome of a direct evaluation.
    enum Outcome {
        case value(JSONValue)
        case undefined
    }

    /// Evaluates a node for which ``supports(_:)`` holds; nil: undecided.
    static func evaluate(_ node: Node, _ bindings: [(String, JSONValue)]) -> Outcome? {
        switch node.kind {
        case .string:
            guard case .string(let s) = node.literal else { return nil }
            return .value(.string(s))
        case .path:
            guard let (variable, fields) = pathSteps(node),
                  var current = bindings.first(where: { $0.0 == variable })?.1 else { return nil }
            for f in fields {
                guard case .object(let o) = current else { return nil }
                guard let v = o[f] else { return .undefined }
                current = v
            }
            return isCanonicalJSON(current) ? .value(current) : nil
        case .binary:
            var l = "", r = ""
            switch evaluate(node.lhs!, bindings) {
            case .value(.string(let s))?: l = s
            case .undefined?: break
            default: return nil
            }
            switch evaluate(node.rhs!, bindings) {
            case .value(.string(let s))?: r = s
            case .undefined?: break
            default: return nil
            }
            return .value(.string(l + r))
        case .unary where node.value == "[":
            var items: [JSONValue] = []
            items.reserveCapacity(node.expressions.count)
            for e in node.expressions {
                switch evaluate(e, bindings) {
                case .value(let v)?:
                    if case .array(let a) = v, !(e.kind == .unary && e.value == "[") {
                        items.append(contentsOf: a)
                    } else {
                        items.append(v)
                    }
                case .undefined?: continue
                case nil: return nil
                }
            }
            return .value(.array(items))
        case .unary where node.value == "{":
            var o = JSONObject(minimumCapacity: node.pairs.count)
            for (k, v) in node.pairs {
                guard case .string(let key) = k.literal else { return nil }
                switch evaluate(v, bindings) {
                case .value(let j)?: o[key] = j
                case .undefined?: continue
                case nil: return nil
                }
            }
            return .value(.object(o))
        case .function:
            // `$merge`, unless a binding shadows the library function.
            if bindings.contains(where: { $0.0 == "merge" }) { return nil }
            guard case .value(let arg)? = evaluate(node.arguments[0], bindings) else { return nil }
            var objects: [JSONObject] = []
            switch arg {
            case .object(let o): objects = [o]
            case .array(let a):
                for item in a {
                    guard case .object(let o) = item else { return nil }
                    objects.append(o)
                }
            default: return nil
            }
            guard var result = objects.first else { return .value(.object(JSONObject())) }
            for o in objects.dropFirst() {
                for i in 0..<o.count { result[o.key(at: i)] = o.value(at: i) }
            }
            return .value(.object(result))
        default:
            return nil
        }
    }
}
