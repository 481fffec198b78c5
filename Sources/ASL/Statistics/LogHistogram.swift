/// Log-bucketed histogram layout for durations in nanoseconds: 8 buckets per power of two
/// (at most 12.5 % relative error), exact below 8 ns, everything from 2^44 ns (~4.9 h) up in
/// the last bucket. Only the bucket arithmetic lives here; the counts live in a
/// ``StatisticsShard``'s cells so that recording is a plain increment.
enum LogHistogram {
    static let subBits = 3
    static let subBuckets = 1 << subBits
    static let maxExponent = 43
    /// Buckets per histogram.
    static let bucketCount = (maxExponent - subBits + 2) * subBuckets

    /// The bucket of `value` (ns).
    @inline(__always)
    static func bucket(_ value: UInt64) -> Int {
        if value < UInt64(subBuckets) { return Int(value) }
        let exponent = 63 - value.leadingZeroBitCount
        if exponent > maxExponent { return bucketCount - 1 }
        let sub = Int(truncatingIfNeeded: value >> UInt64(exponent - subBits)) & (subBuckets - 1)
        return (exponent - subBits + 1) * subBuckets + sub
    }

    /// The smallest value that falls in `bucket`.
    static func lowerBound(_ bucket: Int) -> UInt64 {
        if bucket < subBuckets { return UInt64(bucket) }
        let exponent = bucket / subBuckets + subBits - 1
        let sub = UInt64(bucket % subBuckets)
        return (UInt64(subBuckets) | sub) << UInt64(exponent - subBits)
    }

    /// The value a quantile in `bucket` is reported as: the middle of the bucket's range,
    /// never above the largest value recorded.
    static func representative(_ bucket: Int, max: UInt64) -> UInt64 {
        let low = lowerBound(bucket)
        let high = bucket + 1 < bucketCount ? lowerBound(bucket + 1) : low
        let mid = high > low ? low + (high - low - 1) / 2 : low
        return Swift.min(mid, max)
    }

    /// The `q` quantile (0...1) of merged `counts` (nearest rank), 0 when empty.
    static func quantile(_ q: Double, counts: [UInt64], max: UInt64) -> UInt64 {
        let total = counts.reduce(0, &+)
        guard total > 0 else { return 0 }
        let rank = Swift.max(1, UInt64((q * Double(total)).rounded(.up)))
        var seen: UInt64 = 0
        for (i, c) in counts.enumerated() where c > 0 {
            seen &+= c
            if seen >= rank { return representative(i, max: max) }
        }
        return max
    }
}
