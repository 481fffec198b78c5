// A linear-time regular-expression engine for JSONata's `/regex/flags` literals.
//
// Patterns use JavaScript syntax (literals, `.`, classes `[...]`, `\d \w \s \D \W \S \b \B`,
// anchors `^ $`, groups `( )`, `(?: )`, `(?<name> )`, lookahead `(?= )` `(?! )`, alternation,
// greedy and lazy quantifiers `* + ? {n} {n,} {n,m}`; flags `i` and `m`). They are compiled to
// a Pike VM (Thompson NFA simulation with submatch tracking): a search runs in
// O(pattern × input) time whatever the pattern, so there is no catastrophic backtracking
// (`(a+)+$` on a long string of `a`s followed by `b` is linear). Results are the same as a
// backtracking engine's (leftmost, with greedy/lazy priorities). Lookahead runs a nested
// anchored search at each position where it is reached, so patterns with lookahead are
// bounded by O(pattern × input²) rather than linear. Not supported (rejected when the
// expression is compiled): backreferences `\1` and lookbehind `(?<= )`/`(?<! )`. Counted
// repetition is expanded, and compiled programs are capped at 20 000 instructions. The
// empty-transition closure is computed iteratively, so no pattern can exhaust the stack.

struct RegexError: Error { var message: String }

final class RegexProgram: @unchecked Sendable {
    fileprivate enum Inst {
        case char(UInt32)
        case any
        case cls(Int)
        case split(Int, Int)
        case jmp(Int)
        case save(Int)
        case match
        case bol, eol, wordBoundary, notWordBoundary
        case look(RegexProgram, negate: Bool)
    }

    fileprivate struct CharClass {
        var ranges: [(UInt32, UInt32)]
        var negated: Bool
    }

    fileprivate var insts: [Inst] = []
    fileprivate var classes: [CharClass] = []
    let groupCount: Int
    let caseInsensitive: Bool
    let multiline: Bool
    let source: String

    init(pattern: String, caseInsensitive: Bool, multiline: Bool) throws(RegexError) {
        self.source = pattern
        self.caseInsensitive = caseInsensitive
        self.multiline = multiline
        var parser = RegexParser(Array(pattern.unicodeScalars).map(\.value))
        let ast = try parser.parseAlternation()
        if parser.pos < parser.chars.count { throw RegexError(message: "Unmatched ')'") }
        self.groupCount = parser.groupCount
        var c = Compiler(caseInsensitive: caseInsensitive, multiline: multiline, groupCount: parser.groupCount)
        c.emit(.save(0))
        try c.compile(ast)
        c.emit(.save(1))
        c.emit(.match)
        insts = c.insts
        classes = c.classes
    }

    fileprivate init(insts: [Inst], classes: [CharClass], groupCount: Int, caseInsensitive: Bool, multiline: Bool) {
        self.insts = insts
        self.classes = classes
        self.groupCount = groupCount
        self.caseInsensitive = caseInsensitive
        self.multiline = multiline
        self.source = ""
    }

