/// Why an `.aslc` file cannot be loaded.
public struct ProgramFileError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem the loader found.
    public enum Kind: Sendable, Hashable {
        /// The file does not start with the `ASLC` magic number (or is shorter than a header).
        case badMagic
        /// The file was written by a format version this aslx does not read.
        case unsupportedVersion
        /// The header announces flags this aslx does not know.
        case unsupportedFlags
        /// The file is shorter (or longer) than its header says.
        case truncated
        /// The payload's CRC-32 does not match the header.
        case checksumMismatch
        /// The checksum matched but the payload is malformed or inconsistent (an index out of
        /// range, an expression that does not compile, a cut-off record, …).
        case corrupt
    }

    /// What kind of problem the loader found.
    public var kind: Kind
    /// A sentence saying what was wrong and, where it helps, what to do.
    public var description: String

    /// Creates an error of `kind` with a readable `description`.
    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}

/// The `.aslc` container: a compiled ``Program`` stored so that loading it skips parsing the
/// definition's JSON, validation and lowering.
///
/// Layout (all integers little-endian; see `Documentation/Bytecode.md`):
///
/// | offset | size | field                                   |
/// |-------:|-----:|-----------------------------------------|
/// | 0      | 4    | magic `ASLC`                            |
/// | 4      | 4    | format version (``formatVersion``)      |
/// | 8      | 4    | flags (none defined; must be 0)         |
/// | 12     | 4    | payload length in bytes                 |
/// | 16     | 4    | CRC-32 (IEEE) of the payload            |
/// | 20     | n    | payload: the binary encoding of the program |
///
/// Loading checks the header first (magic, version, flags, length, checksum), then decodes the
/// payload and checks every index against the pool it refers to, so a corrupt, truncated or
/// foreign file is a ``ProgramFileError``, never a crash.
public enum ProgramFile {
    static let magic: [UInt8] = Array("ASLC".utf8)
    /// The format version this aslx writes (version 1 stored the definition's JSON; version 2,
    /// still read, stored a Wait's literal `Timestamp` as text, which loading parses).
    public static let formatVersion: UInt32 = 3
    /// Size of the fixed header in bytes.
    public static let headerSize = 20

    /// Serializes `program` as an `.aslc` file.
    public static func encode(_ program: Program) -> [UInt8] {
        let payload = ProgramEncoder.encode(program)
        var out: [UInt8] = []
        out.reserveCapacity(headerSize + payload.count)
        out += magic
        append(formatVersion, to: &out)
        append(0, to: &out)
        append(UInt32(payload.count), to: &out)
        append(crc32(payload[...]), to: &out)
        out += payload
        return out
    }

    /// Loads a program written by ``encode(_:)``.
    ///
    /// Throws ``ProgramFileError`` for a wrong magic number, an unknown version or flag, a size
    /// that disagrees with the header, a checksum mismatch, or a payload that is malformed or
    /// refers outside its pools.
    public static func decode(_ bytes: [UInt8]) throws(ProgramFileError) -> Program {
        guard bytes.count >= 4, bytes[0..<4].elementsEqual(magic) else {
            throw ProgramFileError(.badMagic, "not an aslx program file (bad magic number; expected 'ASLC')")
        }
        guard bytes.count >= headerSize else {
            throw ProgramFileError(.truncated, "truncated program file: \(bytes.count) bytes is shorter than the \(headerSize)-byte header")
        }
        let version = read(bytes, at: 4)
        guard version == formatVersion || version == 2 else {
            throw ProgramFileError(.unsupportedVersion, "program format version \(version) is not supported (this aslx reads version \(formatVersion) and the older version 2); recompile the definition with `aslx compile`")
        }
        let flags = read(bytes, at: 8)
        guard flags == 0 else {
            throw ProgramFileError(.unsupportedFlags, "program file has unknown flags 0x\(String(flags, radix: 16)); recompile the definition with `aslx compile`")
        }
        let length = Int(read(bytes, at: 12))
        guard bytes.count - headerSize == length else {
            throw ProgramFileError(.truncated, "truncated or padded program file: the header announces \(length) payload bytes, found \(bytes.count - headerSize)")
        }
        let payload = bytes[headerSize...]
        guard crc32(payload) == read(bytes, at: 16) else {
            throw ProgramFileError(.checksumMismatch, "corrupt program file (checksum mismatch)")
        }
        return try ProgramDecoder.decode(Array(payload), version: version)
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
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 (IEEE 802.3, as in zlib and PNG).
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        let table = crcTable
        var c: UInt32 = 0xFFFF_FFFF
        bytes.withUnsafeBufferPointer { buffer in
            table.withUnsafeBufferPointer { t in
                for b in buffer { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
            }
        }
        return c ^ 0xFFFF_FFFF
    }
}
