import ASLJSON

/// Why an `.aslc` file cannot be loaded.
public struct ProgramFileError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// The `.aslc` container: `ASLC` magic, format version, payload length, CRC-32 of the payload,
/// then the payload. Loading checks all four before touching the payload, so a corrupt,
/// truncated or foreign file is a clear error, never a crash.
///
/// Format version 1 stores the validated definition in compact form; loading skips validation
/// (the compiler already checked it) and lowers it straight to a ``Program``.
public enum ProgramFile {
    static let magic: [UInt8] = Array("ASLC".utf8)
    public static let formatVersion: UInt32 = 1

    public static func encode(_ program: Program) -> [UInt8] {
        let payload = program.sourceJSON.map { JSONWriter.bytes($0) } ?? []
        var out = magic
        append(formatVersion, to: &out)
        append(UInt32(payload.count), to: &out)
        append(crc32(payload), to: &out)
        out += payload
        return out
    }

    public static func decode(_ bytes: [UInt8]) throws(ProgramFileError) -> Program {
        guard bytes.count >= 16, Array(bytes[0..<4]) == magic else {
            throw ProgramFileError(description: "not an aslx program file (bad magic number)")
        }
        let version = read(bytes, at: 4)
        guard version == formatVersion else {
            throw ProgramFileError(description: "program format version \(version) is not supported (this aslx reads version \(formatVersion)); recompile with `aslx compile`")
        }
        let length = Int(read(bytes, at: 8))
        guard bytes.count - 16 == length else {
            throw ProgramFileError(description: "truncated or padded program file: expected \(length) payload bytes, found \(bytes.count - 16)")
        }
        let payload = Array(bytes[16...])
        guard crc32(payload) == read(bytes, at: 12) else {
            throw ProgramFileError(description: "corrupt program file (checksum mismatch)")
        }
        let json: JSONValue
        do { json = try JSONParser.parse(payload) } catch {
            throw ProgramFileError(description: "corrupt program payload: \(error)")
        }
        let (definition, _) = StateMachineDefinition.decode(json)
        switch Compiler.compile(definition) {
        case .success(let program): return program
        case .failure(let error): throw ProgramFileError(description: "program payload does not compile: \(error)")
        }
    }

    static func append(_ v: UInt32, to out: inout [UInt8]) {
        for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
    }

    static func read(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[offset + i]) << (8 * i) }
        return v
    }

    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFFFFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFFFFFF
    }
}
