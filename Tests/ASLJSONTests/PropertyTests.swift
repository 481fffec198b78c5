import ASLJSON
import Testing

/// Seeded SplitMix64: reproducible random values.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random JSON values: nested containers, strings with control characters, quotes,
/// backslashes, slashes, non-ASCII and non-BMP scalars, and numbers of every kind.
struct RandomJSON {
    var rng: SeededGenerator

    mutating func value(depth: Int = 0) -> JSONValue {
        let kind = Int.random(in: 0..<(depth >= 4 ? 5 : 8), using: &rng)
        switch kind {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2, 3: return .number(number())
        case 4: return .string(string())
        case 5: return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in value(depth: depth + 1) })
        default:
            var object = JSONObject()
            // Some objects cross the index threshold.
            let count = Bool.random(using: &rng) ? Int.random(in: 0...4, using: &rng) : Int.random(in: 10...20, using: &rng)
            for _ in 0..<count { object[string(maxLength: 6)] = value(depth: depth + 1) }
            return .object(object)
        }
    }

    mutating func number() -> JSONNumber {
        switch Int.random(in: 0..<8, using: &rng) {
        case 0: return .int(Int64.random(in: -1000...1000, using: &rng))
        case 1: return .int(Int64.random(in: .min ... .max, using: &rng))
        case 2: return .int([Int64.min, Int64.max, 0, -1][Int.random(in: 0..<4, using: &rng)])
        case 3:
            // Integers beyond Int64, as canonical digits.
            var digits = String(Int.random(in: 1...9, using: &rng))
            for _ in 0..<Int.random(in: 19...40, using: &rng) { digits += String(Int.random(in: 0...9, using: &rng)) }
            if digits.count == 19 && digits < "9223372036854775808" { digits += "0" }
            return .big(Bool.random(using: &rng) ? "-" + digits : digits)
        case 4:
            // Any finite double, from its bit pattern (includes subnormals).
            while true {
                let d = Double(bitPattern: rng.next())
                if d.isFinite { return .double(d) }
            }
        case 5: return .double(Double(Int.random(in: -100_000...100_000, using: &rng)) / 100)
        case 6: return .double([0.0, -0.0, 1.0, 1e7, 1e-3, 9999999.999, .leastNonzeroMagnitude, .greatestFiniteMagnitude][Int.random(in: 0..<8, using: &rng)])
        default: return .double(Double.random(in: -1e30...1e30, using: &rng))
        }
    }

    mutating func string(maxLength: Int = 12) -> String {
        var s = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...maxLength, using: &rng) {
            let scalar: UInt32
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: scalar = UInt32.random(in: 0..<0x20, using: &rng)  // control characters
            case 1: scalar = [0x22, 0x5C, 0x2F, 0x7F][Int.random(in: 0..<4, using: &rng)]
            case 2: scalar = UInt32.random(in: 0x80..<0xD800, using: &rng)
            case 3: scalar = UInt32.random(in: 0xE000...0xFFFF, using: &rng)
            case 4: scalar = UInt32.random(in: 0x10000...0x10FFFF, using: &rng)  // non-BMP
            default: scalar = UInt32.random(in: 0x20..<0x7F, using: &rng)
            }
            s.append(Unicode.Scalar(scalar)!)
        }
        return String(s)
    }
}

@Suite("Property: parse(serialize(v)) == v")
struct PropertyTests {
    @Test("random values round-trip, and re-serialization is byte-identical", arguments: [1, 2, 3, 4] as [UInt64])
    func roundTrip(seed: UInt64) throws {
        var random = RandomJSON(rng: SeededGenerator(seed: seed))
        for _ in 0..<300 {
            let value = random.value()
            let bytes = JSONWriter.bytes(value)
            let parsed = try JSONParser.parse(bytes)
            #expect(parsed == value, "\(value)")
            #expect(JSONWriter.bytes(parsed) == bytes)
        }
    }

    @Test("every finite double's Java text parses back to the same bits", arguments: [7, 8] as [UInt64])
    func doubles(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        for _ in 0..<5000 {
            let d = Double(bitPattern: rng.next())
            guard d.isFinite else { continue }
            let text = JavaDouble.format(d)
            let back = try #require(try JSONParser.parse(text).numberValue?.doubleValue)
            #expect(back.bitPattern == d.bitPattern, "\(text)")
            #expect(text.contains("."), "Java always prints a fraction: \(text)")
        }
    }
}
