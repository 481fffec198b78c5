/// Graphviz DOT. Ids are generated (`s3`), so only labels need quoting: `"` and `\` are
/// escaped and lines are joined with `\n`.
struct DOTSink: GraphSink {
    var text = ""
    private var depth = 1

    static func quote(_ s: String) -> String {
        quoted(s) { c in
            switch c {
            case "\"": "\\\""
            case "\\": "\\\\"
            case "\n": "\\n"
            default: nil
            }
        }
    }

    private mutating func line(_ s: String) { text += String(repeating: "  ", count: depth) + s + "\n" }

    mutating func begin(title: String) {
        text += "digraph \(Self.quote(title)) {\n"
        line("graph [rankdir=TB, fontname=\"Helvetica\", label=\(Self.quote(title)), labelloc=t];")
        line("node [fontname=\"Helvetica\", fontsize=11];")
        line("edge [fontname=\"Helvetica\", fontsize=9];")
    }

    mutating func end() { text += "}\n" }

    mutating func beginCluster(id: String, label: String) {
        line("subgraph cluster_\(id) {")
        depth += 1
        line("label=\(Self.quote(label)); style=\"rounded,dashed\"; color=\"#888888\";")
    }

    mutating func endCluster() {
        depth -= 1
        line("}")
    }

    mutating func node(id: String, shape: NodeShape, lines: [String], style: NodeStyle?) {
        var attributes = ["label=\(Self.quote(lines.joined(separator: "\n")))"]
        switch shape {
        case .box: attributes.append("shape=box")
        case .rounded: attributes.append("shape=box, style=\"rounded\"")
        case .diamond: attributes.append("shape=diamond")
        case .hexagon: attributes.append("shape=hexagon")
        case .stadium: attributes.append("shape=box, style=\"rounded,bold\"")
        case .fail: attributes.append("shape=octagon")
        case .fork: attributes.append("shape=box3d")
        }
        if let style {
            if let i = attributes.firstIndex(where: { $0.hasPrefix("shape=box, style=") }) {
                let kept = attributes[i].contains("bold") ? "rounded,bold," : "rounded,"
                attributes[i] = "shape=box, style=\"\(kept)filled\(style.dashed ? ",dashed" : "")\""
            } else {
                attributes.append("style=\"filled\(style.dashed ? ",dashed" : "")\"")
            }
            attributes.append("fillcolor=\"\(style.fill)\", color=\"\(style.stroke)\"")
            if style.stroke == "#d00000" { attributes.append("penwidth=2") }
        }
        line("\(id) [\(attributes.joined(separator: ", "))];")
    }

    mutating func marker(id: String, end: Bool) {
        line(end ? "\(id) [shape=doublecircle, label=\"\", width=0.2, style=filled, fillcolor=black];"
                 : "\(id) [shape=circle, label=\"\", width=0.2, style=filled, fillcolor=black];")
    }

    mutating func edge(from: String, to: String, label: String?, dashed: Bool) {
        var attributes: [String] = []
        if let label { attributes.append("label=\(Self.quote(label))") }
        if dashed { attributes.append("style=dashed") }
        line("\(from) -> \(to)" + (attributes.isEmpty ? ";" : " [\(attributes.joined(separator: ", "))];"))
    }
}

/// A Mermaid `flowchart TD`. Ids are generated (`s3`); every label is quoted, with `"`, `<`,
/// `>`, `#` and `&` written as Mermaid entity codes and lines joined with `<br/>`.
struct MermaidSink: GraphSink {
    var text = ""
    private var depth = 1
    private var styles: [String] = []

    static func quote(_ s: String) -> String {
        quoted(s) { c in
            switch c {
            case "\"": "#quot;"
            case "#": "#35;"
            case "&": "#amp;"
            case "<": "#lt;"
            case ">": "#gt;"
            case "\n": "<br/>"
            default: nil
            }
        }
    }

    private mutating func line(_ s: String) { text += String(repeating: "  ", count: depth) + s + "\n" }

    mutating func begin(title: String) {
        text += "---\ntitle: \(Self.quote(title))\n---\nflowchart TD\n"
    }

    mutating func end() {
        for s in styles { line(s) }
    }

    mutating func beginCluster(id: String, label: String) {
        line("subgraph \(id) [\(Self.quote(label))]")
        depth += 1
        line("direction TB")
    }

    mutating func endCluster() {
        depth -= 1
        line("end")
    }

    mutating func node(id: String, shape: NodeShape, lines: [String], style: NodeStyle?) {
        let label = lines.map { Self.quote($0).dropFirst().dropLast() }.joined(separator: "<br/>")
        let q = "\"\(label)\""
        switch shape {
        case .box: line("\(id)[\(q)]")
        case .rounded: line("\(id)(\(q))")
        case .diamond: line("\(id){\(q)}")
        case .hexagon: line("\(id){{\(q)}}")
        case .stadium: line("\(id)([\(q)])")
        case .fail: line("\(id)[/\(q)\\]")
        case .fork: line("\(id)[[\(q)]]")
        }
        if let style {
            styles.append("style \(id) fill:\(style.fill),stroke:\(style.stroke)\(style.dashed ? ",stroke-dasharray:4 3" : "")\(style.stroke == "#d00000" ? ",stroke-width:2px" : "")")
        }
    }

    mutating func marker(id: String, end: Bool) {
        line(end ? "\(id)(((\" \")))" : "\(id)((\" \"))")
    }

    mutating func edge(from: String, to: String, label: String?, dashed: Bool) {
        let arrow = dashed ? "-.->" : "-->"
        line(label.map { "\(from) \(arrow)|\(Self.quote($0))| \(to)" } ?? "\(from) \(arrow) \(to)")
    }
}

/// `s` in double quotes, each character replaced by `escape`'s text when it gives one; carriage returns dropped.
func quoted(_ s: String, _ escape: (Character) -> String?) -> String {
    var out = "\""
    for c in s where c != "\r" {
        if let e = escape(c) { out += e } else { out.append(c) }
    }
    return out + "\""
}
