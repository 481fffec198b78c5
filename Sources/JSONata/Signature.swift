// Function signatures (`<s-nn?:s>`), as jsonata-js's signature.js: parsed into a list of
// parameter patterns over one-letter type symbols, matched against the supplied arguments.

struct Signature: Sendable {
    enum Quantifier: Sendable { case one, optional, plus }

    struct Param: Sendable {
        var symbols: Set<Character> = [] { didSet { mask = Signature.mask(symbols) } }
        var quantifier: Quantifier = .one
        var type: String = "" { didSet { isArray = type == "a" } }
        var subtype: String? { didSet { subtypeBit = subtype?.first.map { Signature.bit($0) } ?? 0 } }
        /// `symbols`, `type == "a"` and the subtype's first symbol as bits (see `bit(_:)`), for the fast path.
        var mask: UInt32 = 0
        var isArray = false
        var subtypeBit: UInt32 = 0

        init(symbols: Set<Character> = [], type: String = "") {
            self.symbols = symbols
            self.type = type
            mask = Signature.mask(symbols)
            isArray = type == "a"
        }
        var context = false
        var contextSymbols: Set<Character> = []
    }

    var params: [Param] = []

    init(_ signature: String) throws(RawError) {
        let chars = Array(signature)
        var position = 1
        var params: [Param] = []
        func closing(_ start: Int, _ open: Character, _ close: Character) -> Int {
            var depth = 1
            var p = start
            while p < chars.count {
                p += 1
                if p >= chars.count { break }
                if chars[p] == close {
                    depth -= 1
                    if depth == 0 { break }
                } else if chars[p] == open {
                    depth += 1
                }
            }
            return p
        }
        while position < chars.count {
            let symbol = chars[position]
            if symbol == ":" { break }
            switch symbol {
            case "s", "n", "b", "l", "o":
                params.append(Param(symbols: [symbol, "m"], type: String(symbol)))
            case "a":
                params.append(Param(symbols: Set("asnblfom"), type: "a"))
            case "f":
                params.append(Param(symbols: ["f"], type: "f"))
            case "j":
                params.append(Param(symbols: Set("asnblom"), type: "j"))
            case "x":
                params.append(Param(symbols: Set("asnblfom"), type: "x"))
            case "-":
                if !params.isEmpty {
                    params[params.count - 1].context = true
                    params[params.count - 1].contextSymbols = params[params.count - 1].symbols
                    params[params.count - 1].quantifier = .optional
                }
            case "?":
                if !params.isEmpty { params[params.count - 1].quantifier = .optional }
            case "+":
                if !params.isEmpty { params[params.count - 1].quantifier = .plus }
            case "(":
                let end = closing(position, "(", ")")
                let choice = String(chars[(position + 1)..<min(end, chars.count)])
                if choice.contains("<") {
                    var e = RawError("S0402", position: position, value: .string(choice))
                    e.position = position
                    throw e
                }
                params.append(Param(symbols: Set(choice + "m"), type: "(" + choice + ")"))
                position = end
            case "<":
                if let last = params.last, last.type == "a" || last.type == "f" {
                    let end = closing(position, "<", ">")
                    params[params.count - 1].subtype = String(chars[(position + 1)..<min(end, chars.count)])
                    position = end
                } else {
                    throw RawError("S0401", position: position, value: .string(params.last?.type ?? ""))
                }
            default:
                break
            }
            position += 1
        }
        self.params = params
    }

    /// A one-letter symbol as a bit (lowercase ASCII letters; others share bit 31).
    static func bit(_ c: Character) -> UInt32 {
        guard let a = c.asciiValue, a >= 97, a <= 122 else { return 1 << 31 }
        return 1 << UInt32(a - 97)
    }

    static func mask(_ symbols: Set<Character>) -> UInt32 {
        var m: UInt32 = 0
        for c in symbols { m |= bit(c) }
        return m
    }

    static let aBit: UInt32 = 1 << 0, mBit: UInt32 = 1 << 12

    /// `bit(symbol(v))`.
    @inline(__always) static func symbolBit(_ v: Value?) -> UInt32 {
        guard let v else { return 1 << 12 }                  // m
        switch v {
        case .function: return 1 << 5                        // f
        case .string: return 1 << 18                         // s
        case .number: return 1 << 13                         // n
        case .bool: return 1 << 1                            // b
        case .null: return 1 << 11                           // l
        case .array: return 1 << 0                           // a
        case .object: return 1 << 14                         // o
        }
    }

    static func symbol(_ v: Value?) -> Character {
        guard let v else { return "m" }
        switch v {
        case .function: return "f"
        case .string: return "s"
        case .number: return "n"
        case .bool: return "b"
        case .null: return "l"
        case .array: return "a"
        case .object: return "o"
        }
    }

