import ASLJSON
import Foundation
import Testing
@testable import ASL

/// Definitions to draw: every example, plus conformance definitions until every state type,
/// Retry, Catch and nested Parallel/Map are covered (and at least 60 in all).
enum GraphSamples {
    static let root = CLIHarness.packageRoot

    static var examples: [(String, JSONValue)] {
        let folder = root.appending(path: "Examples")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".asl.json") }.sorted().compactMap { file in
            (try? Data(contentsOf: folder.appending(path: file))).flatMap { try? JSONParser.parse(Array($0)) }.map { (file, $0) }
        }
    }

    static let conformanceFolder = root.appending(path: "../shared/conformance/cases").standardizedFileURL
    static var conformanceMissing: Bool { !FileManager.default.fileExists(atPath: conformanceFolder.path) }

    static let conformance: [(String, JSONValue)] = {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: conformanceFolder.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        var wanted: Set<String> = Set(StateDefinition.Kind.allCases.map(\.rawValue)).union(["Retry", "Catch", "Nested"])
        var picked: [(String, JSONValue)] = []
        for file in files {
            guard let data = try? Data(contentsOf: conformanceFolder.appending(path: file)),
                  let json = try? JSONParser.parse(Array(data)), let definition = json["definition"],
                  Validator.validate(definition, type: .standard).isValid else { continue }
            let features = features(definition)
            if !features.isDisjoint(with: wanted) || picked.count < 60 {
                wanted.subtract(features)
                picked.append((file, definition))
            }
            if wanted.isEmpty && picked.count >= 60 { break }
        }
        return picked
    }()

    /// State types, Retry/Catch and nesting that a definition uses.
    static func features(_ machine: JSONValue, depth: Int = 0) -> Set<String> {
        var out: Set<String> = depth > 1 ? ["Nested"] : []
        for (_, state) in machine["States"]?.objectValue ?? JSONObject() {
            if let type = state["Type"]?.stringValue { out.insert(type) }
            if state["Retry"] != nil { out.insert("Retry") }
            if state["Catch"] != nil { out.insert("Catch") }
            for branch in state["Branches"]?.arrayValue ?? [] { out.formUnion(features(branch, depth: depth + 1)) }
            if let p = state["ItemProcessor"] ?? state["Iterator"] { out.formUnion(features(p, depth: depth + 1)) }
        }
        return out
    }

    static func render(_ definition: JSONValue, _ format: StateGraph.Format, title: String = "m") -> String {
        StateGraph(definition: StateMachineDefinition.decode(definition).definition, title: title).render(format)
    }
}

enum Graphviz {
    static let dot: String? = ["/usr/bin/dot", "/usr/local/bin/dot", "/opt/homebrew/bin/dot"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// `dot -Tsvg` of `source`: its exit status, stdout and stderr.
    static func svg(_ source: String) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(filePath: dot!)
        p.arguments = ["-Tsvg"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = errors
        try p.run()
        let writer = Thread { input.fileHandleForWriting.write(Data(source.utf8)); try? input.fileHandleForWriting.close() }
        writer.start()
        let errorData = Mutex<Data>(Data())
        let reader = Thread { errorData.withLock { $0 = errors.fileHandleForReading.readDataToEndOfFile() } }
        reader.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while reader.isExecuting || !reader.isFinished { usleep(1000) }
        return (p.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: errorData.withLock { $0 }, as: UTF8.self))
    }
}

import Synchronization

@Suite struct GraphDOTTests {
    @Test(.enabled(if: Graphviz.dot != nil, "graphviz `dot` is not installed (apt-get install -y graphviz): DOT output not rendered"))
    func examplesRenderWithGraphviz() throws {
        let examples = GraphSamples.examples
        #expect(examples.count >= 2)
        for (name, definition) in examples { try Self.renders(name, definition) }
    }

    @Test(.enabled(if: Graphviz.dot != nil, "graphviz `dot` is not installed (apt-get install -y graphviz): DOT output not rendered"),
          .enabled(if: !GraphSamples.conformanceMissing, "../shared/conformance/cases not present"))
    func conformanceDefinitionsOfEveryStateTypeRenderWithGraphviz() throws {
        let samples = GraphSamples.conformance
        let covered = samples.reduce(into: Set<String>()) { $0.formUnion(GraphSamples.features($1.1)) }
        #expect(covered.isSuperset(of: Set(StateDefinition.Kind.allCases.map(\.rawValue)).union(["Retry", "Catch", "Nested"])))
        for (name, definition) in samples { try Self.renders(name, definition) }
    }

