import Foundation
import ASLJSON

// The function library (jsonata-js functions.js), plus AWS's additions.

private func arg(_ a: [Value?], _ i: Int) -> Value? { i < a.count ? a[i] : nil }
private func str(_ a: [Value?], _ i: Int) -> String? { if case .string(let s)? = arg(a, i) { return s }; return nil }
private func num(_ a: [Value?], _ i: Int) -> Double? { if case .number(let d)? = arg(a, i) { return d }; return nil }
private func arr(_ a: [Value?], _ i: Int) -> JArray? { if case .array(let x)? = arg(a, i) { return x }; return nil }

private func numbers(_ a: JArray) -> [Double] { a.items.compactMap(\.numberValue) }

/// Unicode scalars of a string (JSONata counts characters as code points).
func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }
func fromScalars<S: Sequence>(_ s: S) -> String where S.Element == UInt32 {
    var out = String.UnicodeScalarView()
    for v in s { if let u = Unicode.Scalar(v) { out.append(u) } }
    return String(out)
}

private func jsRound(_ d: Double) -> Double { (d + 0.5).rounded(.down) }

/// `$round`: half to even, at `precision` decimal places.
func roundHalfEven(_ value: Double, _ precision: Int) -> Double {
    var arg = value
    if precision != 0 {
        arg = shiftDecimal(arg, precision)
    }
    var result = jsRound(arg)
    let diff = result - arg
    if abs(diff) == 0.5 && abs(result.truncatingRemainder(dividingBy: 2)) == 1 { result -= 1 }
    if precision != 0 { result = shiftDecimal(result, -precision) }
    if result == 0 { result = 0 }
    return result
}

/// Multiplies by 10^shift through the decimal text, as jsonata-js does to avoid binary error.
private func shiftDecimal(_ d: Double, _ shift: Int) -> Double {
    let text = jsNumberString(d)
    let parts = text.split(separator: "e", maxSplits: 1)
    let exp = (parts.count > 1 ? Int(parts[1]) ?? 0 : 0) + shift
    return Double(String(parts[0]) + "e" + String(exp)) ?? d
}

/// The regular-expression literal as a matcher function value (jsonata-js evaluateRegex).
func regexMatcher(_ program: RegexProgram, position: Int) -> JFunction {
    func matchAt(_ evaluator: Evaluator, _ text: [UInt32], _ original: String, _ from: Int) throws(RawError) -> Value? {
        guard from <= text.count else { return nil }
        let found = program.firstMatch(in: text, from: from, budget: evaluator)
        try evaluator.rethrowRegexTimeout()
        guard let caps = found else { return nil }
        let start = caps[0], end = caps[1]
        let result = JObject()
        result["match"] = .string(fromScalars(text[start..<end]))
        result["start"] = .number(Double(start))
        result["end"] = .number(Double(end))
        let groups = JArray()
        if program.groupCount > 0 {
            for g in 1...program.groupCount {
                let s = caps[2 * g], e = caps[2 * g + 1]
                groups.append(.string(s >= 0 && e >= s ? fromScalars(text[s..<e]) : ""))
            }
        }
        result["groups"] = .array(groups)
        let next: JFunction.NativeImpl = { (e: Evaluator, _: [Value?], _: Value?) throws(RawError) -> Value? in
            if end >= text.count { return nil }
            let n = try matchAt(e, text, original, end)
            if case .object(let o)? = n, case .string(let m)? = o["match"], m.isEmpty {
                var e = RawError("D1004", position: position, value: .string(program.source))
                e.hasValue = true
                throw e
            }
            return n
        }
        result["next"] = .function(JFunction(.native(next, arity: 0, signature: nil)))
        return .object(result)
    }
    let impl: JFunction.NativeImpl = { (e: Evaluator, args: [Value?], _: Value?) throws(RawError) -> Value? in
        guard case .string(let s)? = arg(args, 0) else { return nil }
        let from = max(0, clampInt(num(args, 1) ?? 0))
        return try matchAt(e, scalars(s), s, from)
    }
    return JFunction(.native(impl, arity: 2, signature: nil))
}

/// One match of a matcher function: (match, start, end, groups, next).
private struct MatchResult {
    var match: String
    var start: Int
    var end: Int
    var groups: [Value]
    var next: Value?
}

