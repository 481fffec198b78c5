import ASL
import ASLJSON

/// (b) Definition text → validate → compile (→ encode → decode, which must accept what the
/// compiler produced).
enum FuzzDefinition {
    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let machine = try? StateMachine(definition: text, name: "Fuzz") else { return }
        let encoded = ProgramFile.encode(machine.program)
        do {
            let decoded = try ProgramFile.decode(encoded)
            _ = Disassembler.listing(decoded)
        } catch {
            fuzzCheck(false, "the .aslc of a valid definition does not load: \(error)")
        }
    }
}