    @Test(.enabled(if: Graphviz.dot != nil, "graphviz `dot` is not installed (apt-get install -y graphviz): DOT output not rendered"))
    func quotesAndBackslashesInNamesAreEscaped() throws {
        let definition = try JSONParser.parse(#"{"StartAt": "a \"b\" \\c", "States": {"a \"b\" \\c": {"Type": "Pass", "Next": "x{y}"}, "x{y}": {"Type": "Succeed"}}}"#)
        let dot = GraphSamples.render(definition, .dot, title: "t\"1")
        #expect(dot.contains(#"label="a \"b\" \\c\nPass""#))
        try Self.renders("awkward names", definition)
    }

    /// `dot` exits 0 without a warning and draws one SVG node per state plus the start/end marks.
    static func renders(_ name: String, _ definition: JSONValue) throws {
        let source = GraphSamples.render(definition, .dot)
        let (status, svg, errors) = try Graphviz.svg(source)
        #expect(status == 0, "\(name): dot exited \(status): \(errors)")
        #expect(errors.isEmpty, "\(name): dot said: \(errors)")
        let nodes = svg.components(separatedBy: "class=\"node\"").count - 1
        let declared = source.split(separator: "\n").filter { $0.contains(" [") && !$0.contains("->") && !$0.contains("graph [") && !$0.contains("node [") && !$0.contains("edge [") }.count
        #expect(nodes == declared && nodes > 0, "\(name): \(nodes) SVG nodes for \(declared) declared")
    }

    @Test func statesAreNodesShapedByTypeWithTheirEdges() {
        let dot = GraphSamples.render(try! JSONParser.parse("""
        {"StartAt": "C", "States": {
          "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericLessThan": 3, "Next": "T"}], "Default": "F"},
          "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{"ErrorEquals": ["Slow"], "MaxAttempts": 5}],
                "Catch": [{"ErrorEquals": ["Bad", "Worse"], "Next": "F"}], "End": true},
          "F": {"Type": "Fail", "Error": "E"}}}
        """), .dot)
        #expect(dot.contains(#"s0 [label="C\nChoice", shape=diamond]"#))
        #expect(dot.contains(#"s0 -> s1 [label="$.n < 3"]"#))
        #expect(dot.contains(#"s0 -> s2 [label="Default"]"#))
        #expect(dot.contains(#"s1 [label="T\nTask\nRetry Slow×5", shape=box, style="rounded"]"#))
        #expect(dot.contains(#"s1 -> s2 [label="Bad, Worse", style=dashed]"#))
        #expect(dot.contains(#"s2 [label="F\nFail", shape=octagon]"#))
        #expect(dot.contains("doublecircle"))
    }

    @Test func statsLabelAndColourTheNodes() {
        let definition: JSONValue = ["StartAt": "A", "States": ["A": ["Type": "Pass", "Next": "B"], "B": ["Type": "Pass", "Next": "C"], "C": ["Type": "Succeed"]]]
        let stats = StateGraph.StateStats.parse(["states": [
            "A": ["entries": 10, "errors": [:], "timeMs": ["p50": 1, "p99": 2]],
            "B": ["entries": 10, "errors": ["X": 2, "Y": 1], "timeMs": ["p50": 0.5, "p99": 0.75]]]])
        #expect(stats?["B"] == StateGraph.StateStats(entries: 10, errors: 3, p50Milliseconds: 0.5, p99Milliseconds: 0.75))
        let dot = StateGraph(definition: StateMachineDefinition.decode(definition).definition, title: "t", stats: stats).render(.dot)
        #expect(dot.contains(#"10 in · 0 err\np50 1.0ms · p99 2.0ms"#))
        // The busiest state is filled deepest; errors outline red; unvisited states are grey and dashed.
        #expect(dot.contains(##"fillcolor="#ff872d", color="#333333""##))
        #expect(dot.contains(##"10 in · 3 err"##) && dot.contains(##"color="#d00000", penwidth=2"##))
        #expect(dot.contains(##"fillcolor="#eeeeee", color="#999999""##))
    }
}

@Suite struct GraphMermaidTests {
    /// A small grammar of the flowchart subset the renderer writes: every line is one of these
    /// forms, ids are plain identifiers, every label is quoted with no raw quote inside, and
    /// every edge joins declared nodes.
    static func check(_ text: String) -> [String] {
        var problems: [String] = []
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard lines.count >= 4, lines[0] == "---", lines[1].hasPrefix("title: \""), lines[1].hasSuffix("\""), lines[2] == "---",
              lines[3] == "flowchart TD" else { return ["bad header: \(lines.prefix(4))"] }
        let id = #"[A-Za-z][A-Za-z0-9_]*"#
        let label = #""[^"]*""#
        let shapes = [#"\[LABEL\]"#, #"\(LABEL\)"#, #"\{LABEL\}"#, #"\{\{LABEL\}\}"#, #"\(\[LABEL\]\)"#, #"\[/LABEL\\\]"#,
                      #"\[\[LABEL\]\]"#, #"\(\(LABEL\)\)"#, #"\(\(\(LABEL\)\)\)"#].map { $0.replacingOccurrences(of: "LABEL", with: label) }
        let node = try! Regex("^(\(id))(?:\(shapes.joined(separator: "|")))$")
        let edge = try! Regex("^(\(id)) (?:-->|-\\.->)(?:\\|\(label)\\|)? (\(id))$")
        let subgraph = try! Regex("^subgraph (\(id)) \\[\(label)\\]$")
        let style = try! Regex("^style (\(id)) fill:#[0-9a-f]{6},stroke:#[0-9a-f]{6}(,stroke-dasharray:4 3)?(,stroke-width:2px)?$")
        var declared: Set<String> = []
        var used: [String] = []
        var depth = 0
        for raw in lines.dropFirst(4) {
            let line = raw.drop { $0 == " " }
            if let m = line.wholeMatch(of: node) {
                declared.insert(String(line[m.output[1].range!]))
            } else if let m = line.wholeMatch(of: edge) {
                used.append(String(line[m.output[1].range!]))
                used.append(String(line[m.output[2].range!]))
            } else if line.wholeMatch(of: subgraph) != nil {
                depth += 1
            } else if line == "end" {
                depth -= 1
                if depth < 0 { problems.append("unbalanced end") }
            } else if line == "direction TB" || line.wholeMatch(of: style) != nil {
                continue
            } else {
                problems.append("not flowchart syntax: \(raw)")
            }
        }
        if depth != 0 { problems.append("unclosed subgraph") }
        for u in used where !declared.contains(u) { problems.append("edge to undeclared node \(u)") }
        return problems
    }

    @Test func examplesAndConformanceDefinitionsPassTheGrammarCheck() {
        for (name, definition) in GraphSamples.examples + GraphSamples.conformance {
            #expect(Self.check(GraphSamples.render(definition, .mermaid)) == [], "\(name)")
        }
    }

    @Test func awkwardNamesAndRulesAreEscapedInsideQuotedLabels() {
        let text = GraphSamples.render(try! JSONParser.parse(#"""
        {"StartAt": "Say \"hi\" <now>", "States": {
          "Say \"hi\" <now>": {"Type": "Choice", "Choices": [{"Variable": "$.a", "StringEquals": "x\"]-->y", "Next": "end"}], "Default": "#1 & [2]"},
          "end": {"Type": "Pass", "End": true},
          "#1 & [2]": {"Type": "Succeed"}}}
        """#), .mermaid, title: "t\"1")
        #expect(Self.check(text) == [])
        #expect(text.contains(#"s0{"Say #quot;hi#quot; #lt;now#gt;<br/>Choice"}"#))
        #expect(text.contains(##"s2(["#35;1 #amp; [2]<br/>Succeed"])"##))
        // The grammar check itself rejects an unescaped quote and an undeclared node.
        #expect(!Self.check("---\ntitle: \"t\"\n---\nflowchart TD\n  a[\"x\"y\"]\n").isEmpty)
        #expect(!Self.check("---\ntitle: \"t\"\n---\nflowchart TD\n  a[\"x\"]\n  a --> b\n").isEmpty)
    }
}

@Suite struct GraphGoldenTests {
    /// `Tests/Golden/graph/NAME.{mmd,dot}`; regenerate with `aslx graph Examples/NAME.asl.json [--format dot]`
    /// and review the picture before committing a change.
    @Test(arguments: ["hello", "orders"])
    func examplesMatchTheirGoldenFiles(name: String) throws {
        let definition = try #require(GraphSamples.examples.first { $0.0 == "\(name).asl.json" }?.1)
        for (format, ext) in [(StateGraph.Format.mermaid, "mmd"), (.dot, "dot")] {
            let golden = try String(contentsOf: GraphSamples.root.appending(path: "Tests/Golden/graph/\(name).\(ext)"), encoding: .utf8)
            #expect(GraphSamples.render(definition, format, title: name) == golden, "\(name).\(ext)")
        }
    }
}