private func evaluateMatcher(_ ev: Evaluator, _ matcher: Value, _ args: [Value?]) throws(RawError) -> MatchResult? {
    guard let r = try ev.call(matcher, args) else { return nil }
    guard case .object(let o) = r else { throw RawError("T1010") }
    let hasStructure = o["start"]?.numberValue != nil || o["end"]?.numberValue != nil || o["groups"]?.isArray == true || o["next"]?.isFunction == true
    if !hasStructure { throw RawError("T1010") }
    return MatchResult(
        match: o["match"]?.stringValue ?? "",
        // A custom matcher's offsets are clamped like JavaScript's `substring` arguments.
        start: max(0, clampInt(o["start"]?.numberValue ?? 0)),
        end: max(0, clampInt(o["end"]?.numberValue ?? 0)),
        groups: o["groups"]?.arrayValue?.items ?? [],
        next: o["next"])
}

private func nextMatch(_ ev: Evaluator, _ m: MatchResult) throws(RawError) -> MatchResult? {
    guard let next = m.next else { return nil }
    return try evaluateMatcher(ev, next, [])
}

// MARK: - Table

/// One function value per library function, shared by all evaluations (immutable: a
/// `.builtin` function has no state).
nonisolated(unsafe) let builtinFunctions: [String: Value] = builtinTable.mapValues { .function(JFunction(.builtin($0))) }

