/// A JSON number that keeps what ASL needs from its source text.
///
/// Integers within `Int64` are exact (`.int`), numbers written with a fraction or exponent are
/// `.double` (so `1` and `1.0` are distinguishable, as AWS validation needs, yet compare
/// equal), and integers beyond `Int64` keep their digits (`.big`), as Jackson's BigInteger does.
public enum JSONNumber: Sendable {
    case int(Int64)
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
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return a == b
        case (.big(let a), .big(let b)): return a == b
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)):
            return Double(a) == b && b.rounded(.towardZero) == b && Int64(exactly: b) == a
        default: return lhs.doubleValue == rhs.doubleValue
        }
    }

    public static func < (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if case .int(let a) = lhs, case .int(let b) = rhs { return a < b }
        return lhs.doubleValue < rhs.doubleValue
    }

    public func hash(into hasher: inout Hasher) {
        // Integral values hash as integers so that 1 and 1.0 (which are ==) hash alike.
        if let i = int64Value { hasher.combine(i) } else { hasher.combine(doubleValue) }
    }
}