    /// Finds the leftmost match at or after `from`; returns capture offsets (2 per group,
    /// group 0 first; -1 when unset). With a `budget`, each input position counts its threads
    /// toward the evaluation's deadline; past it, the search gives up (nil) and the caller
    /// raises the timeout (``Evaluator/rethrowRegexTimeout()``).
    func firstMatch(in input: [UInt32], from: Int, anchored: Bool = false, budget: Evaluator? = nil) -> [Int]? {
        let slots = 2 * (groupCount + 1)
        let n = input.count
        var clist: [(pc: Int, caps: [Int])] = []
        var nlist: [(pc: Int, caps: [Int])] = []
        var mark = [Int](repeating: -1, count: insts.count)
        var generation = 0
        var matched: [Int]? = nil

        func isWord(_ i: Int) -> Bool {
            guard i >= 0 && i < n else { return false }
            let c = input[i]
            return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
        }
        func isLineTerminator(_ c: UInt32) -> Bool { c == 10 || c == 13 || c == 0x2028 || c == 0x2029 }

        // Follows empty transitions from `pc` in priority order (iteratively: no deep recursion).
        var work: [(pc: Int, caps: [Int])] = []
        func add(_ list: inout [(pc: Int, caps: [Int])], _ pc0: Int, _ caps0: [Int], _ pos: Int) {
            work.append((pc0, caps0))
            while let (pc, caps) = work.popLast() {
                if mark[pc] == generation { continue }
                mark[pc] = generation
                switch insts[pc] {
                case .jmp(let x): work.append((x, caps))
                case .split(let x, let y):
                    work.append((y, caps))
                    work.append((x, caps))
                case .save(let k):
                    var c = caps
                    c[k] = pos
                    work.append((pc + 1, c))
                case .bol:
                    if pos == 0 || (multiline && isLineTerminator(input[pos - 1])) { work.append((pc + 1, caps)) }
                case .eol:
                    if pos == n || (multiline && isLineTerminator(input[pos])) { work.append((pc + 1, caps)) }
                case .wordBoundary:
                    if isWord(pos - 1) != isWord(pos) { work.append((pc + 1, caps)) }
                case .notWordBoundary:
                    if isWord(pos - 1) == isWord(pos) { work.append((pc + 1, caps)) }
                case .look(let sub, let negate):
                    // The sub-program numbers its groups like the whole pattern; a positive
                    // lookahead's captures stay visible after it, as in JavaScript.
                    let found = sub.firstMatch(in: input, from: pos, anchored: true, budget: budget)
                    if let found, !negate {
                        var c = caps
                        for k in 2..<min(c.count, found.count) where found[k] >= 0 { c[k] = found[k] }
                        work.append((pc + 1, c))
                    } else if found == nil && negate {
                        work.append((pc + 1, caps))
                    }
                default:
                    list.append((pc, caps))
                }
            }
        }

        var pos = from
        let initial = [Int](repeating: -1, count: slots)
        generation = 1
        while true {
            if matched == nil && (!anchored || pos == from) {
                add(&clist, 0, initial, pos)
            }
            if clist.isEmpty {
                // No thread survived this position's empty transitions (a lookahead or `^`
                // failed): an unanchored search still tries the next start.
                if matched != nil || anchored || pos >= n { break }
                if let budget, budget.spendOrExpire(1) { return nil }
                generation += 1
                pos += 1
                continue
            }
            if let budget, budget.spendOrExpire(clist.count + 1) { return nil }
            generation += 1
            let c: UInt32? = pos < n ? input[pos] : nil
            threads: for t in clist {
                switch insts[t.pc] {
                case .char(let want):
                    if let c, equal(c, want) { add(&nlist, t.pc + 1, t.caps, pos + 1) }
                case .any:
                    if let c, !isLineTerminator(c) { add(&nlist, t.pc + 1, t.caps, pos + 1) }
                case .cls(let k):
                    if let c, classMatches(classes[k], c) { add(&nlist, t.pc + 1, t.caps, pos + 1) }
                case .match:
                    matched = t.caps
                    break threads
                default:
                    break
                }
            }
            if pos >= n { break }
            swap(&clist, &nlist)
            nlist.removeAll(keepingCapacity: true)
            pos += 1
        }
        return matched
    }

    private func fold(_ c: UInt32) -> UInt32 {
        guard let s = Unicode.Scalar(c) else { return c }
        let lower = s.properties.lowercaseMapping.unicodeScalars
        return lower.count == 1 ? lower.first!.value : c
    }

    private func equal(_ c: UInt32, _ want: UInt32) -> Bool {
        if c == want { return true }
        return caseInsensitive && fold(c) == fold(want)
    }

    private func classMatches(_ cls: CharClass, _ c: UInt32) -> Bool {
        func inRanges(_ x: UInt32) -> Bool { cls.ranges.contains { x >= $0.0 && x <= $0.1 } }
        var hit = inRanges(c)
        if !hit && caseInsensitive, let s = Unicode.Scalar(c) {
            let lower = s.properties.lowercaseMapping.unicodeScalars
            let upper = s.properties.uppercaseMapping.unicodeScalars
            if lower.count == 1 && inRanges(lower.first!.value) { hit = true }
            if upper.count == 1 && inRanges(upper.first!.value) { hit = true }
        }
        return hit != cls.negated
    }
}

