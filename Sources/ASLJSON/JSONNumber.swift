/// A JSON number that keeps what ASL needs from its source text.
///
/// Integers within `Int64` are exact (`.int`), numbers written with a fraction or exponent are
/// `.double` (so `1` and `1.0` are distinguishable, as AWS validation needs, yet compare
/// equal), and integers beyond `Int64` keep their digits (`.big`), as Jackson's BigInteger does.
public enum JSONNumber: Sendable {
    /// An integer written without fraction or exponent that fits `Int64`.
    case int(Int64)
    /// A number written with a fraction or exponent (finite; `-0.0` kept).
    case double(Double)
    /// An integer outside `Int64`, as its canonical decimal digits (optional leading `-`).
    case big(String)

    /// The value as a `Double` (possibly rounded).
    @inlinable public var doubleValue: Double {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .big(let s): return Double(s) ?? .nan
        }
    }

    /// The value as an `Int64` when it is integral and in range.
    @inlinable public var int64Value: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d):
            guard d.rounded(.towardZero) == d, d >= -9.223372036854775808e18, d < 9.223372036854775808e18 else { return nil }
            return Int64(d)
        case .big: return nil
        }
    }

    /// Whether the number has no fractional part.
    @inlinable public var isIntegral: Bool {
        switch self {
        case .int, .big: return true
        case .double(let d): return d.isFinite && d.rounded(.towardZero) == d
        }
    }

    /// Whether the number was written as an integer (no fraction, no exponent).
    @inlinable public var isIntegerKind: Bool {
        if case .double = self { return false }
        return true
    }
}

extension JSONNumber: Hashable, Comparable {
    /// Numeric equality: `1 == 1.0`, `.big` digits equal a double only when the double is
    /// exactly that integer. (`.big` is expected in canonical form: no `+`, no leading zeros.)
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.big(let a), .big(let b)): return a == b
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)): return Int64(exactly: b) == a
        case (.int(let a), .big(let b)), (.big(let b), .int(let a)): return Int64(b) == a
        case (.double(let d), .big(let s)), (.big(let s), .double(let d)): return Self.integerDigits(d) == s
        }
    }

    /// Numeric order (exact between `.int`s; through `Double` otherwise).
    public static func < (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if case .int(let a) = lhs, case .int(let b) = rhs { return a < b }
        return lhs.doubleValue < rhs.doubleValue
    }

    /// Hashes consistently with `==` (`1`, `1.0` and `.big("1")` hash alike).
    public func hash(into hasher: inout Hasher) {
        // Equal numbers hash alike: integral values hash as Int64 when they fit, otherwise as
        // their exact decimal digits (so 1e19 and the big integer 10000000000000000000 agree).
        switch self {
        case .int(let i): hasher.combine(i)
        case .big(let s):
            if let i = Int64(s) { hasher.combine(i) } else { hasher.combine(s) }
        case .double(let d):
            if let i = Int64(exactly: d) {
                hasher.combine(i)
            } else if let digits = Self.integerDigits(d) {
                hasher.combine(digits)
            } else {
                hasher.combine(d)
            }
        }
    }

    /// The exact decimal digits of an integral finite double (`nil` otherwise).
    static func integerDigits(_ d: Double) -> String? {
        guard d.isFinite, d.rounded(.towardZero) == d else { return nil }
        if let i = Int64(exactly: d) { return String(i) }
        // |d| = significand × 2^k with k > 0: double a little-endian base-1e9 bignum k times.
        var significand = d.magnitude.significandBitPattern | (1 << 52)
        var limbs: [UInt64] = []
        while significand > 0 { limbs.append(significand % 1_000_000_000); significand /= 1_000_000_000 }
        var k = Int(d.magnitude.exponent) - 52
        while k > 0 {
            let shift = min(k, 29)
            var carry: UInt64 = 0
            for i in limbs.indices {
                let v = limbs[i] << UInt64(shift) + carry
                limbs[i] = v % 1_000_000_000
                carry = v / 1_000_000_000
            }
            while carry > 0 { limbs.append(carry % 1_000_000_000); carry /= 1_000_000_000 }
            k -= shift
        }
        var text = String(limbs.last!)
        for limb in limbs.dropLast().reversed() {
            let part = String(limb)
            text += String(repeating: "0", count: 9 - part.count) + part
        }
        return d < 0 ? "-" + text : text
    }
}
