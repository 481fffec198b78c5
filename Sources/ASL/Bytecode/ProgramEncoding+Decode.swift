import ASLJSON
import JSONata

/// Reads an `.aslc` payload back into a ``Program`` (the inverse of ``ProgramEncoder``).
///
/// Every read is bounds-checked, every count is checked against the bytes left before anything
/// is allocated, nesting is limited, and expressions are rebuilt with their compiling
/// initializers. The decoded program is then checked by ``ProgramChecker`` before it is returned.
struct ProgramDecoder {
    private let bytes: [UInt8]
    private var pos = 0
    private var strings: [String] = []
    private var depth = 0
    /// Compiled paths and intrinsic calls by string index: a text is compiled once per load.
    private var pathCache: [JSONPath?] = []
    private var intrinsicCache: [IntrinsicFunction?] = []

    /// Deepest nesting of JSON values, templates and Choice rules a payload may hold.
    static let maxDepth = 512

    /// The file's format version: version 2 differs from 3 only in a Wait's literal `Timestamp`,
    /// stored as its text.
    private let version: UInt32

    private init(_ bytes: [UInt8], version: UInt32) { self.bytes = bytes; self.version = version }

    static func decode(_ payload: [UInt8], version: UInt32 = ProgramFile.formatVersion) throws(ProgramFileError) -> Program {
        var d = ProgramDecoder(payload, version: version)
        let program = try d.program()
        try ProgramChecker.check(program)
        return program
    }

    // MARK: Primitives

    private func fail(_ what: String) -> ProgramFileError {
        ProgramFileError(.corrupt, "corrupt program file: \(what) (at payload byte \(pos))")
    }

    private mutating func byte() throws(ProgramFileError) -> UInt8 {
        guard pos < bytes.count else { throw fail("unexpected end of payload") }
        defer { pos += 1 }
        return bytes[pos]
    }

    private mutating func uv64() throws(ProgramFileError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64, shift < 63 || b <= 1 else { throw fail("varint too long") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// An unsigned varint that fits `Int32` (indices, counts, pcs).
    private mutating func uv() throws(ProgramFileError) -> Int {
        let v = try uv64()
        guard v <= UInt64(Int32.max) else { throw fail("number \(v) out of range") }
        return Int(v)
    }

    private mutating func index() throws(ProgramFileError) -> Int32 { Int32(try uv()) }

    private mutating func optIndex() throws(ProgramFileError) -> Int32? {
        let v = try uv()
        return v == 0 ? nil : Int32(v - 1)
    }

    /// A count of elements, each at least `minimumSize` bytes long: never more than the bytes left.
    private mutating func count(minimumSize: Int = 1) throws(ProgramFileError) -> Int {
        let n = try uv()
        guard n <= (bytes.count - pos) / max(1, minimumSize) else { throw fail("count \(n) exceeds the remaining payload") }
        return n
    }

    private mutating func sv() throws(ProgramFileError) -> Int64 {
        let u = try uv64()
        return Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)
    }

    private mutating func f64() throws(ProgramFileError) -> Double {
        guard bytes.count - pos >= 8 else { throw fail("unexpected end of payload") }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(bytes[pos + i]) << (8 * UInt64(i)) }
        pos += 8
        return Double(bitPattern: bits)
    }