// MARK: - Parser

private indirect enum RNode {
    case empty
    case char(UInt32)
    case any
    case cls([(UInt32, UInt32)], negated: Bool)
    case seq([RNode])
    case alt([RNode])
    case group(RNode, index: Int?)
    case rep(RNode, min: Int, max: Int?, greedy: Bool)
    case bol, eol, wordBoundary, notWordBoundary
    case look(RNode, negate: Bool)
}

private let digitRanges: [(UInt32, UInt32)] = [(48, 57)]
private let wordRanges: [(UInt32, UInt32)] = [(48, 57), (65, 90), (95, 95), (97, 122)]
private let spaceRanges: [(UInt32, UInt32)] = [
    (9, 13), (32, 32), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029),
    (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF),
]

private func complement(_ ranges: [(UInt32, UInt32)]) -> [(UInt32, UInt32)] {
    let sorted = ranges.sorted { $0.0 < $1.0 }
    var out: [(UInt32, UInt32)] = []
    var next: UInt32 = 0
    for (lo, hi) in sorted {
        if lo > next { out.append((next, lo - 1)) }
        next = max(next, hi &+ 1)
    }
    if next <= 0x10FFFF { out.append((next, 0x10FFFF)) }
    return out
}

private struct RegexParser {
    let chars: [UInt32]
    var pos = 0
    var groupCount = 0

    init(_ chars: [UInt32]) { self.chars = chars }

    func peek(_ k: Int = 0) -> UInt32? { pos + k < chars.count ? chars[pos + k] : nil }
    func isChar(_ c: Character, _ k: Int = 0) -> Bool { peek(k) == c.unicodeScalars.first!.value }

    mutating func parseAlternation() throws(RegexError) -> RNode {
        var alts = [try parseSequence()]
        while isChar("|") {
            pos += 1
            alts.append(try parseSequence())
        }
        return alts.count == 1 ? alts[0] : .alt(alts)
    }

    mutating func parseSequence() throws(RegexError) -> RNode {
        var items: [RNode] = []
        while let c = peek(), c != 0x7C /* | */, c != 0x29 /* ) */ {
            var atom = try parseAtom()
            atom = try parseQuantifier(atom)
            items.append(atom)
        }
        return items.count == 1 ? items[0] : .seq(items)
    }

    mutating func parseInt() -> Int? {
        var v = 0
        var any = false
        while let c = peek(), c >= 48 && c <= 57 {
            v = min(v * 10 + Int(c - 48), 100_000)
            pos += 1
            any = true
        }
        return any ? v : nil
    }

    mutating func parseQuantifier(_ atom: RNode) throws(RegexError) -> RNode {
        guard let c = peek() else { return atom }
        var minR = 0
        var maxR: Int? = nil
        switch Character(Unicode.Scalar(c)!) {
        case "*": pos += 1
        case "+": minR = 1; pos += 1
        case "?": maxR = 1; pos += 1
        case "{":
            let save = pos
            pos += 1
            guard let lo = parseInt() else { pos = save; return atom }
            minR = lo
            if isChar(",") {
                pos += 1
                maxR = parseInt()
            } else {
                maxR = lo
            }
            guard isChar("}") else { pos = save; return atom }
            pos += 1
            if let m = maxR, m < minR { throw RegexError(message: "numbers out of order in {} quantifier") }
        default:
            return atom
        }
        var greedy = true
        if isChar("?") { greedy = false; pos += 1 }
        switch atom {
        case .bol, .eol, .wordBoundary, .notWordBoundary, .look: throw RegexError(message: "Nothing to repeat")
        default: break
        }
        return .rep(atom, min: minR, max: maxR, greedy: greedy)
    }

