import ASL
import ASLJSON

/// `aslx graph`: the state machine as a Mermaid or Graphviz picture.
enum GraphCommand {
    static let help = """
    aslx graph MACHINE [--format mermaid|dot] [--stats STATS.json] [--name NAME]

    Prints the state machine as a graph: one node per state shaped by its type (Task rounded,
    Choice diamond, Wait hexagon, Fail octagon, Parallel/Map 3-D box), edges for Next, Default
    and each Choice rule (labelled with the rule), dashed edges for Catch (labelled with the
    error names), Retry on the node, Parallel branches and Map processors as nested clusters,
    and a start dot and end mark in every scope.
      --format mermaid   (default) a Mermaid flowchart: renders on GitHub and in most Markdown viewers
      --format dot       Graphviz: `aslx graph m.asl.json --format dot | dot -Tsvg > m.svg`
      --stats FILE       an `aslx run --stats` file: label each state with its entries, errors
                         and p50/p99 time, fill it by its share of the time, outline errors red
    MACHINE must be a definition (.asl.json), not a compiled .aslc.

    Example:
      aslx run flow.asl.json --stats stats.json < events.ndjson > /dev/null
      aslx graph flow.asl.json --format dot --stats stats.json | dot -Tsvg > flow.svg
    """

    static func main(_ arguments: [String]) throws -> Int32 {
        var args = Arguments(arguments)
        let (flags, values) = try args.parse(flags: ["-h", "--help"], options: ["--format", "--stats", "--name"])
        if flags.contains("-h") || flags.contains("--help") { print(help); return ExitCode.ok }
        guard let path = args.positionals.first, args.positionals.count == 1 else {
            throw UsageError("graph: give exactly one MACHINE file (aslx graph --help)")
        }
        var format = StateGraph.Format.mermaid
        if let f = values["--format"]?.last {
            guard let parsed = StateGraph.Format(rawValue: f.lowercased()) else { throw UsageError("--format must be mermaid or dot") }
            format = parsed
        }
        guard !path.hasSuffix(".aslc") else {
            throw UsageError("graph: '\(path)' is a compiled program; give the definition (.asl.json) it was compiled from")
        }
        // Validate first so that every edge resolves; the picture is drawn from the definition.
        let name = values["--name"]?.last ?? MachineLoader.defaultName(path)
        _ = try MachineLoader.load(path, name: name)
        let json: JSONValue
        do { json = try JSONParser.parse(try MachineLoader.readFile(path)) } catch let e as MachineLoadError { throw e } catch {
            throw MachineLoadError(description: "\(path): \(error)", exitCode: ExitCode.dataError)
        }
        var stats: [String: StateGraph.StateStats]?
        if let statsPath = values["--stats"]?.last {
            let parsed: JSONValue
            do { parsed = try JSONParser.parse(try MachineLoader.readFile(statsPath)) } catch let e as MachineLoadError { throw e } catch {
                throw MachineLoadError(description: "\(statsPath): not JSON: \(error)", exitCode: ExitCode.dataError)
            }
            guard let s = StateGraph.StateStats.parse(parsed) else {
                throw MachineLoadError(description: "\(statsPath): not an `aslx run --stats` file (no \"states\" object)", exitCode: ExitCode.dataError)
            }
            stats = s
        }
        let graph = StateGraph(definition: StateMachineDefinition.decode(json).definition, title: name, stats: stats)
        print(graph.render(format), terminator: "")
        return ExitCode.ok
    }
}