    private mutating func bool() throws(ProgramFileError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        case let b: throw fail("bad boolean byte \(b)")
        }
    }

    private mutating func flag() throws(ProgramFileError) -> Bool { try bool() }

    private mutating func str() throws(ProgramFileError) -> String { strings[try stringIndex()] }

    private mutating func stringIndex() throws(ProgramFileError) -> Int {
        let i = try uv()
        guard i < strings.count else { throw fail("string index \(i) out of range (\(strings.count) strings)") }
        return i
    }

    private mutating func tag(_ what: String, below limit: UInt8) throws(ProgramFileError) -> UInt8 {
        let t = try byte()
        guard t < limit else { throw fail("unknown \(what) tag \(t)") }
        return t
    }

    private mutating func nested<R>(_ body: (inout ProgramDecoder) throws(ProgramFileError) -> R) throws(ProgramFileError) -> R {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        return try body(&self)
    }

    // MARK: JSON

    private mutating func json() throws(ProgramFileError) -> JSONValue {
        switch try tag("JSON value", below: 9) {
        case ProgramTag.null: return .null
        case ProgramTag.falseValue: return .bool(false)
        case ProgramTag.trueValue: return .bool(true)
        case ProgramTag.int: return .number(.int(try sv()))
        case ProgramTag.double: return .number(.double(try f64()))
        case ProgramTag.bigNumber: return .number(.big(try str()))
        case ProgramTag.string: return .string(try str())
        case ProgramTag.array:
            let n = try count()
            return try nested { (d: inout ProgramDecoder) throws(ProgramFileError) -> JSONValue in
                var a: [JSONValue] = []
                a.reserveCapacity(n)
                for _ in 0..<n { a.append(try d.json()) }
                return .array(a)
            }
        default:
            return .object(try objectBody())
        }
    }

    private mutating func objectBody() throws(ProgramFileError) -> JSONObject {
        let n = try count(minimumSize: 2)
        return try nested { (d: inout ProgramDecoder) throws(ProgramFileError) -> JSONObject in
            var o = JSONObject(minimumCapacity: n)
            for _ in 0..<n {
                let k = try d.str()
                o.setValue(try d.json(), forKey: k)
            }
            return o
        }
    }

    // MARK: Expressions

    /// A JSONPath given by its string index.
    private mutating func path() throws(ProgramFileError) -> JSONPath {
        let i = try stringIndex()
        if let cached = pathCache[i] { return cached }
        do throws(ExpressionCompileError) {
            let path = try JSONPath(strings[i])
            pathCache[i] = path
            return path
        } catch {
            throw fail("invalid JSONPath '\(strings[i])': \(error.message)")
        }
    }

    /// An intrinsic call given by its string index.
    private mutating func intrinsic() throws(ProgramFileError) -> IntrinsicFunction {
        let i = try stringIndex()
        if let cached = intrinsicCache[i] { return cached }
        do throws(ExpressionCompileError) {
            let call = try IntrinsicFunction(strings[i])
            intrinsicCache[i] = call
            return call
        } catch {
            throw fail("invalid intrinsic call '\(strings[i])': \(error.message)")
        }
    }

    private mutating func template() throws(ProgramFileError) -> PayloadTemplate {
        PayloadTemplate(root: try templateNode())
    }

    private mutating func templateNode() throws(ProgramFileError) -> PayloadTemplate.Node {
        try nested { (d: inout ProgramDecoder) throws(ProgramFileError) -> PayloadTemplate.Node in
            switch try d.tag("template node", below: 4) {
            case ProgramTag.templateConstant:
                return .constant(try d.json())
            case ProgramTag.templateObject:
                let skeleton = try d.objectBody()
                let n = try d.count(minimumSize: 2)
                var slots: [PayloadTemplate.ObjectSlot] = []
                slots.reserveCapacity(n)
                for _ in 0..<n {
                    let key = try d.str()
                    guard skeleton.index(forKey: key) != nil else { throw d.fail("template slot '\(key)' is not in its skeleton") }
                    slots.append(PayloadTemplate.ObjectSlot(key: key, node: try d.templateNode()))
                }
                return .object(skeleton, slots)
            case ProgramTag.templateArray:
                let count = try d.count()
                var skeleton: [JSONValue] = []
                skeleton.reserveCapacity(count)
                for _ in 0..<count { skeleton.append(try d.json()) }
                let n = try d.count(minimumSize: 2)
                var slots: [PayloadTemplate.ArraySlot] = []
                slots.reserveCapacity(n)
                for _ in 0..<n {
                    let index = try d.uv()
                    guard index < skeleton.count else { throw d.fail("template slot \(index) is outside its array of \(skeleton.count)") }
                    slots.append(PayloadTemplate.ArraySlot(index: index, node: try d.templateNode()))
                }
                return .array(skeleton, slots)
            default:
                let expression: PayloadTemplate.Expression =
                    try d.tag("template expression", below: 2) == ProgramTag.expressionPath ? .path(try d.path()) : .intrinsic(try d.intrinsic())
                return .expression(expression, field: try d.str())
            }
        }
    }

    private mutating func timestamp() throws(ProgramFileError) -> Timestamp {
        let seconds = try sv()
        let nanos = try uv()
        guard nanos < 1_000_000_000 else { throw fail("timestamp nanoseconds \(nanos) out of range") }
        return Timestamp(epochSeconds: seconds, nanoseconds: Int32(nanos))
    }

    private mutating func jsonata() throws(ProgramFileError) -> JSONataTemplate {
        JSONataTemplate(root: try jsonataNode())
    }

    private mutating func jsonataNode() throws(ProgramFileError) -> JSONataTemplate.Node {
        try nested { (d: inout ProgramDecoder) throws(ProgramFileError) -> JSONataTemplate.Node in
            switch try d.tag("JSONata node", below: 4) {
            case ProgramTag.jsonataConstant:
                return .constant(try d.json())
            case ProgramTag.jsonataExpression:
                let source = try d.str()
                let fieldPath = try d.str()
                do throws(JSONataError) {
                    return .expression(try JSONataExpression(source), source: source, fieldPath: fieldPath)
                } catch {
                    throw d.fail("JSONata expression '\(source)' does not compile: \(error.code): \(error.message)")
                }
            case ProgramTag.jsonataObject:
                let n = try d.count(minimumSize: 2)
                var fields: [(String, JSONataTemplate.Node)] = []
                fields.reserveCapacity(n)
                for _ in 0..<n { fields.append((try d.str(), try d.jsonataNode())) }
                return .object(fields)
            default:
                let n = try d.count()
                var nodes: [JSONataTemplate.Node] = []
                nodes.reserveCapacity(n)
                for _ in 0..<n { nodes.append(try d.jsonataNode()) }
                return .array(nodes)
            }
        }
    }

    private mutating func choiceNode() throws(ProgramFileError) -> ChoiceCondition.Node {
        try nested { (d: inout ProgramDecoder) throws(ProgramFileError) -> ChoiceCondition.Node in
            switch try d.tag("Choice rule", below: 4) {
            case ProgramTag.choiceAnd, ProgramTag.choiceOr:
                let isAnd = d.bytes[d.pos - 1] == ProgramTag.choiceAnd
                let n = try d.count()
                var nodes: [ChoiceCondition.Node] = []
                nodes.reserveCapacity(n)
                for _ in 0..<n { nodes.append(try d.choiceNode()) }
                return isAnd ? .and(nodes) : .or(nodes)
            case ProgramTag.choiceNot:
                return .not(try d.choiceNode())
            default:
                let variable = try d.path()
                return .test(variable: variable, try d.choiceTest())
            }
        }
    }

    private mutating func choiceTest() throws(ProgramFileError) -> ChoiceTest {
        switch try tag("Choice test", below: 8) {
        case ProgramTag.testCompare:
            let family = ChoiceFamily.all[Int(try tag("comparison family", below: UInt8(ChoiceFamily.all.count)))]
            let relation = ChoiceRelation.all[Int(try tag("comparison", below: UInt8(ChoiceRelation.all.count)))]
            let operand: ChoiceOperand
            switch try tag("comparison operand", below: 3) {
            case ProgramTag.operandLiteral: operand = .literal(try json())
            case ProgramTag.operandTimestamp: operand = .timestamp(try timestamp())
            default: operand = .path(try path())
            }
            return .compare(family, relation, operand)
        case ProgramTag.testMatches:
            let n = try count()
            var tokens: [ChoiceStringPattern.Token] = []
            tokens.reserveCapacity(n)
            for _ in 0..<n {
                if try tag("pattern token", below: 2) == ProgramTag.patternStar {
                    tokens.append(.star)
                } else {
                    let u = try uv()
                    guard u <= 0xFFFF else { throw fail("pattern code unit \(u) out of range") }
                    tokens.append(.literal(UInt16(u)))
                }
            }
            return .matches(ChoiceStringPattern(tokens: tokens))
        case ProgramTag.testIsNull: return .isNull(try bool())
        case ProgramTag.testIsPresent: return .isPresent(try bool())
        case ProgramTag.testIsNumeric: return .isNumeric(try bool())
        case ProgramTag.testIsString: return .isString(try bool())
        case ProgramTag.testIsBoolean: return .isBoolean(try bool())
        default: return .isTimestamp(try bool())
        }
    }

    // MARK: Specs

    private mutating func number() throws(ProgramFileError) -> Program.NumberSource? {
        guard try flag() else { return nil }
        switch try tag("number source", below: 3) {
        case ProgramTag.numberConstant: return .constant(try f64())
        case ProgramTag.numberPath: return .path(try index(), field: try str())
        default: return .jsonata(try index(), field: try str())
        }
    }

    private mutating func failText() throws(ProgramFileError) -> Program.FailSpec.Text {
        switch try tag("Fail text", below: 5) {
        case ProgramTag.textNone: return .none
        case ProgramTag.textConstant: return .constant(try str())
        case ProgramTag.textPath: return .path(try index(), field: try str())
        case ProgramTag.textIntrinsic: return .intrinsic(try index(), field: try str())
        default: return .jsonata(try index(), field: try str())
        }
    }

    private mutating func op() throws(ProgramFileError) -> Op {
        let raw = try byte()
        guard let code = Op.Code(rawValue: raw) else { throw fail("unknown op tag \(raw)") }
        return Op(code, code.info.operand == .none ? 0 : try index())
    }

    private mutating func list<T>(minimumSize: Int = 1, _ element: (inout ProgramDecoder) throws(ProgramFileError) -> T) throws(ProgramFileError) -> [T] {
        let n = try count(minimumSize: minimumSize)
        var out: [T] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try element(&self)) }
        return out
    }

    // MARK: Program

    private mutating func program() throws(ProgramFileError) -> Program {
        let stringCount = try count()
        strings.reserveCapacity(stringCount)
        for _ in 0..<stringCount {
            let length = try count()
            guard let s = String(validating: bytes[pos..<(pos + length)], as: UTF8.self) else { throw fail("string is not valid UTF-8") }
            pos += length
            strings.append(s)
        }
        pathCache = Array(repeating: nil, count: strings.count)
        intrinsicCache = Array(repeating: nil, count: strings.count)

        let queryLanguage: Program.QueryLanguageKind = try flag() ? .jsonata : .jsonPath
        var timeoutSeconds: Int?
        if try flag() {
            let t = try sv()
            guard t >= 0, t <= 99_999_999 else { throw fail("TimeoutSeconds \(t) out of range") }
            timeoutSeconds = Int(t)
        }
        let paths = try list { (d: inout ProgramDecoder) throws(ProgramFileError) in try d.path() }
        let referencePaths = try list { (d: inout ProgramDecoder) throws(ProgramFileError) -> ReferencePath in
            let text = try d.str()
            do throws(ExpressionCompileError) { return try ReferencePath(text) } catch {
                throw d.fail("invalid reference path '\(text)': \(error.message)")
            }
        }
        let templates = try list { (d: inout ProgramDecoder) throws(ProgramFileError) in try d.template() }
        let jsonataTemplates = try list { (d: inout ProgramDecoder) throws(ProgramFileError) in try d.jsonata() }
        let constants = try list { (d: inout ProgramDecoder) throws(ProgramFileError) in try d.json() }
        let assigns = try list(minimumSize: 2) { (d: inout ProgramDecoder) throws(ProgramFileError) -> Program.AssignSpec in
            try d.tag("Assign", below: 2) == ProgramTag.assignJSONPath ? .jsonPath(try d.template()) : .jsonata(try d.jsonata())
        }
        let choices = try list { (d: inout ProgramDecoder) throws(ProgramFileError) -> Program.ChoiceSpec in
            let rules = try d.list(minimumSize: 5) { (d: inout ProgramDecoder) throws(ProgramFileError) -> Program.ChoiceSpec.Rule in
                let condition: Program.ChoiceSpec.RuleCondition
                if try d.tag("Choice rule kind", below: 2) == ProgramTag.ruleJSONPath {
                    condition = .jsonPath(ChoiceCondition(node: try d.choiceNode()))
                } else {
                    condition = .jsonata(try d.jsonata(), source: try d.str())
                }
                return Program.ChoiceSpec.Rule(condition: condition, next: try d.index(), assign: try d.optIndex(), output: try d.optIndex())
            }
            return Program.ChoiceSpec(rules: rules, defaultState: try d.optIndex())
        }
        let tasks = try list(minimumSize: 4) { (d: inout ProgramDecoder) throws(ProgramFileError) -> Program.TaskSpec in
            let resource = try d.str()
            let timeout = try d.number()
            let heartbeat = try d.number()
            // Not `flag ? json : nil`: JSONValue is nil-literal expressible, so that would be `.null`.
            var credentials: JSONValue?
            if try d.flag() { credentials = try d.json() }
            return Program.TaskSpec(resource: resource, timeoutSeconds: timeout, heartbeatSeconds: heartbeat, credentials: credentials)
        }
        let waits = try list(minimumSize: 2) { (d: inout ProgramDecoder) throws(ProgramFileError) -> Program.WaitSpec in
            switch try d.tag("Wait", below: 4) {
            case ProgramTag.waitSeconds:
                guard let n = try d.number() else { throw d.fail("Wait without Seconds") }
                return .seconds(n)
            case ProgramTag.waitTimestamp where d.version == 2:
                let text = try d.str()
                guard let t = Timestamp(text) else { throw d.fail("Wait Timestamp '\(text)' is not a timestamp") }
                return .timestamp(t)
            case ProgramTag.waitTimestamp: return .timestamp(try d.timestamp())
            case ProgramTag.waitTimestampPath: return .timestampPath(try d.index(), source: try d.str())
            default: return .timestampJSONata(try d.index())
            }
        }
        let fails = try list(minimumSize: 2) { (d: inout ProgramDecoder) throws(ProgramFileError) in
            Program.FailSpec(error: try d.failText(), cause: try d.failText())
        }
        let parallels = try list { (d: inout ProgramDecoder) throws(ProgramFileError) in
            Program.ParallelSpec(branches: try d.list { (d: inout ProgramDecoder) throws(ProgramFileError) in try d.index() })
        }
        let maps = try list(minimumSize: 8) { (d: inout ProgramDecoder) throws(ProgramFileError) -> Program.MapSpec in
            Program.MapSpec(processor: try d.index(), itemsPath: try d.optIndex(), items: try d.optIndex(), itemSelector: try d.optIndex(),
                            itemSelectorIsJSONata: try d.bool(), maxConcurrency: try d.number(),
                            toleratedFailureCount: try d.number(), toleratedFailurePercentage: try d.number())
        }
        let scopes = try list { (d: inout ProgramDecoder) throws(ProgramFileError) in Program.Scope(startState: try d.index()) }
        let states = try list(minimumSize: 8) { (d: inout ProgramDecoder) throws(ProgramFileError) -> Program.StateInfo in
            let name = try d.str()
            let kind = Program.StateKind.all[Int(try d.tag("state kind", below: UInt8(Program.StateKind.all.count)))]
            let scope = try d.uv()
            let language: Program.QueryLanguageKind = try d.flag() ? .jsonata : .jsonPath
            let entry = try d.uv()
            let body = try d.uv()
            let retriers = try d.list(minimumSize: 20) { (d: inout ProgramDecoder) throws(ProgramFileError) -> Program.Retrier in
                let errors = try d.list { (d: inout ProgramDecoder) throws(ProgramFileError) in try d.str() }
                let interval = try d.f64()
                let attempts = try d.uv()
                let backoff = try d.f64()
                let maxDelay: Double? = try d.flag() ? try d.f64() : nil
                return Program.Retrier(errorEquals: errors, intervalSeconds: interval, maxAttempts: attempts, backoffRate: backoff,
                                       maxDelaySeconds: maxDelay, jitterFull: try d.bool())
            }
            let catchers = try d.list(minimumSize: 5) { (d: inout ProgramDecoder) throws(ProgramFileError) -> Program.Catcher in
                let errors = try d.list { (d: inout ProgramDecoder) throws(ProgramFileError) in try d.str() }
                let next = try d.index()
                let resultPath: Program.ResultPathSpec
                switch try d.tag("ResultPath", below: 3) {
                case ProgramTag.resultReplace: resultPath = .replace
                case ProgramTag.resultDiscard: resultPath = .discard
                default: resultPath = .path(try d.index())
                }
                return Program.Catcher(errorEquals: errors, next: next, resultPath: resultPath, output: try d.optIndex(), assign: try d.optIndex())
            }
            return Program.StateInfo(name: name, kind: kind, scope: scope, queryLanguage: language, entry: entry, body: body,
                                     retriers: retriers, catchers: catchers)
        }
        let code = try list { (d: inout ProgramDecoder) throws(ProgramFileError) in try d.op() }
        guard pos == bytes.count else { throw fail("\(bytes.count - pos) unexpected bytes after the program") }

        return Program(
            code: code, states: states, scopes: scopes, queryLanguage: queryLanguage, timeoutSeconds: timeoutSeconds,
            paths: paths, referencePaths: referencePaths, templates: templates, jsonataTemplates: jsonataTemplates,
            constants: constants, assigns: assigns, choices: choices, tasks: tasks, waits: waits, fails: fails,
            parallels: parallels, maps: maps)
    }
}

// Memberwise initializers used only by the decoder: the compiled forms are rebuilt from their
// parts instead of being recompiled from definition JSON.

extension PayloadTemplate {
    init(root: Node) { self.root = PayloadTemplate.resolvingPositions(root) }
}

extension ChoiceCondition {
    init(node: Node) { self.node = node }
}

extension ChoiceStringPattern {
    init(tokens: [Token]) { self.tokens = tokens }
}

// JSONataTemplate.init(root:) (in the compiler) recomputes the variables and context use.