    mutating func parseAtom() throws(RegexError) -> RNode {
        let c = chars[pos]
        pos += 1
        switch Character(Unicode.Scalar(c)!) {
        case ".": return .any
        case "^": return .bol
        case "$": return .eol
        case "*", "+", "?": throw RegexError(message: "Nothing to repeat")
        case "(":
            if isChar("?") {
                if isChar(":", 1) {
                    pos += 2
                    let inner = try parseAlternation()
                    try expect(")")
                    return .group(inner, index: nil)
                }
                if isChar("=", 1) || isChar("!", 1) {
                    let negate = isChar("!", 1)
                    pos += 2
                    let inner = try parseAlternation()
                    try expect(")")
                    return .look(inner, negate: negate)
                }
                if isChar("<", 1) && !isChar("=", 2) && !isChar("!", 2) {
                    pos += 2
                    while let x = peek(), x != 0x3E { pos += 1 }
                    try expect(">")
                    groupCount += 1
                    let index = groupCount
                    let inner = try parseAlternation()
                    try expect(")")
                    return .group(inner, index: index)
                }
                throw RegexError(message: "Unsupported group syntax (lookbehind)")
            }
            groupCount += 1
            let index = groupCount
            let inner = try parseAlternation()
            try expect(")")
            return .group(inner, index: index)
        case "[": return try parseClass()
        case "\\": return try parseEscape(inClass: false).node
        default: return .char(c)
        }
    }

    mutating func expect(_ c: Character) throws(RegexError) {
        guard isChar(c) else { throw RegexError(message: "Expected '\(c)'") }
        pos += 1
    }

    /// Parses an escape after `\`; returns a node, and for classes the ranges.
    mutating func parseEscape(inClass: Bool) throws(RegexError) -> (node: RNode, ranges: [(UInt32, UInt32)]) {
        guard let c = peek() else { throw RegexError(message: "\\ at end of pattern") }
        pos += 1
        func single(_ v: UInt32) -> (RNode, [(UInt32, UInt32)]) { (.char(v), [(v, v)]) }
        switch Character(Unicode.Scalar(c)!) {
        case "d": return (.cls(digitRanges, negated: false), digitRanges)
        case "D": return (.cls(digitRanges, negated: true), complement(digitRanges))
        case "w": return (.cls(wordRanges, negated: false), wordRanges)
        case "W": return (.cls(wordRanges, negated: true), complement(wordRanges))
        case "s": return (.cls(spaceRanges, negated: false), spaceRanges)
        case "S": return (.cls(spaceRanges, negated: true), complement(spaceRanges))
        case "b": return inClass ? single(8) : (.wordBoundary, [])
        case "B": return (.notWordBoundary, [])
        case "n": return single(10)
        case "r": return single(13)
        case "t": return single(9)
        case "f": return single(12)
        case "v": return single(11)
        case "0": return single(0)
        case "x":
            if let a = peek(), let b = peek(1), let v = UInt32(String(Character(Unicode.Scalar(a)!)) + String(Character(Unicode.Scalar(b)!)), radix: 16) {
                pos += 2
                return single(v)
            }
            return single(c)
        case "u":
            if pos + 4 <= chars.count {
                let hex = String(String.UnicodeScalarView(chars[pos..<(pos + 4)].compactMap(Unicode.Scalar.init)))
                if let v = UInt32(hex, radix: 16) {
                    pos += 4
                    return single(v)
                }
            }
            return single(c)
        case "1", "2", "3", "4", "5", "6", "7", "8", "9":
            if inClass { return single(c) }
            throw RegexError(message: "Backreferences are not supported")
        default:
            return single(c)
        }
    }

    mutating func parseClass() throws(RegexError) -> RNode {
        var negated = false
        if isChar("^") { negated = true; pos += 1 }
        var ranges: [(UInt32, UInt32)] = []
        var first = true
        while true {
            guard let c = peek() else { throw RegexError(message: "Unterminated character class") }
            if c == 0x5D /* ] */ && !(first && false) { pos += 1; break }
            first = false
            var lo: UInt32
            var loIsSingle = true
            if c == 0x5C {
                pos += 1
                let e = try parseEscape(inClass: true)
                if e.ranges.count == 1 && e.ranges[0].0 == e.ranges[0].1 {
                    lo = e.ranges[0].0
                } else {
                    ranges.append(contentsOf: e.ranges)
                    loIsSingle = false
                    lo = 0
                }
            } else {
                lo = c
                pos += 1
            }
            if loIsSingle, isChar("-"), let next = peek(1), next != 0x5D {
                pos += 1
                var hi: UInt32
                if next == 0x5C {
                    pos += 1
                    let e = try parseEscape(inClass: true)
                    guard e.ranges.count == 1 && e.ranges[0].0 == e.ranges[0].1 else {
                        ranges.append((lo, lo))
                        ranges.append((45, 45))
                        ranges.append(contentsOf: e.ranges)
                        continue
                    }
                    hi = e.ranges[0].0
                } else {
                    hi = next
                    pos += 1
                }
                if hi < lo { throw RegexError(message: "Range out of order in character class") }
                ranges.append((lo, hi))
            } else if loIsSingle {
                ranges.append((lo, lo))
            }
        }
        return .cls(ranges, negated: negated)
    }
}

