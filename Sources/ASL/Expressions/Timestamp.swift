import Foundation

/// An instant as AWS reads timestamps (Choice `Timestamp*` operators, Wait `Timestamp` /
/// `TimestampPath`): Java's `DateTimeFormatter.ISO_OFFSET_DATE_TIME` with strict resolution.
/// The AWS error text names that format ("ISO-8601 extended offset date-time format"), so:
///
/// * `yyyy-MM-dd'T'HH:mm[:ss[.fraction]]` then `Z` or `±HH:MM[:SS]`;
/// * `T` and `Z` case-insensitive, seconds optional, 1–9 fraction digits;
/// * strict calendar checks (month 1–12, real day of month, hour ≤ 23, minute/second ≤ 59);
/// * rejected: a space instead of `T`, no zone, `2016-13-05…`, `…T25:…`, `05-12-2016T…` [SNAP wait].
///
/// Comparison is on the instant (offsets normalised), to the nanosecond.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public let epochSeconds: Int64
    /// Nanoseconds within the second, 0 ..< 1_000_000_000.
    public let nanoseconds: Int32

    public init(epochSeconds: Int64, nanoseconds: Int32 = 0) {
        self.epochSeconds = epochSeconds
        self.nanoseconds = nanoseconds
    }

    public init(_ date: Date) {
        let t = date.timeIntervalSince1970
        let s = t.rounded(.down)
        var nanos = Int32(((t - s) * 1e9).rounded())
        var secs = Int64(s)
        if nanos >= 1_000_000_000 { nanos -= 1_000_000_000; secs += 1 }
        self.init(epochSeconds: secs, nanoseconds: nanos)
    }

    public var date: Date { Date(timeIntervalSince1970: Double(epochSeconds) + Double(nanoseconds) / 1e9) }

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.epochSeconds, a.nanoseconds) < (b.epochSeconds, b.nanoseconds)
    }

    /// Parses `text`; `nil` when AWS would not accept it at run time.
    public init?(_ text: String) { self.init(text, definitionLiteral: false) }

    /// Parses `text`; `nil` when AWS would not accept it.
    ///
    /// - Parameter definitionLiteral: read `text` as AWS's definition schema reads a literal
    ///   (Choice `Timestamp*` operands, Wait `Timestamp`): RFC 3339 as written in the spec's
    ///   examples, so `T` and `Z` in upper case, seconds present and the offset `±HH:MM`. Any
    ///   text accepted this way is also accepted at run time.
    public init?(_ text: String, definitionLiteral: Bool) {
        var p = TimestampScanner(Array(text.utf8))
        guard let year = p.digits(4), p.take(0x2D), let month = p.digits(2), p.take(0x2D), let day = p.digits(2),
              p.take(0x54) || (!definitionLiteral && p.take(0x74)),
              let hour = p.digits(2), p.take(0x3A), let minute = p.digits(2)
        else { return nil }
        var second = 0
        var nanos = 0
        if definitionLiteral, p.peekByte != 0x3A { return nil }
        if p.take(0x3A) {
            guard let s = p.digits(2) else { return nil }
            second = s
            if p.take(0x2E) {
                var count = 0
                while let d = p.digit() {
                    guard count < 9 else { return nil }
                    nanos = nanos * 10 + d
                    count += 1
                }
                guard count > 0 else { return nil }
                for _ in count..<9 { nanos *= 10 }
            }
        }
        var offset = 0
        if p.take(0x5A) || (!definitionLiteral && p.take(0x7A)) {
            offset = 0
        } else if let sign = p.sign() {
            guard let oh = p.digits(2), p.take(0x3A), let om = p.digits(2), oh <= 18, om <= 59 else { return nil }
            var os = 0
            if !definitionLiteral, p.take(0x3A) {
                guard let s = p.digits(2), s <= 59 else { return nil }
                os = s
            }
            offset = sign * (oh * 3600 + om * 60 + os)
            guard abs(offset) <= 18 * 3600 else { return nil }
        } else {
            return nil
        }
        guard p.atEnd else { return nil }
        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 59 else { return nil }
        let days = CivilDate.days(year: year, month: month, day: day)
        epochSeconds = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
        nanoseconds = Int32(nanos)
    }

    /// `yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC, as AWS writes times in the context object and events.
    public var description: String { formatted(fractionDigits: 3) }

    /// UTC rendering with `fractionDigits` (0–9) digits of fraction.
    public func formatted(fractionDigits: Int = 3) -> String {
        let (days, secondsOfDay) = CivilDate.split(epochSeconds: epochSeconds)
        let (y, m, d) = CivilDate.date(fromDays: Int(days))
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        var out = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secondsOfDay / 3600, 2)):\(pad(secondsOfDay / 60 % 60, 2)):\(pad(secondsOfDay % 60, 2))"
        if fractionDigits > 0 {
            let digits = min(fractionDigits, 9)
            var f = Int(nanoseconds)
            for _ in digits..<9 { f /= 10 }
            out += "." + pad(f, digits)
        }
        return out + "Z"
    }
}

struct TimestampScanner {
    let bytes: [UInt8]
    var pos = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    var atEnd: Bool { pos == bytes.count }
    var peekByte: UInt8? { pos < bytes.count ? bytes[pos] : nil }

    mutating func take(_ b: UInt8) -> Bool {
        if pos < bytes.count, bytes[pos] == b { pos += 1; return true }
        return false
    }

    mutating func digit() -> Int? {
        guard pos < bytes.count, bytes[pos] >= 0x30, bytes[pos] <= 0x39 else { return nil }
        pos += 1
        return Int(bytes[pos - 1] - 0x30)
    }

    mutating func digits(_ n: Int) -> Int? {
        var v = 0
        for _ in 0..<n {
            guard let d = digit() else { return nil }
            v = v * 10 + d
        }
        return v
    }

    mutating func sign() -> Int? {
        if take(0x2B) { return 1 }
        if take(0x2D) { return -1 }
        return nil
    }
}
