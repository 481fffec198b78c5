import ASLJSON

/// Draws a state machine as a graph (`aslx graph`): Graphviz DOT or a Mermaid flowchart.
///
/// One node per state, shaped by its type; edges for `Next`, `Default` and each Choice rule
/// (labelled with the rule, shortened), dashed edges for `Catch` (labelled with the error
/// names); a state's `Retry` is written on its node; Parallel branches and Map processors are
/// nested clusters; each scope has a start dot and, for its terminal states, an end mark.
/// With statistics (an `aslx run --stats` file), each node also shows its entries, errors and
/// p50/p99 time, filled by its share of the stream's time and outlined red when it had errors.
public struct StateGraph: Sendable {
    public enum Format: String, Sendable, CaseIterable { case dot, mermaid }

    /// What `--stats` says about one state.
    public struct StateStats: Sendable, Equatable {
        public var entries: Int
        public var errors: Int
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double

        public init(entries: Int, errors: Int, p50Milliseconds: Double, p99Milliseconds: Double) {
            self.entries = entries
            self.errors = errors
            self.p50Milliseconds = p50Milliseconds
            self.p99Milliseconds = p99Milliseconds
        }

        /// Per state name, from an `aslx run --stats` file's JSON.
        public static func parse(_ json: JSONValue) -> [String: StateStats]? {
            guard case .object(let states)? = json["states"] else { return nil }
            var out: [String: StateStats] = [:]
            for (name, s) in states {
                func number(_ v: JSONValue?) -> Double { v?.numberValue?.doubleValue ?? 0 }
                var errors = 0
                for (_, n) in s["errors"]?.objectValue ?? JSONObject() { errors += Int(clamping: n.numberValue?.int64Value ?? 0) }
                out[name] = StateStats(entries: Int(clamping: s["entries"]?.numberValue?.int64Value ?? 0), errors: errors,
                                       p50Milliseconds: number(s["timeMs"]?["p50"]), p99Milliseconds: number(s["timeMs"]?["p99"]))
            }
            return out
        }
    }

    public let definition: StateMachineDefinition
    public let title: String
    public let stats: [String: StateStats]?

    public init(definition: StateMachineDefinition, title: String, stats: [String: StateStats]? = nil) {
        self.definition = definition
        self.title = title
        self.stats = stats
    }

    /// The graph in `format`.
    public func render(_ format: Format) -> String {
        var sink: any GraphSink = format == .dot ? DOTSink() : MermaidSink()
        sink.begin(title: title)
        var builder = Builder(stats: stats)
        builder.scope(definition, into: &sink)
        sink.end()
        return sink.text
    }

    // MARK: - Walking the definition

    private struct Builder {
        let stats: [String: StateStats]?
        /// The largest entries × p50 among the states: the fill scale.
        let heatScale: Double
        var nextID = 0
        var nodeIDs: [String: String] = [:]

        init(stats: [String: StateStats]?) {
            self.stats = stats
            heatScale = stats?.values.map { Double($0.entries) * $0.p50Milliseconds }.max() ?? 0
        }

        mutating func id(_ prefix: String) -> String {
            defer { nextID += 1 }
            return "\(prefix)\(nextID)"
        }

        /// Draws one scope's states and edges; returns the id of its start dot.
        @discardableResult
        mutating func scope(_ machine: StateMachineDefinition, into sink: inout any GraphSink) -> String {
            let ids = machine.states.map { _ in id("s") }
            for (state, i) in zip(machine.states, ids) { nodeIDs[state.name] = i }
            let start = id("start")
            sink.marker(id: start, end: false)
            if let s = machine.startIndex { sink.edge(from: start, to: ids[s], label: nil, dashed: false) }
            var endID: String?
            func target(_ name: String) -> String? { machine.index(of: name).map { ids[$0] } }
            for (state, nodeID) in zip(machine.states, ids) {
                let children = state.type == .parallel ? state.branches : (state.itemProcessor.map { [$0] } ?? [])
                if !children.isEmpty {
                    sink.beginCluster(id: id("c"), label: "\(state.type.rawValue) \(state.name)")
                }
                sink.node(id: nodeID, shape: NodeShape(state.type), lines: lines(state), style: style(state.name))
                for (b, child) in children.enumerated() {
                    sink.beginCluster(id: id("c"), label: state.type == .map ? "ItemProcessor" : "Branch \(b + 1)")
                    let childStart = scope(child, into: &sink)
                    sink.endCluster()
                    sink.edge(from: nodeID, to: childStart, label: nil, dashed: true)
                }
                if !children.isEmpty { sink.endCluster() }

                if let next = state.next, let t = target(next) { sink.edge(from: nodeID, to: t, label: nil, dashed: false) }
                if state.type == .choice {
                    for rule in state.choices {
                        if let next = rule.next, let t = target(next) {
                            sink.edge(from: nodeID, to: t, label: ChoiceLabel.text(rule.raw), dashed: false)
                        }
                    }
                    if let d = state.defaultNext, let t = target(d) { sink.edge(from: nodeID, to: t, label: "Default", dashed: false) }
                }
                for c in state.catchers {
                    if let t = target(c.next) {
                        sink.edge(from: nodeID, to: t, label: Self.shorten(c.errorEquals.joined(separator: ", "), 40), dashed: true)
                    }
                }
                if state.isTerminal {
                    if endID == nil {
                        endID = id("fin")
                        sink.marker(id: endID!, end: true)
                    }
                    sink.edge(from: nodeID, to: endID!, label: state.type == .fail ? "fails" : nil, dashed: false)
                }
            }
            return start
        }