// MARK: - Compiler

private struct Compiler {
    var insts: [RegexProgram.Inst] = []
    var classes: [RegexProgram.CharClass] = []
    let caseInsensitive: Bool
    let multiline: Bool
    /// The whole pattern's capture groups: lookahead sub-programs save into the same slots.
    let groupCount: Int
    /// Instructions emitted into lookahead sub-programs, which count against the same cap.
    var nestedInstructions = 0
    static let maxInstructions = 20_000

    init(caseInsensitive: Bool, multiline: Bool, groupCount: Int) {
        self.caseInsensitive = caseInsensitive
        self.multiline = multiline
        self.groupCount = groupCount
    }

    mutating func emit(_ i: RegexProgram.Inst) { insts.append(i) }

    mutating func compile(_ node: RNode) throws(RegexError) {
        if insts.count + nestedInstructions > Compiler.maxInstructions { throw RegexError(message: "Regular expression too large") }
        switch node {
        case .empty: break
        case .char(let c): emit(.char(c))
        case .any: emit(.any)
        case .cls(let ranges, let negated):
            classes.append(RegexProgram.CharClass(ranges: ranges, negated: negated))
            emit(.cls(classes.count - 1))
        case .seq(let items): for i in items { try compile(i) }
        case .alt(let alts):
            var jumps: [Int] = []
            for (k, a) in alts.enumerated() {
                if k < alts.count - 1 {
                    let split = insts.count
                    emit(.split(split + 1, -1))
                    try compile(a)
                    jumps.append(insts.count)
                    emit(.jmp(-1))
                    insts[split] = .split(split + 1, insts.count)
                } else {
                    try compile(a)
                }
            }
            for j in jumps { insts[j] = .jmp(insts.count) }
        case .group(let inner, let index):
            if let index { emit(.save(2 * index)) }
            try compile(inner)
            if let index { emit(.save(2 * index + 1)) }
        case .bol: emit(.bol)
        case .eol: emit(.eol)
        case .wordBoundary: emit(.wordBoundary)
        case .notWordBoundary: emit(.notWordBoundary)
        case .look(let inner, let negate):
            var sub = Compiler(caseInsensitive: caseInsensitive, multiline: multiline, groupCount: groupCount)
            sub.nestedInstructions = insts.count + nestedInstructions
            try sub.compile(inner)
            sub.emit(.match)
            nestedInstructions = sub.nestedInstructions - insts.count + sub.insts.count
            let prog = RegexProgram(insts: sub.insts, classes: sub.classes, groupCount: groupCount, caseInsensitive: caseInsensitive, multiline: multiline)
            emit(.look(prog, negate: negate))
        case .rep(let inner, let minR, let maxR, let greedy):
            for _ in 0..<minR { try compile(inner) }
            if let maxR {
                // (max - min) optional copies, nested: (x(x(x)?)?)?
                var pending: [Int] = []
                for _ in minR..<maxR {
                    let split = insts.count
                    emit(.split(-1, -1))
                    pending.append(split)
                    try compile(inner)
                }
                let end = insts.count
                for s in pending { insts[s] = greedy ? .split(s + 1, end) : .split(end, s + 1) }
            } else {
                let split = insts.count
                emit(.split(-1, -1))
                try compile(inner)
                emit(.jmp(split))
                insts[split] = greedy ? .split(split + 1, insts.count) : .split(insts.count, split + 1)
            }
        }
    }
}
