import ASL
import ASLJSON
import Foundation

/// A machine file that cannot be used: unreadable (66) or invalid (65).
struct MachineLoadError: Error, CustomStringConvertible {
    var description: String
    var exitCode: Int32
}

enum MachineLoader {
    /// `hello.asl.json` → `hello`.
    static func defaultName(_ path: String) -> String { StateMachine.defaultName(forPath: path) }

    /// The file's bytes; a file that cannot be read says why (`No such file or directory`,
    /// `Permission denied`, `Is a directory`), exit status 66.
    static func readFile(_ path: String) throws(MachineLoadError) -> [UInt8] {
        switch readWholeFile(path) {
        case .success(let bytes): return bytes
        case .failure(let error): throw MachineLoadError(description: "cannot read '\(path)': \(errnoText(error.code))", exitCode: 66)
        }
    }

    /// One diagnostic for a person: `FILE:LOCATION: SEVERITY CODE: message`; a JSON syntax
    /// error instead leads with `FILE:LINE:COLUMN: message`, then the line with a caret under
    /// the column (`aslx validate --json` keeps AWS's wording).
    static func describe(_ d: Diagnostic, path: String, text: String) -> String {
        guard let position = d.textPosition else {
            return "\(path):\(d.locationText ?? "-"): \(d.severity.rawValue) \(d.code): \(d.message)"
        }
        let message = d.message.components(separatedBy: "\n at [Source:").first ?? d.message
        var out = "\(path):\(position.line):\(position.column): \(message)"
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard position.line >= 1, position.line <= lines.count else { return out }
        var line = Array(lines[position.line - 1].dropLast(lines[position.line - 1].hasSuffix("\r") ? 1 : 0))
        var column = max(1, min(position.column, line.count + 1))
        // Long lines (a one-line definition): keep 60 characters either side of the column.
        if line.count > 120 {
            let start = max(0, column - 61)
            let end = min(line.count, start + 120)
            line = Array(line[start..<end])
            column -= start
        }
        // Tabs stay tabs under the caret, so it lines up in any terminal.
        let pad = line.prefix(column - 1).map { $0 == "\t" ? "\t" : " " }.joined()
        out += "\n    " + String(line) + "\n    " + pad + "^"
        return out
    }

    static func load(_ path: String, name: String, type: WorkflowType = .express) throws(MachineLoadError) -> StateMachine {
        let bytes = try readFile(path)
        if path.hasSuffix(".aslc") {
            do throws(ProgramFileError) {
                return StateMachine(program: try ProgramFile.decode(bytes), name: name)
            } catch {
                throw MachineLoadError(description: "\(path): \(error)", exitCode: 65)
            }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        do throws(DefinitionError) {
            return try StateMachine(definition: text, name: name, type: type)
        } catch {
            let lines = error.diagnostics.map { describe($0, path: path, text: text) }
            throw MachineLoadError(description: "invalid state machine definition\n" + lines.joined(separator: "\n"), exitCode: 65)
        }
    }
}