        func lines(_ state: StateDefinition) -> [String] {
            var out = [state.name, state.type.rawValue]
            if !state.retry.isEmpty {
                out.append("Retry " + Self.shorten(state.retry.map { "\($0.errorEquals.joined(separator: ","))×\($0.maxAttempts)" }.joined(separator: "; "), 48))
            }
            if let s = stats?[state.name] {
                out.append("\(s.entries) in · \(s.errors) err")
                out.append("p50 \(Self.ms(s.p50Milliseconds)) · p99 \(Self.ms(s.p99Milliseconds))")
            }
            return out
        }

        func style(_ name: String) -> NodeStyle? {
            guard let stats else { return nil }
            guard let s = stats[name], s.entries > 0 else { return NodeStyle(fill: "#eeeeee", stroke: "#999999", dashed: true) }
            // White to orange by the state's share of the stream's time.
            let share = heatScale > 0 ? min(1, Double(s.entries) * s.p50Milliseconds / heatScale) : 0
            let g = 255 - Int((share * 120).rounded()), b = 255 - Int((share * 210).rounded())
            let fill = "#ff" + Self.hex(g) + Self.hex(b)
            return NodeStyle(fill: fill, stroke: s.errors > 0 ? "#d00000" : "#333333", dashed: false)
        }

        static func hex(_ v: Int) -> String {
            let s = String(max(0, min(255, v)), radix: 16)
            return s.count == 1 ? "0" + s : s
        }

        static func ms(_ v: Double) -> String {
            if v >= 1000 { return "\((v / 100).rounded() / 10)s" }
            if v >= 1 { return "\((v * 10).rounded() / 10)ms" }
            return "\((v * 10_000).rounded() / 10)µs"
        }

        static func shorten(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }
    }
}

/// How a node is drawn, by state type.
enum NodeShape {
    case box, rounded, diamond, hexagon, stadium, fail, fork

    init(_ kind: StateDefinition.Kind) {
        switch kind {
        case .pass: self = .box
        case .task: self = .rounded
        case .choice: self = .diamond
        case .wait: self = .hexagon
        case .succeed: self = .stadium
        case .fail: self = .fail
        case .parallel, .map: self = .fork
        }
    }
}

struct NodeStyle {
    var fill: String
    var stroke: String
    var dashed: Bool
}

/// One output format's syntax.
protocol GraphSink {
    var text: String { get }
    mutating func begin(title: String)
    mutating func end()
    mutating func beginCluster(id: String, label: String)
    mutating func endCluster()
    mutating func node(id: String, shape: NodeShape, lines: [String], style: NodeStyle?)
    /// A scope's start dot (`end == false`) or end mark.
    mutating func marker(id: String, end: Bool)
    mutating func edge(from: String, to: String, label: String?, dashed: Bool)
}

/// Short labels for Choice rules: `$.amount > 100`, `$.kind == "a" && !($.x is present)`.
enum ChoiceLabel {
    static let operators: [(String, String)] = [
        ("StringEquals", "=="), ("StringLessThan", "<"), ("StringGreaterThan", ">"), ("StringLessThanEquals", "<="),
        ("StringGreaterThanEquals", ">="), ("StringMatches", "matches"), ("NumericEquals", "=="), ("NumericLessThan", "<"),
        ("NumericGreaterThan", ">"), ("NumericLessThanEquals", "<="), ("NumericGreaterThanEquals", ">="),
        ("BooleanEquals", "=="), ("TimestampEquals", "=="), ("TimestampLessThan", "<"), ("TimestampGreaterThan", ">"),
        ("TimestampLessThanEquals", "<="), ("TimestampGreaterThanEquals", ">="),
    ]

    static func text(_ rule: JSONValue) -> String {
        let full = expression(rule)
        return full.count <= 40 ? full : String(full.prefix(39)) + "…"
    }

    static func expression(_ rule: JSONValue) -> String {
        if case .string(let condition)? = rule["Condition"] {
            var s = Substring(condition)
            if s.hasPrefix("{%") && s.hasSuffix("%}") { s = s.dropFirst(2).dropLast(2) }
            while s.first == " " { s = s.dropFirst() }
            while s.last == " " { s = s.dropLast() }
            return String(s)
        }
        if let list = rule["And"]?.arrayValue { return list.map(group).joined(separator: " && ") }
        if let list = rule["Or"]?.arrayValue { return list.map(group).joined(separator: " || ") }
        if let inner = rule["Not"] { return "!" + group(inner) }
        let variable = rule["Variable"]?.stringValue ?? "?"
        for (name, op) in operators {
            if let v = rule[name] { return "\(variable) \(op) \(v.description)" }
            if case .string(let p)? = rule[name + "Path"] { return "\(variable) \(op) \(p)" }
        }
        for test in ["IsNull", "IsPresent", "IsString", "IsNumeric", "IsBoolean", "IsTimestamp"] {
            if case .bool(let b)? = rule[test] {
                let what = test.dropFirst(2).lowercased()
                return "\(variable) \(b ? "is" : "is not") \(what == "present" ? "present" : what)"
            }
        }
        return variable
    }

    private static func group(_ rule: JSONValue) -> String {
        let e = expression(rule)
        return rule["And"] != nil || rule["Or"] != nil ? "(\(e))" : e
    }
}
