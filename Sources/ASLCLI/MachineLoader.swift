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
    static func defaultName(_ path: String) -> String {
        var name = (path as NSString).lastPathComponent
        for ext in [".aslc", ".json", ".asl", ".yaml"] where name.hasSuffix(ext) { name.removeLast(ext.count) }
        if name.hasSuffix(".asl") { name.removeLast(4) }
        return name
    }

    static func readFile(_ path: String) throws(MachineLoadError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MachineLoadError(description: "cannot read '\(path)'", exitCode: 66)
        }
        return [UInt8](data)
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
            let lines = error.diagnostics.map { "\(path):\($0.locationText ?? "-"): \($0.severity.rawValue) \($0.code): \($0.message)" }
            throw MachineLoadError(description: "invalid state machine definition\n" + lines.joined(separator: "\n"), exitCode: 65)
        }
    }
}
