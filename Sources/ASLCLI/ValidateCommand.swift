import ASL
import ASLJSON

enum ValidateCommand {
    static let help = """
    aslx validate FILE... [--json] [--type EXPRESS|STANDARD]

    Checks definitions the way AWS's ValidateStateMachineDefinition does and prints every
    problem as `file:location: severity code: message`. Exits 0 when all are valid, 1 if not.
      --json        print AWS's response shape {result, diagnostics, truncated} per file
      --type T      EXPRESS (default: aslx runs Express workflows) or STANDARD
    Example: aslx validate Examples/hello.asl.json
    """

    static func main(_ arguments: [String]) throws -> Int32 {
        var args = Arguments(arguments)
        let (flags, values) = try args.parse(flags: ["--json", "-h", "--help"], options: ["--type"])
        if flags.contains("-h") || flags.contains("--help") { print(help); return ExitCode.ok }
        guard !args.positionals.isEmpty else { throw UsageError("validate: no FILE given") }
        var type = WorkflowType.express
        if let t = values["--type"]?.last {
            guard let parsed = WorkflowType(rawValue: t.uppercased()) else { throw UsageError("--type must be EXPRESS or STANDARD") }
            type = parsed
        }
        var allValid = true
        for path in args.positionals {
            let bytes = try MachineLoader.readFile(path)
            let text = String(decoding: bytes, as: UTF8.self)
            let result = Validator.validate(text, type: type)
            allValid = allValid && result.isValid
            if flags.contains("--json") {
                print(JSONWriter.string(result.json()))
            } else if result.diagnostics.isEmpty {
                print("\(path): OK")
            } else {
                for d in result.diagnostics { print(MachineLoader.describe(d, path: path, text: text)) }
            }
        }
        return allValid ? ExitCode.ok : ExitCode.failed
    }
}

enum CompileCommand {
    static let help = """
    aslx compile FILE -o OUT.aslc

    Validates and compiles a definition into a binary program (.aslc) that `aslx run` loads
    without parsing or validating the definition again.
    Example: aslx compile Examples/hello.asl.json -o hello.aslc
    """

    static func main(_ arguments: [String]) throws -> Int32 {
        var args = Arguments(arguments)
        let (flags, values) = try args.parse(flags: ["-h", "--help"], options: ["-o", "--output", "--name"])
        if flags.contains("-h") || flags.contains("--help") { print(help); return ExitCode.ok }
        // A .aslc holds the program only; the name is chosen when it runs.
        if values["--name"] != nil { throw UsageError("compile: --name is not stored in the .aslc; give it to `aslx run OUT.aslc --name NAME`") }
        guard let path = args.positionals.first, args.positionals.count == 1 else { throw UsageError("compile: give exactly one FILE") }
        guard let out = values["-o"]?.last ?? values["--output"]?.last else { throw UsageError("compile: -o OUT.aslc is required") }
        let machine = try MachineLoader.load(path, name: MachineLoader.defaultName(path))
        let bytes = ProgramFile.encode(machine.program)
        guard writeFile(out, bytes) else {
            printError("cannot write '\(out)'")
            return ExitCode.ioError
        }
        return ExitCode.ok
    }
}

enum DisasmCommand {
    static let help = """
    aslx disasm FILE

    Prints the compiled program of a definition or .aslc file: one block of ops per state.
    Example: aslx disasm Examples/hello.asl.json
    """

    static func main(_ arguments: [String]) throws -> Int32 {
        var args = Arguments(arguments)
        let (flags, _) = try args.parse(flags: ["-h", "--help"], options: [])
        if flags.contains("-h") || flags.contains("--help") { print(help); return ExitCode.ok }
        guard let path = args.positionals.first else { throw UsageError("disasm: no FILE given") }
        let machine = try MachineLoader.load(path, name: MachineLoader.defaultName(path))
        print(Disassembler.listing(machine.program), terminator: "")
        return ExitCode.ok
    }
}

import Foundation

func writeFile(_ path: String, _ bytes: [UInt8]) -> Bool {
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
}