    /// Matches `params[0..<count]` against `sig` (greedy, backtracking, like the JS regex);
    /// returns each parameter's matched symbols.
    private func match(_ sig: [Character], count: Int, anchored: Bool) -> (captures: [Range<Int>], end: Int)? {
        var captures: [Range<Int>] = []
        func go(_ p: Int, _ i: Int) -> Int? {
            if p == count { return (!anchored || i == sig.count) ? i : nil }
            let param = params[p]
            var options: [Int] = []
            switch param.quantifier {
            case .one:
                if i < sig.count && param.symbols.contains(sig[i]) { options = [i + 1] }
            case .optional:
                if i < sig.count && param.symbols.contains(sig[i]) { options = [i + 1, i] } else { options = [i] }
            case .plus:
                var j = i
                while j < sig.count && param.symbols.contains(sig[j]) { j += 1 }
                if j > i { options = Array(((i + 1)...j).reversed()) }
            }
            for e in options {
                captures.append(i..<e)
                if let r = go(p + 1, e) { return r }
                captures.removeLast()
            }
            return nil
        }
        guard let end = go(0, 0) else { return nil }
        return (captures, end)
    }

    /// Validates and fixes up the arguments (context substitution, array wrapping).
    func validate(_ args: [Value?], context: Value?) throws(RawError) -> [Value?] {
        // Fast path: one argument per parameter, each of an accepted type, nothing to fix up.
        if args.count == params.count {
            var simple = true
            for i in 0..<args.count {
                let p = params[i]
                let sym = Signature.symbolBit(args[i])
                if p.quantifier == .plus || p.mask & sym == 0 || (p.isArray && sym != Signature.aBit)
                    || (p.context && sym == Signature.mBit) {
                    simple = false
                    break
                }
                if p.isArray && p.subtype != nil {
                    // An array whose items all have the subtype's symbol passes unchanged.
                    guard case .array(let arr)? = args[i] else { simple = false; break }
                    for item in arr.items where Signature.symbolBit(item) != p.subtypeBit { simple = false; break }
                    if !simple { break }
                }
            }
            if simple { return args }
        }
        let supplied = args.map(Signature.symbol)
        guard let m = match(supplied, count: params.count, anchored: true) else {
            var goodTo = 0
            for k in 1...max(params.count, 1) where k <= params.count {
                guard let partial = match(supplied, count: k, anchored: false) else {
                    throw argumentError(args, goodTo)
                }
                goodTo = partial.end
            }
            throw argumentError(args, goodTo)
        }
        var validated: [Value?] = []
        var argIndex = 0
        for (index, param) in params.enumerated() {
            let range = m.captures[index]
            if range.isEmpty {
                if param.context {
                    let ctxSymbol = Signature.symbol(context)
                    if param.contextSymbols.contains(ctxSymbol) {
                        validated.append(context)
                    } else {
                        var e = RawError("T0411", value: context)
                        e.index = argIndex + 1
                        throw e
                    }
                } else {
                    validated.append(argIndex < args.count ? args[argIndex] : nil)
                    argIndex += 1
                }
                continue
            }
            let matched = supplied[range]
            for single in matched {
                var arg = argIndex < args.count ? args[argIndex] : nil
                if param.type == "a" {
                    if single == "m" {
                        arg = nil
                    } else {
                        var ok = true
                        if let subtype = param.subtype {
                            if single != "a" && String(matched) != subtype {
                                ok = false
                            } else if single == "a", case .array(let arr) = arg!, arr.count > 0 {
                                let itemType = Signature.symbol(arr[0])
                                if String(itemType) != String(subtype.prefix(1)) {
                                    ok = false
                                } else {
                                    ok = arr.items.allSatisfy { Signature.symbol($0) == itemType }
                                }
                            }
                        }
                        if !ok {
                            var e = RawError("T0412", value: arg)
                            e.index = argIndex + 1
                            e.type = Signature.arrayTypeNames[param.subtype ?? ""] ?? param.subtype
                            throw e
                        }
                        if single != "a" { arg = .array(JArray([arg!])) }
                    }
                    validated.append(arg)
                } else {
                    validated.append(arg)
                }
                argIndex += 1
            }
        }
        return validated
    }

    private func argumentError(_ args: [Value?], _ goodTo: Int) -> RawError {
        var e = RawError("T0410", value: goodTo < args.count ? args[goodTo] : nil)
        e.index = goodTo + 1
        return e
    }

    static let arrayTypeNames: [String: String] = [
        "a": "arrays", "b": "booleans", "f": "functions", "n": "numbers", "o": "objects", "s": "strings",
    ]
}
