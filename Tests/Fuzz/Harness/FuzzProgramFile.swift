@testable import ASL

/// (c) `.aslc` bytes → load → disassemble. The fuzz bytes are tried both as a whole file and
/// as a payload behind a valid header (the checksum would reject nearly every mutation).
enum FuzzProgramFile {
    static func run(_ bytes: [UInt8]) {
        if let program = try? ProgramFile.decode(bytes) { _ = Disassembler.listing(program) }
        if let program = try? ProgramDecoder.decode(bytes) { _ = Disassembler.listing(program) }
    }
}
