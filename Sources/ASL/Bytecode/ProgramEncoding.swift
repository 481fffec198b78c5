import ASLJSON

// The `.aslc` payload (format 2). `Documentation/Bytecode.md` has the full layout; in short:
//
//   payload  = strings body
//   strings  = count:uv (len:uv utf8)*          every string is written once, referred to by index
//   body     = queryLanguage:u8 timeout:opt(uv)
//              paths referencePaths templates jsonataTemplates constants assigns
//              choices tasks waits fails parallels maps scopes states code
//   pool     = count:uv element*
//
// `uv` is an unsigned LEB128 varint, `sv` a zigzag varint, `str` a `uv` index into the string
// table, `opt(x)` a 0/1 byte then x (optional pool indices are `uv` of index + 1, 0 = none),
// `f64` 8 bytes little-endian. Tags are one byte; their values are the `ProgramTag` constants below,
// except op bytes, which are `Op.Code` raw values (the op table in `Opcode.swift`).

/// Byte values of the tags used in the payload. Changing any of them needs a new format version.
enum ProgramTag {
    // JSON values
    static let null: UInt8 = 0, falseValue: UInt8 = 1, trueValue: UInt8 = 2, int: UInt8 = 3, double: UInt8 = 4
    static let bigNumber: UInt8 = 5, string: UInt8 = 6, array: UInt8 = 7, object: UInt8 = 8

    // Payload template nodes (JSONPath mode) and their expressions
    static let templateConstant: UInt8 = 0, templateObject: UInt8 = 1, templateArray: UInt8 = 2, templateExpression: UInt8 = 3
    static let expressionPath: UInt8 = 0, expressionIntrinsic: UInt8 = 1

    // JSONata template nodes
    static let jsonataConstant: UInt8 = 0, jsonataExpression: UInt8 = 1, jsonataObject: UInt8 = 2, jsonataArray: UInt8 = 3

    // Choice condition nodes, tests and operands
    static let choiceAnd: UInt8 = 0, choiceOr: UInt8 = 1, choiceNot: UInt8 = 2, choiceTest: UInt8 = 3
    static let testCompare: UInt8 = 0, testMatches: UInt8 = 1, testIsNull: UInt8 = 2, testIsPresent: UInt8 = 3
    static let testIsNumeric: UInt8 = 4, testIsString: UInt8 = 5, testIsBoolean: UInt8 = 6, testIsTimestamp: UInt8 = 7
    static let operandLiteral: UInt8 = 0, operandTimestamp: UInt8 = 1, operandPath: UInt8 = 2
    static let patternStar: UInt8 = 0, patternLiteral: UInt8 = 1
    static let ruleJSONPath: UInt8 = 0, ruleJSONata: UInt8 = 1

    // Specs
    static let assignJSONPath: UInt8 = 0, assignJSONata: UInt8 = 1
    static let numberConstant: UInt8 = 0, numberPath: UInt8 = 1, numberJSONata: UInt8 = 2
    static let waitSeconds: UInt8 = 0, waitTimestamp: UInt8 = 1, waitTimestampPath: UInt8 = 2, waitTimestampJSONata: UInt8 = 3
    static let textNone: UInt8 = 0, textConstant: UInt8 = 1, textPath: UInt8 = 2, textIntrinsic: UInt8 = 3, textJSONata: UInt8 = 4
    static let resultReplace: UInt8 = 0, resultDiscard: UInt8 = 1, resultPath: UInt8 = 2

    // Ops: the byte is `Op.Code.rawValue`, then the operand as a `uv` unless its kind is `.none`.
}

/// Writes a ``Program`` as an `.aslc` payload (see the layout above).
struct ProgramEncoder {
    private var out: [UInt8] = []
    private var strings: [String] = []
    private var stringIndex: [String: Int] = [:]

