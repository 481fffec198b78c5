#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock helpers for the context object and records, without Foundation's formatters
/// (which are slow and allocate on every call).
public enum WallClock {
    /// Milliseconds since the Unix epoch, now.
    public static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// `2024-01-31T12:34:56.789Z`, as AWS writes `$$.Execution.StartTime` and `$$.State.EnteredTime`.
    public static func iso8601(milliseconds: Int64) -> String {
        let (seconds, ms) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let instant = ms < 0 ? Timestamp(epochSeconds: seconds - 1, nanoseconds: Int32(ms + 1000) * 1_000_000)
                             : Timestamp(epochSeconds: seconds, nanoseconds: Int32(ms) * 1_000_000)
        return instant.formatted(fractionDigits: 3)
    }
}

/// Generates RFC 4122 version-4 UUID strings (lowercase), from a random source.
public struct UUIDGenerator: Sendable {
    private let next: @Sendable () -> (UInt64, UInt64)

    /// Random UUIDs: a fast generator seeded once from the system's entropy (execution ids need
    /// uniqueness, not secrecy; a getrandom call per UUID would dominate short executions).
    public static let system: UUIDGenerator = {
        var g = SystemRandomNumberGenerator()
        let state = SeededState(g.next())
        return UUIDGenerator { state.nextPair() }
    }()

    /// Deterministic UUIDs from a seed (tests).
    public static func seeded(_ seed: UInt64) -> UUIDGenerator {
        let state = SeededState(seed)
        return UUIDGenerator { state.nextPair() }
    }

    public init(_ next: @escaping @Sendable () -> (UInt64, UInt64)) { self.next = next }

    public func callAsFunction() -> String {
        var (hi, lo) = next()
        hi = (hi & ~0xF000) | 0x4000             // version 4
        lo = (lo & ~(0xC << 60)) | (0x8 << 60)   // variant 10xx
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8](); out.reserveCapacity(36)
        for i in 0..<16 {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            let byte = i < 8 ? UInt8(truncatingIfNeeded: hi >> (56 - 8 * i)) : UInt8(truncatingIfNeeded: lo >> (56 - 8 * (i - 8)))
            out.append(hex[Int(byte >> 4)]); out.append(hex[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

import Synchronization

/// A splitmix64 stream shared by the closures of a seeded generator.
final class SeededState: Sendable {
    // Relaxed is enough: only uniqueness/determinism of the sequence matters, not ordering with other memory.
    private let state: Atomic<UInt64>
    init(_ seed: UInt64) { state = Atomic(seed) }
    func next() -> UInt64 {
        // wrappingAdd is atomic, so concurrent callers each get a distinct counter value (relaxed: no other data is published).
        var z = state.wrappingAdd(0x9E3779B97F4A7C15, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    func nextPair() -> (UInt64, UInt64) { (next(), next()) }
}
