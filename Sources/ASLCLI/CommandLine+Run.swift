import Foundation

extension CommandLine {
    static let usage = """
    aslx: run AWS Step Functions Express workflows locally, fast.

    Usage:
      aslx run MACHINE [options] < events.ndjson   run one execution per input line
      aslx validate FILE... [--json] [--type EXPRESS|STANDARD]
      aslx compile FILE -o OUT.aslc
      aslx disasm FILE
      aslx graph MACHINE [--format mermaid|dot] [--stats STATS.json]
      aslx test-state MACHINE --state NAME --input JSON [--inspection-level DEBUG] ...
      aslx help [COMMAND]

    MACHINE is a definition (.asl.json / .json) or a compiled program (.aslc).
    Run `aslx help run` for the run options.
    """

    /// Runs the `aslx` command line with `arguments` (without the program name) and returns the exit status.
    public static func run(arguments: [String]) -> Int32 {
        guard let command = arguments.first else {
            printError("missing command\n" + usage)
            return ExitCode.usage
        }
        let rest = Array(arguments.dropFirst())
        do {
            switch command {
            case "run": return try RunCommand.main(rest)
            case "validate": return try ValidateCommand.main(rest)
            case "compile": return try CompileCommand.main(rest)
            case "disasm": return try DisasmCommand.main(rest)
            case "test-state": return try TestStateCommand.main(rest)
            case "graph": return try GraphCommand.main(rest)
            case "help", "-h", "--help":
                switch rest.first {
                case "run": print(RunCommand.help)
                case "validate": print(ValidateCommand.help)
                case "compile": print(CompileCommand.help)
                case "disasm": print(DisasmCommand.help)
                case "test-state": print(TestStateCommand.help)
                case "graph": print(GraphCommand.help)
                default: print(usage)
                }
                return ExitCode.ok
            case "--version": print("aslx 0.1.0"); return ExitCode.ok
            default:
                printError("unknown command '\(command)'\n" + usage)
                return ExitCode.usage
            }
        } catch let error as UsageError {
            printError(error.description)
            return ExitCode.usage
        } catch let error as MachineLoadError {
            printError(error.description)
            return error.exitCode
        } catch {
            printError(String(describing: error))
            return ExitCode.failed
        }
    }
}