    static func encode(_ p: Program) -> [UInt8] {
        var e = ProgramEncoder()
        e.out.reserveCapacity(p.code.count * 16)
        e.body(p)
        var header = ProgramEncoder()
        header.uv(e.strings.count)
        for s in e.strings {
            header.uv(s.utf8.count)
            header.out.append(contentsOf: s.utf8)
        }
        return header.out + e.out
    }

    // MARK: Primitives

    mutating func byte(_ b: UInt8) { out.append(b) }

    /// Counts, indices and pcs are never negative in a compiled program; were one negative, it
    /// would be written as a huge number that loading rejects, rather than trapping here.
    mutating func uv(_ value: Int) { uv64(UInt64(truncatingIfNeeded: value)) }

    mutating func uv64(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    mutating func sv(_ value: Int64) { uv64(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    mutating func f64(_ value: Double) {
        let bits = value.bitPattern
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
    }

    mutating func bool(_ b: Bool) { out.append(b ? 1 : 0) }

    mutating func str(_ s: String) {
        if let i = stringIndex[s] { uv(i); return }
        stringIndex[s] = strings.count
        uv(strings.count)
        strings.append(s)
    }

    /// An optional pool index: 0 for none, index + 1 otherwise.
    mutating func optIndex(_ i: Int32?) { uv(i.map { Int($0) + 1 } ?? 0) }

    mutating func index(_ i: Int32) { uv(Int(i)) }

    // MARK: JSON

    mutating func json(_ v: JSONValue) {
        switch v {
        case .null: byte(ProgramTag.null)
        case .bool(let b): byte(b ? ProgramTag.trueValue : ProgramTag.falseValue)
        case .number(.int(let i)): byte(ProgramTag.int); sv(i)
        case .number(.double(let d)): byte(ProgramTag.double); f64(d)
        case .number(.big(let s)): byte(ProgramTag.bigNumber); str(s)
        case .string(let s): byte(ProgramTag.string); str(s)
        case .array(let a):
            byte(ProgramTag.array); uv(a.count)
            for e in a { json(e) }
        case .object(let o):
            byte(ProgramTag.object); objectBody(o)
        }
    }

    mutating func objectBody(_ o: JSONObject) {
        uv(o.count)
        for (k, v) in o { str(k); json(v) }
    }

    // MARK: Expressions

    mutating func template(_ t: PayloadTemplate) { templateNode(t.root) }

    mutating func templateNode(_ n: PayloadTemplate.Node) {
        switch n {
        case .constant(let v): byte(ProgramTag.templateConstant); json(v)
        case .object(let skeleton, let slots):
            byte(ProgramTag.templateObject); objectBody(skeleton)
            uv(slots.count)
            for s in slots { str(s.key); templateNode(s.node) }
        case .array(let skeleton, let slots):
            byte(ProgramTag.templateArray); uv(skeleton.count)
            for v in skeleton { json(v) }
            uv(slots.count)
            for s in slots { uv(s.index); templateNode(s.node) }
        case .expression(let e, let field):
            byte(ProgramTag.templateExpression)
            switch e {
            case .path(let p): byte(ProgramTag.expressionPath); str(p.text)
            case .intrinsic(let f): byte(ProgramTag.expressionIntrinsic); str(f.text)
            }
            str(field)
        }
    }

    mutating func jsonata(_ t: JSONataTemplate) { jsonataNode(t.root) }

    mutating func timestamp(_ t: Timestamp) { sv(t.epochSeconds); uv(Int(t.nanoseconds)) }

    mutating func jsonataNode(_ n: JSONataTemplate.Node) {
        switch n {
        case .constant(let v): byte(ProgramTag.jsonataConstant); json(v)
        case .expression(_, let source, let fieldPath): byte(ProgramTag.jsonataExpression); str(source); str(fieldPath)
        case .object(let fields):
            byte(ProgramTag.jsonataObject); uv(fields.count)
            for (k, v) in fields { str(k); jsonataNode(v) }
        case .array(let nodes):
            byte(ProgramTag.jsonataArray); uv(nodes.count)
            for v in nodes { jsonataNode(v) }
        }
    }

    mutating func choiceNode(_ n: ChoiceCondition.Node) {
        switch n {
        case .and(let nodes):
            byte(ProgramTag.choiceAnd); uv(nodes.count)
            for c in nodes { choiceNode(c) }
        case .or(let nodes):
            byte(ProgramTag.choiceOr); uv(nodes.count)
            for c in nodes { choiceNode(c) }
        case .not(let c): byte(ProgramTag.choiceNot); choiceNode(c)
        case .test(let variable, let test):
            byte(ProgramTag.choiceTest); str(variable.text); choiceTest(test)
        }
    }

    mutating func choiceTest(_ t: ChoiceTest) {
        switch t {
        case .compare(let family, let relation, let operand):
            byte(ProgramTag.testCompare)
            byte(family.tag); byte(relation.tag)
            switch operand {
            case .literal(let v): byte(ProgramTag.operandLiteral); json(v)
            case .timestamp(let ts): byte(ProgramTag.operandTimestamp); timestamp(ts)
            case .path(let p): byte(ProgramTag.operandPath); str(p.text)
            }
        case .matches(let pattern):
            byte(ProgramTag.testMatches); uv(pattern.tokens.count)
            for token in pattern.tokens {
                switch token {
                case .star: byte(ProgramTag.patternStar)
                case .literal(let u): byte(ProgramTag.patternLiteral); uv(Int(u))
                }
            }
        case .isNull(let b): byte(ProgramTag.testIsNull); bool(b)
        case .isPresent(let b): byte(ProgramTag.testIsPresent); bool(b)
        case .isNumeric(let b): byte(ProgramTag.testIsNumeric); bool(b)
        case .isString(let b): byte(ProgramTag.testIsString); bool(b)
        case .isBoolean(let b): byte(ProgramTag.testIsBoolean); bool(b)
        case .isTimestamp(let b): byte(ProgramTag.testIsTimestamp); bool(b)
        }
    }

    // MARK: Specs

    mutating func number(_ n: Program.NumberSource?) {
        guard let n else { byte(0); return }
        byte(1)
        switch n {
        case .constant(let d): byte(ProgramTag.numberConstant); f64(d)
        case .path(let i, let field): byte(ProgramTag.numberPath); index(i); str(field)
        case .jsonata(let i, let field): byte(ProgramTag.numberJSONata); index(i); str(field)
        }
    }

    mutating func failText(_ t: Program.FailSpec.Text) {
        switch t {
        case .none: byte(ProgramTag.textNone)
        case .constant(let s): byte(ProgramTag.textConstant); str(s)
        case .path(let i, let field): byte(ProgramTag.textPath); index(i); str(field)
        case .intrinsic(let i, let field): byte(ProgramTag.textIntrinsic); index(i); str(field)
        case .jsonata(let i, let field): byte(ProgramTag.textJSONata); index(i); str(field)
        }
    }

    mutating func op(_ op: Op) {
        byte(op.code.rawValue)
        if op.code.info.operand != .none { index(op.operand) }
    }

    // MARK: Program

    private mutating func body(_ p: Program) {
        byte(p.queryLanguage == .jsonata ? 1 : 0)
        if let t = p.timeoutSeconds { byte(1); sv(Int64(t)) } else { byte(0) }

        uv(p.paths.count)
        for x in p.paths { str(x.text) }
        uv(p.referencePaths.count)
        for x in p.referencePaths { str(x.text) }
        uv(p.templates.count)
        for x in p.templates { template(x) }
        uv(p.jsonataTemplates.count)
        for x in p.jsonataTemplates { jsonata(x) }
        uv(p.constants.count)
        for x in p.constants { json(x) }
        uv(p.assigns.count)
        for x in p.assigns {
            switch x {
            case .jsonPath(let t): byte(ProgramTag.assignJSONPath); template(t)
            case .jsonata(let t): byte(ProgramTag.assignJSONata); jsonata(t)
            }
        }
        uv(p.choices.count)
        for c in p.choices {
            uv(c.rules.count)
            for r in c.rules {
                switch r.condition {
                case .jsonPath(let condition): byte(ProgramTag.ruleJSONPath); choiceNode(condition.node)
                case .jsonata(let t, let source): byte(ProgramTag.ruleJSONata); jsonata(t); str(source)
                }
                index(r.next); optIndex(r.assign); optIndex(r.output)
            }
            optIndex(c.defaultState)
        }
        uv(p.tasks.count)
        for t in p.tasks {
            str(t.resource); number(t.timeoutSeconds); number(t.heartbeatSeconds)
            if let c = t.credentials { byte(1); json(c) } else { byte(0) }
        }
        uv(p.waits.count)
        for w in p.waits {
            switch w {
            case .seconds(let n): byte(ProgramTag.waitSeconds); number(n)
            case .timestamp(let ts): byte(ProgramTag.waitTimestamp); timestamp(ts)
            case .timestampPath(let i, let source): byte(ProgramTag.waitTimestampPath); index(i); str(source)
            case .timestampJSONata(let i): byte(ProgramTag.waitTimestampJSONata); index(i)
            }
        }
        uv(p.fails.count)
        for f in p.fails { failText(f.error); failText(f.cause) }
        uv(p.parallels.count)
        for x in p.parallels {
            uv(x.branches.count)
            for b in x.branches { index(b) }
        }
        uv(p.maps.count)
        for m in p.maps {
            index(m.processor); optIndex(m.itemsPath); optIndex(m.items); optIndex(m.itemSelector)
            bool(m.itemSelectorIsJSONata)
            number(m.maxConcurrency); number(m.toleratedFailureCount); number(m.toleratedFailurePercentage)
        }
        uv(p.scopes.count)
        for s in p.scopes { index(s.startState) }
        uv(p.states.count)
        for s in p.states {
            str(s.name); byte(s.kind.tag); uv(s.scope); byte(s.queryLanguage == .jsonata ? 1 : 0)
            uv(s.entry); uv(s.body)
            uv(s.retriers.count)
            for r in s.retriers {
                uv(r.errorEquals.count)
                for e in r.errorEquals { str(e) }
                f64(r.intervalSeconds); uv(r.maxAttempts); f64(r.backoffRate)
                if let d = r.maxDelaySeconds { byte(1); f64(d) } else { byte(0) }
                bool(r.jitterFull)
            }
            uv(s.catchers.count)
            for c in s.catchers {
                uv(c.errorEquals.count)
                for e in c.errorEquals { str(e) }
                index(c.next)
                switch c.resultPath {
                case .replace: byte(ProgramTag.resultReplace)
                case .discard: byte(ProgramTag.resultDiscard)
                case .path(let i): byte(ProgramTag.resultPath); index(i)
                }
                optIndex(c.output); optIndex(c.assign)
            }
        }
        uv(p.code.count)
        for o in p.code { op(o) }
    }
}

extension ChoiceFamily {
    static let all: [ChoiceFamily] = [.string, .numeric, .boolean, .timestamp]
    var tag: UInt8 {
        switch self {
        case .string: return 0
        case .numeric: return 1
        case .boolean: return 2
        case .timestamp: return 3
        }
    }
}

extension ChoiceRelation {
    static let all: [ChoiceRelation] = [.equals, .lessThan, .greaterThan, .lessThanEquals, .greaterThanEquals]
    var tag: UInt8 {
        switch self {
        case .equals: return 0
        case .lessThan: return 1
        case .greaterThan: return 2
        case .lessThanEquals: return 3
        case .greaterThanEquals: return 4
        }
    }
}

extension Program.StateKind {
    static let all: [Program.StateKind] = [.pass, .task, .choice, .wait, .succeed, .fail, .parallel, .map]
    var tag: UInt8 { UInt8(Self.all.firstIndex(of: self)!) }
}
