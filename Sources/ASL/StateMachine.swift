import ASLJSON
import Foundation

/// A state machine compiled once and run many times.
///
/// ```swift
/// let machine = try StateMachine(definition: text, name: "Orders")
/// ```
public final class StateMachine: Sendable {
    /// The state machine's name: in ARNs, `$$.StateMachine.Name`, and the mock config key.
    public let name: String
    /// `arn:aws:states:<region>:<account>:stateMachine:<name>`.
    public let arn: String
    /// The compiled program the VM runs.
    public let program: Program
    let region: String
    let account: String

    /// Default region and account used in ARNs.
    public static let defaultRegion = "us-east-1"
    public static let defaultAccount = "123456789012"

    /// Validates and compiles a definition. Throws ``DefinitionError`` with every diagnostic.
    public convenience init(definition text: String, name: String, type: WorkflowType = .express,
                            region: String = defaultRegion, account: String = defaultAccount) throws(DefinitionError) {
        let (result, program) = Compiler.validateAndCompile(text, type: type)
        guard result.isValid, let program else {
            throw DefinitionError(diagnostics: result.diagnostics.filter { $0.severity == .error })
        }
        self.init(program: program, name: name, region: region, account: account)
    }

    /// Reads, validates and compiles a definition file (ASL JSON, or a compiled `.aslc`):
    /// `try StateMachine(contentsOf: URL(filePath: "orders.asl.json"))`. The name defaults to
    /// the file name without its extensions (`orders`), as `aslx run` names machines.
    /// Throws the file's read error, ``DefinitionError`` or ``ProgramFileError``.
    public convenience init(contentsOf url: URL, name: String? = nil, type: WorkflowType = .express) throws {
        let bytes = [UInt8](try Data(contentsOf: url))
        let base = Self.defaultName(forPath: url.path)
        if url.pathExtension == "aslc" {
            self.init(program: try ProgramFile.decode(bytes), name: name ?? base)
        } else {
            try self.init(definition: String(decoding: bytes, as: UTF8.self), name: name ?? base, type: type)
        }
    }

    /// A machine's name from its file: `orders.asl.json` → `orders` (drops `.json`, `.asl`,
    /// `.aslc` and `.yaml` extensions).
    public static func defaultName(forPath path: String) -> String {
        var name = path.split(separator: "/").last.map(String.init) ?? path
        while let dot = name.lastIndex(of: "."), dot != name.startIndex,
              [".json", ".asl", ".aslc", ".yaml"].contains(String(name[dot...])) { name = String(name[..<dot]) }
        return name
    }

    /// Compiles an already-validated definition.
    public init(definition: StateMachineDefinition, name: String, region: String = defaultRegion, account: String = defaultAccount) throws(DefinitionError) {
        self.name = name
        self.region = region
        self.account = account
        self.arn = "arn:aws:states:\(region):\(account):stateMachine:\(name)"
        self.program = try Compiler.compile(definition).get()
    }

    /// Wraps a program loaded from `.aslc`.
    public init(program: Program, name: String, region: String = defaultRegion, account: String = defaultAccount) {
        self.name = name
        self.region = region
        self.account = account
        self.arn = "arn:aws:states:\(region):\(account):stateMachine:\(name)"
        self.program = program
    }
}