let builtinTable: [String: Builtin] = {
    var t: [String: Builtin] = [:]
    func def(_ name: String, _ sig: String?, _ arity: Int, _ impl: @escaping Builtin.Impl) {
        t[name] = Builtin(name, sig, arity, impl)
    }

    // Aggregation
    def("sum", "<a<n>:n>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let x = arr(a, 0) else { return nil }
        return .number(numbers(x).reduce(0, +))
    }
    def("count", "<a:n>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in .number(Double(arr(a, 0)?.count ?? 0)) }
    def("max", "<a<n>:n>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let x = arr(a, 0), x.count > 0 else { return nil }
        return .number(numbers(x).max()!)
    }
    def("min", "<a<n>:n>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let x = arr(a, 0), x.count > 0 else { return nil }
        return .number(numbers(x).min()!)
    }
    def("average", "<a<n>:n>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let x = arr(a, 0), x.count > 0 else { return nil }
        return .number(numbers(x).reduce(0, +) / Double(x.count))
    }

    // Strings
    def("string", "<x-b?:s>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let v = arg(a, 0) else { return nil }
        var pretty = false
        if case .bool(let b)? = arg(a, 1) { pretty = b }
        return .string(try stringValue(v, pretty: pretty))
    }
    def("substring", "<s-nn?:s>", 3) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        let chars = scalars(s)
        let len = chars.count
        var start = num(a, 1) ?? 0
        if start.isNaN { start = 0 }
        if Double(len) + start < 0 { start = 0 }
        func clampIndex(_ x: Double) -> Int {
            var i = x < 0 ? Double(len) + x.rounded(.towardZero) : x.rounded(.towardZero)
            if x < 0 && x.rounded(.towardZero) == 0 { i = 0 }
            return Int(min(max(i, 0), Double(len)))
        }
        if let length = num(a, 2) {
            if length <= 0 || length.isNaN { return .string("") }
            let end = start >= 0 ? start + length : Double(len) + start + length
            let s0 = clampIndex(start)
            let e0 = end.isInfinite ? len : clampIndex(end)
            if e0 <= s0 { return .string("") }
            return .string(fromScalars(chars[s0..<e0]))
        }
        let s0 = clampIndex(start)
        return .string(fromScalars(chars[s0...]))
    }
    def("substringBefore", "<s-s:s>", 2) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        guard let chars = str(a, 1) else { return .string(s) }
        if chars.isEmpty { return .string("") }
        if let r = s.range(of: chars, options: .literal) { return .string(String(s[..<r.lowerBound])) }
        return .string(s)
    }
    def("substringAfter", "<s-s:s>", 2) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        guard let chars = str(a, 1) else { return .string(s) }
        if chars.isEmpty { return .string(s) }
        if let r = s.range(of: chars, options: .literal) { return .string(String(s[r.upperBound...])) }
        return .string(s)
    }
    def("lowercase", "<s-:s>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in str(a, 0).map { .string($0.lowercased()) } }
    def("uppercase", "<s-:s>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in str(a, 0).map { .string($0.uppercased()) } }
    def("length", "<s-:n>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in str(a, 0).map { .number(Double($0.unicodeScalars.count)) } }
    def("trim", "<s-:s>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        var out = ""
        var pendingSpace = false
        for u in s.unicodeScalars {
            if u == " " || u == "\t" || u == "\n" || u == "\r" {
                pendingSpace = true
            } else {
                if pendingSpace && !out.isEmpty { out += " " }
                pendingSpace = false
                out.unicodeScalars.append(u)
            }
        }
        return .string(out)
    }
    def("pad", "<s-ns?:s>", 3) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        let width = num(a, 1) ?? 0
        var ch = str(a, 2) ?? " "
        if ch.isEmpty { ch = " " }
        let padLength = clampInt(abs(width)) - s.unicodeScalars.count
        if padLength <= 0 { return .string(s) }
        if padLength > maxBuiltStringLength { throw invalidStringLength() }
        var padding = String(repeating: ch, count: padLength)
        if ch.unicodeScalars.count > 1 { padding = fromScalars(scalars(padding).prefix(padLength)) }
        return .string(width > 0 ? s + padding : padding + s)
    }
    def("contains", "<s-(sf):b>", 2) { (ev: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        guard let token = arg(a, 1) else { return nil }
        if case .string(let t) = token { return .bool(t.isEmpty || s.range(of: t, options: .literal) != nil) }
        return .bool(try evaluateMatcher(ev, token, [.string(s)]) != nil)
    }
    def("split", "<s-(sf)n?:a<s>>", 3) { (ev: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        let limit = num(a, 2)
        if let limit, limit < 0 { throw RawError("D3020", value: .number(limit)) }
        var result: [Value] = []
        if case .string(let sep)? = arg(a, 1) {
            if sep.isEmpty {
                result = s.utf16.map { .string(String(utf16CodeUnits: [$0], count: 1)) }
                // keep surrogate pairs whole where possible
                result = s.unicodeScalars.map { .string(String($0)) }
            } else {
                result = s.components(separatedBy: sep).map { .string($0) }
            }
        } else if let matcher = arg(a, 1) {
            let text = scalars(s)
            var start = 0
            var count = 0
            var m = try evaluateMatcher(ev, matcher, [.string(s)])
            while let cur = m, limit == nil || Double(count) < limit! {
                result.append(.string(fromScalars(text[min(start, text.count)..<min(max(cur.start, start), text.count)])))
                start = cur.end
                m = try nextMatch(ev, cur)
                count += 1
            }
            if limit == nil || Double(count) < limit! { result.append(.string(fromScalars(text[min(start, text.count)...]))) }
            return .array(JArray(result))
        }
        if let limit { result = Array(result.prefix(clampInt(limit))) }
        return .array(JArray(result))
    }
    def("join", "<a<s>s?:s>", 2) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let x = arr(a, 0) else { return nil }
        let sep = str(a, 1) ?? ""
        return .string(x.items.compactMap(\.stringValue).joined(separator: sep))
    }
    def("match", "<s-f<s:o>n?:a<o>>", 3) { (ev: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        let limit = num(a, 2)
        if let limit, limit < 0 { throw RawError("D3040", value: .number(limit)) }
        let result = Value.seq()
        if limit == nil || limit! > 0, let matcher = arg(a, 1) {
            var count = 0
            var m = try evaluateMatcher(ev, matcher, [.string(s)])
            while let cur = m, limit == nil || Double(count) < limit! {
                let o = JObject()
                o["match"] = .string(cur.match)
                o["index"] = .number(Double(cur.start))
                o["groups"] = .array(JArray(cur.groups))
                result.append(.object(o))
                m = try nextMatch(ev, cur)
                count += 1
            }
        }
        return .array(result)
    }
    def("replace", "<s-(sf)(sf)n?:s>", 4) { (ev: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        let pattern = arg(a, 1)
        if case .string(let p)? = pattern, p.isEmpty { throw RawError("D3010", value: pattern) }
        let limit = num(a, 3)
        if let limit, limit < 0 { throw RawError("D3011", value: .number(limit)) }
        guard let replacement = arg(a, 2) else { return .string(s) }
        if let limit, limit == 0 { return .string(s) }
        if case .string(let p)? = pattern {
            guard case .string(let rep) = replacement else { return .string(s) }
            var result = ""
            var rest = Substring(s)
            var count = 0
            while limit == nil || Double(count) < limit!, let r = rest.range(of: p, options: .literal) {
                result += rest[..<r.lowerBound] + rep
                rest = rest[r.upperBound...]
                count += 1
            }
            return .string(result + rest)
        }
        guard let matcher = pattern else { return .string(s) }
        let text = scalars(s)
        var m = try evaluateMatcher(ev, matcher, [.string(s)])
        if m == nil { return .string(s) }
        var result = ""
        var position = 0
        var count = 0
        while let cur = m, limit == nil || Double(count) < limit! {
            result += fromScalars(text[min(position, text.count)..<min(max(cur.start, position), text.count)])
            let replacedWith: Value?
            if case .string(let rep) = replacement {
                replacedWith = .string(substituteGroups(rep, cur))
            } else {
                let mo = JObject()
                mo["match"] = .string(cur.match)
                mo["index"] = .number(Double(cur.start))
                mo["groups"] = .array(JArray(cur.groups))
                replacedWith = try ev.call(replacement, [.object(mo)])
            }
            guard case .string(let rs)? = replacedWith else { throw RawError("D3012", value: replacedWith) }
            result += rs
            position = cur.start + cur.match.unicodeScalars.count
            count += 1
            m = try nextMatch(ev, cur)
        }
        result += fromScalars(text[min(position, text.count)...])
        return .string(result)
    }
    def("base64encode", "<s-:s>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in str(a, 0).map { .string(Data($0.utf8).base64EncodedString()) } }
    def("base64decode", "<s-:s>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        var padded = s
        while padded.count % 4 != 0 { padded += "=" }
        guard let d = Data(base64Encoded: padded) else { return .string("") }
        return .string(String(decoding: d, as: UTF8.self))
    }
    def("encodeUrlComponent", "<s-:s>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        return .string(percentEncode(s, keep: "-_.!~*'()"))
    }
    def("encodeUrl", "<s-:s>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        return .string(percentEncode(s, keep: "-_.!~*'();/?:@&=+$,#"))
    }
    def("decodeUrlComponent", "<s-:s>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        guard let d = percentDecode(s, reserved: "") else { throw RawError("D3140", token: "decodeUrlComponent", value: .string(s)) }
        return .string(d)
    }
    def("decodeUrl", "<s-:s>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        guard let d = percentDecode(s, reserved: ";/?:@&=+$,#") else { throw RawError("D3140", token: "decodeUrl", value: .string(s)) }
        return .string(d)
    }
    def("formatNumber", "<n-so?:s>", 3) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let n = num(a, 0) else { return nil }
        return .string(try formatNumber(n, str(a, 1) ?? "", arg(a, 2)?.objectValue))
    }
    def("formatBase", "<n-n?:s>", 2) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let n = num(a, 0) else { return nil }
        let value = roundHalfEven(n, 0)
        let radix = num(a, 1) ?? 10
        if radix < 2 || radix > 36 { throw RawError("D3100", value: .number(radix)) }
        let neg = value < 0
        var magnitude = abs(value)
        var digits: [Character] = []
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        if !magnitude.isFinite { return .string(neg ? "-Infinity" : "Infinity") }
        repeat {
            let d = magnitude.truncatingRemainder(dividingBy: radix.rounded(.towardZero))
            digits.append(alphabet[clampInt(d)])
            magnitude = ((magnitude - d) / radix.rounded(.towardZero)).rounded(.down)
        } while magnitude > 0
        return .string((neg ? "-" : "") + String(digits.reversed()))
    }
    def("formatInteger", "<n-s:s>", 2) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let n = num(a, 0) else { return nil }
        return .string(try formatInteger(n, str(a, 1) ?? ""))
    }
    def("parseInteger", "<s-s:n>", 2) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        return try parseInteger(s, str(a, 1) ?? "").map { .number($0) }
    }

    // Numbers
    def("number", "<(nsb)-:n>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let v = arg(a, 0) else { return nil }
        switch v {
        case .number: return v
        case .bool(let b): return .number(b ? 1 : 0)
        case .string(let s):
            if let d = parseJSNumber(s) { return .number(d) }
            throw RawError("D3030", value: v)
        default: throw RawError("D3030", value: v)
        }
    }
    def("floor", "<n-:n>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in num(a, 0).map { .number($0.rounded(.down)) } }
    def("ceil", "<n-:n>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in num(a, 0).map { .number($0.rounded(.up)) } }
    def("round", "<n-n?:n>", 2) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let n = num(a, 0) else { return nil }
        return .number(roundHalfEven(n, max(-400, min(400, clampInt(num(a, 1) ?? 0)))))
    }
    def("abs", "<n-:n>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in num(a, 0).map { .number(abs($0)) } }
    def("sqrt", "<n-:n>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let n = num(a, 0) else { return nil }
        if n < 0 { throw RawError("D3060", value: .number(n)) }
        return .number(n.squareRoot())
    }
    def("power", "<n-n:n>", 2) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let b = num(a, 0) else { return nil }
        let e = num(a, 1) ?? .nan
        let r = pow(b, e)
        if !r.isFinite {
            var err = RawError("D3061", value: .number(b))
            err.exp = .number(e)
            throw err
        }
        return .number(r)
    }
    def("random", "<n?:n>", 0) { (ev: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        if let seed = num(a, 0) {
            // AWS addition: seeded values as java.util.Random(seed).nextDouble() (AWS runs on
            // the JVM; the exact generator is unverified).
            return .number(javaRandomDouble(seed: Int64(clampInt(seed.rounded(.towardZero)))))
        }
        return .number(unitDouble(splitmix64(&ev.randomState)))
    }

    // Booleans
    def("boolean", "<x-:b>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in try booleanValue(arg(a, 0)).map { .bool($0) } }
    def("not", "<x-:b>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in try booleanValue(arg(a, 0)).map { .bool(!$0) } }
    def("exists", "<x:b>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in .bool(arg(a, 0) != nil) }

    // Higher-order
    def("map", "<af>", 2) { (ev: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let x = arr(a, 0), let f = arg(a, 1) else { return nil }
        let result = Value.seq()
        for (i, v) in x.items.enumerated() {
            if let r = try ev.call(f, ev.hofArgs(f, v, .number(Double(i)), .array(x))) { result.append(r) }
        }
        return .array(result)
    }
    def("filter", "<af>", 2) { (ev: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let x = arr(a, 0), let f = arg(a, 1) else { return nil }
        let result = Value.seq()
        for (i, v) in x.items.enumerated() {
            if try booleanValue(try ev.call(f, ev.hofArgs(f, v, .number(Double(i)), .array(x)))) == true { result.append(v) }
        }
        return .array(result)
    }
    def("single", "<af?>", 2) { (ev: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let x = arr(a, 0) else { return nil }
        let f = arg(a, 1)
        var found: Value? = nil
        var hasMatch = false
        for (i, v) in x.items.enumerated() {
            var positive = true
            if let f { positive = try booleanValue(try ev.call(f, ev.hofArgs(f, v, .number(Double(i)), .array(x)))) == true }
            if positive {
                if hasMatch { throw RawError("D3138", value: v) }
                found = v
                hasMatch = true
            }
        }
        if !hasMatch { throw RawError("D3139") }
        return found
    }
    def("reduce", "<afj?:j>", 3) { (ev: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let x = arr(a, 0), let f = arg(a, 1) else { return nil }
        let arity = f.functionValue?.arity ?? 0
        if arity < 2 {
            var e = RawError("D3050")
            e.index = 1
            throw e
        }
        var result: Value?
        var index: Int
        if arg(a, 2) == nil && x.count > 0 { result = x[0]; index = 1 } else { result = arg(a, 2); index = 0 }
        while index < x.count {
            var args: [Value?] = [result, x[index]]
            if arity >= 3 { args.append(.number(Double(index))) }
            if arity >= 4 { args.append(.array(x)) }
            result = try ev.call(f, args)
            index += 1
        }
        return result
    }
    def("sift", "<o-f?:o>", 2) { (ev: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard case .object(let o)? = arg(a, 0), let f = arg(a, 1) else { return nil }
        let result = JObject()
        for (k, v) in o.entries {
            if try booleanValue(try ev.call(f, ev.hofArgs(f, v, .string(k), .object(o)))) == true { result[k] = v }
        }
        return result.isEmpty ? nil : .object(result)
    }
    def("each", "<o-f:a>", 2) { (ev: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard case .object(let o)? = arg(a, 0), let f = arg(a, 1) else { return nil }
        let result = Value.seq()
        for (k, v) in o.entries {
            if let r = try ev.call(f, ev.hofArgs(f, v, .string(k), .object(o))) { result.append(r) }
        }
        return .array(result)
    }
    def("zip", "<a+>", 0) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        let arrays = a.map { $0?.arrayValue ?? JArray() }
        let length = arrays.map(\.count).min() ?? 0
        let result = JArray()
        for i in 0..<length { result.append(.array(JArray(arrays.map { $0[i] }))) }
        return .array(result)
    }

    // Objects and arrays
    def("keys", "<x-:a<s>>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        func keys(_ v: Value?) -> [String] {
            switch v {
            case .array(let x)?:
                var seen = Set<String>()
                var out: [String] = []
                for item in x.items { for k in keys(item) where seen.insert(k).inserted { out.append(k) } }
                return out
            case .object(let o)?: return o.keys
            default: return []
            }
        }
        return .array(Value.seq(keys(arg(a, 0)).map { .string($0) }))
    }
    def("lookup", "<x-s:x>", 2) { (ev: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let k = str(a, 1) else { return nil }
        return ev.lookupField(arg(a, 0), k)
    }
    def("append", "<xx:a>", 2) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in appendValues(arg(a, 0), arg(a, 1)) }
    def("spread", "<x-:a<o>>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        func spread(_ v: Value?) -> Value? {
            switch v {
            case .array(let x)?:
                var result: Value? = .array(Value.seq())
                for item in x.items { result = appendValues(result, spread(item)) }
                return result
            case .object(let o)?:
                let result = Value.seq()
                for (k, v) in o.entries { let e = JObject(); e[k] = v; result.append(.object(e)) }
                return .array(result)
            default:
                return v
            }
        }
        return spread(arg(a, 0))
    }
    def("merge", "<a<o>:o>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let x = arr(a, 0) else { return nil }
        let result = JObject()
        for case .object(let o) in x.items { result.merge(o) }
        return .object(result)
    }
    def("reverse", "<a:a>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let x = arr(a, 0) else { return nil }
        if x.count <= 1 { return .array(x) }
        return .array(JArray(x.items.reversed()))
    }
    def("sort", "<af?:a>", 2) { (ev: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let x = arr(a, 0) else { return nil }
        if x.count <= 1 { return .array(x) }
        if let f = arg(a, 1) {
            let sorted = try mergeSort(x.items) { (l: Value, r: Value) throws(RawError) -> Bool in jsTruthy(try ev.call(f, [l, r])) }
            return .array(JArray(sorted))
        }
        let allNumbers = x.items.allSatisfy { if case .number = $0 { return true }; return false }
        let allStrings = x.items.allSatisfy { if case .string = $0 { return true }; return false }
        if !allNumbers && !allStrings { throw RawError("D3070") }
        let sorted = try mergeSort(x.items) { (l: Value, r: Value) throws(RawError) -> Bool in
            switch (l, r) {
            case (.number(let p), .number(let q)): return p > q
            case (.string(let p), .string(let q)): return jsCompare(p, q) > 0
            default: return false
            }
        }
        return .array(JArray(sorted))
    }
    def("shuffle", "<a:a>", 1) { (ev: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let x = arr(a, 0) else { return nil }
        if x.count <= 1 { return .array(x) }
        var items = x.items
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            let j = Int(unitDouble(splitmix64(&ev.randomState)) * Double(i + 1))
            items.swapAt(i, j)
        }
        return .array(JArray(items))
    }
    def("distinct", "<x:x>", 1) { (e: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let v = arg(a, 0) else { return nil }
        guard case .array(let x) = v, x.count > 1 else { return v }
        let result = JArray()
        result.sequence = x.sequence
        for item in x.items {
            // Quadratic, as in jsonata-js: each comparison counts toward the deadline.
            try e.tick(result.count + 1)
            if !result.items.contains(where: { deepEqual($0, item) }) { result.append(item) }
        }
        return .array(result)
    }
    def("error", "<s?:x>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        var e = RawError("D3137")
        e.message = str(a, 0) ?? "$error() function evaluated"
        throw e
    }
    def("assert", "<bs?:x>", 2) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        if case .bool(true)? = arg(a, 0) { return nil }
        var e = RawError("D3141")
        e.message = str(a, 1) ?? "$assert() statement failed"
        throw e
    }
    def("type", "<x:s>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in arg(a, 0).map { .string($0.typeName) } }
    def("clone", "<(oa)-:o>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in arg(a, 0).map(deepClone) }

    // Date/time
    def("now", "<s?s?:s>", 2) { (ev: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        .string(try formatDateTime(ev.timestamp, picture: str(a, 0), timezone: str(a, 1)))
    }
    def("millis", "<:n>", 0) { (ev: Evaluator, _: [Value?], _: Value?) throws(RawError) -> Value? in .number(ev.timestamp) }
    def("fromMillis", "<n-s?s?:s>", 3) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let n = num(a, 0) else { return nil }
        return .string(try formatDateTime(n, picture: str(a, 1), timezone: str(a, 2)))
    }
    def("toMillis", "<s-s?:n>", 2) { (ev: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        if let picture = str(a, 1) { return try parseDateTime(s, picture: picture, now: ev.timestamp).map { .number($0) } }
        guard let ms = parseISO8601(s) else { throw RawError("D3110", value: .string(s)) }
        return .number(ms)
    }

    // AWS additions (Step Functions)
    def("partition", "<an:a>", 2) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        // AWS's JSONata page: Step Functions' added functions round non-integer numbers down.
        guard let x = arr(a, 0), let given = num(a, 1) else { return nil }
        let size = given.rounded(.down)
        guard size >= 1 else { throw RawError("D3030", value: .number(given)) }
        let n = clampInt(size)
        let result = JArray()
        var i = 0
        while i < x.count {
            result.append(.array(JArray(Array(x.items[i..<min(i + n, x.count)]))))
            i += n
        }
        return .array(result)
    }
    def("range", "<nnn?:a>", 3) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        // Non-integer arguments are rounded down, as for `$partition`.
        guard let start = num(a, 0)?.rounded(.down), let end = num(a, 1)?.rounded(.down) else { return nil }
        let step = (num(a, 2) ?? 1).rounded(.down)
        guard step != 0, start.isFinite, end.isFinite, step.isFinite else { throw RawError("D3030", value: .number(step)) }
        let result = Value.seq()
        var x = start
        while (step > 0 && x <= end) || (step < 0 && x >= end) {
            result.append(.number(x))
            if result.count > 1000 { throw RawError("D2014", value: .number(Double(result.count))) }
            x += step
        }
        return .array(result)
    }
    def("hash", "<s-s?:s>", 2) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        let algorithm = str(a, 1) ?? "SHA-256"
        guard let digest = Digest.hex(algorithm: algorithm, Array(s.utf8)) else {
            var e = RawError("D3137")
            e.message = "The hash algorithm \(algorithm) is not supported; use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"
            throw e
        }
        return .string(digest)
    }
    def("uuid", "<:s>", 0) { (ev: Evaluator, _: [Value?], _: Value?) throws(RawError) -> Value? in .string(ev.environment.uuid()) }
    def("parse", "<s-:j>", 1) { (_: Evaluator, a: [Value?], _: Value?) throws(RawError) -> Value? in
        guard let s = str(a, 0) else { return nil }
        do {
            return Value(json: try JSONParser.parse(s))
        } catch {
            var e = RawError("D3137")
            e.message = "Unable to parse JSON: \(s)"
            throw e
        }
    }
    return t
}()

/// `Number(string)` restricted to JSONata's accepted forms (decimal, or 0x/0o/0b integers).
func parseJSNumber(_ s: String) -> Double? {
    let chars = Array(s.utf8)
    var i = 0
    func digits() -> Int { let st = i; while i < chars.count && chars[i] >= 48 && chars[i] <= 57 { i += 1 }; return i - st }
    if i < chars.count && chars[i] == 45 { i += 1 }
    var ok = digits() > 0
    if ok && i < chars.count && chars[i] == 46 { i += 1; ok = digits() > 0 }
    if ok && i < chars.count && (chars[i] == 101 || chars[i] == 69) {
        i += 1
        if i < chars.count && (chars[i] == 43 || chars[i] == 45) { i += 1 }
        ok = digits() > 0
    }
    if ok && i == chars.count, let d = Double(s), d.isFinite { return d }
    let lower = s.lowercased()
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where lower.hasPrefix(prefix) {
        if let v = UInt64(lower.dropFirst(2), radix: radix) { return Double(v) }
    }
    return nil
}

/// Replacement-string substitution for `$replace` (`$0`, `$1`…, `$$`).
private func substituteGroups(_ replacement: String, _ m: MatchResult) -> String {
    let rep = Array(replacement)
    var out = ""
    var position = 0
    while position < rep.count {
        guard let idx = rep[position...].firstIndex(of: "$") else { break }
        out += String(rep[position..<idx])
        position = idx + 1
        if position >= rep.count { out += "$"; break }
        let c = rep[position]
        if c == "$" {
            out += "$"
            position += 1
        } else if c == "0" {
            out += m.match
            position += 1
        } else {
            let maxDigits = m.groups.isEmpty ? 1 : Int(log10(Double(m.groups.count)).rounded(.down)) + 1
            var digitsText = String(rep[position..<min(position + maxDigits, rep.count)])
            var index = Int(String(digitsText.prefix { $0.isNumber }))
            if maxDigits > 1, let i = index, i > m.groups.count {
                digitsText = String(digitsText.dropLast())
                index = Int(String(digitsText.prefix { $0.isNumber }))
            }
            if let index, !digitsText.isEmpty, digitsText.first!.isNumber {
                if m.groups.count > 0, index >= 1, index <= m.groups.count, case .string(let g) = m.groups[index - 1] {
                    out += g
                }
                position += String(index).count
            } else {
                out += "$"
            }
        }
    }
    if position < rep.count { out += String(rep[position...]) }
    return out
}

private func percentEncode(_ s: String, keep: String) -> String {
    let keepSet = Set(keep.utf8)
    var out = ""
    for b in s.utf8 {
        if (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || keepSet.contains(b) {
            out.unicodeScalars.append(Unicode.Scalar(b))
        } else {
            out += String(format: "%%%02X", b)
        }
    }
    return out
}

private func percentDecode(_ s: String, reserved: String) -> String? {
    let reservedSet = Set(reserved.utf8)
    var bytes: [UInt8] = []
    let u = Array(s.utf8)
    var i = 0
    while i < u.count {
        if u[i] == 37 {
            guard i + 2 < u.count, let b = UInt8(String(decoding: u[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) else { return nil }
            if b < 0x80 && reservedSet.contains(b) {
                bytes.append(contentsOf: u[i...(i + 2)])
            } else {
                bytes.append(b)
            }
            i += 3
        } else {
            bytes.append(u[i])
            i += 1
        }
    }
    return String(validating: bytes, as: UTF8.self)
}

func splitmix64(_ state: inout UInt64) -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

func unitDouble(_ x: UInt64) -> Double { Double(x >> 11) * 0x1.0p-53 }

/// The first `nextDouble()` of `java.util.Random(seed)`.
func javaRandomDouble(seed: Int64) -> Double {
    let multiplier: UInt64 = 0x5_DEEC_E66D
    let mask: UInt64 = (1 << 48) - 1
    var state = (UInt64(bitPattern: seed) ^ multiplier) & mask
    func next(_ bits: UInt64) -> UInt64 {
        state = (state &* multiplier &+ 0xB) & mask
        return state >> (48 - bits)
    }
    let high = next(26), low = next(27)
    return Double((high << 27) + low) * 0x1.0p-53
}
