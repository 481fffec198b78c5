/// Puts items that arrive in any order back into sequence order.
///
/// Items are numbered 0, 1, 2, … (their input order). ``insert(_:seq:into:)`` appends to `ready`
/// the item just inserted if it is the next one due, followed by every item already waiting
/// behind it. Items that arrive early wait in a ring indexed by `seq & (capacity - 1)`; the
/// ring grows (to a power of two) when an item arrives further ahead than it holds, so a
/// caller's own bound on items outstanding (the memory budget) keeps it small. Not thread-safe:
/// the caller locks.
public struct ReorderRing<Element> {
    private var slots: [Element?]
    private var seqs: [Int]
    /// The sequence number of the next item due.
    public private(set) var next = 0

    /// A ring holding `capacity` items ahead of the next one due (rounded up to a power of two).
    public init(capacity: Int = 4096) {
        var c = 16
        while c < capacity { c <<= 1 }
        slots = Array(repeating: nil, count: c)
        seqs = Array(repeating: -1, count: c)
    }

    /// Items waiting for an earlier one.
    public private(set) var waiting = 0

    /// Hands over item `seq` (each number exactly once); appends to `ready` whatever is now in order.
    public mutating func insert(_ element: Element, seq: Int, into ready: inout [Element]) {
        precondition(seq >= next, "ReorderRing: item \(seq) was already handed on")
        if seq != next {
            if seq - next >= slots.count { grow(toHold: seq) }
            let i = seq & (slots.count - 1)
            slots[i] = element
            seqs[i] = seq
            waiting += 1
            return
        }
        ready.append(element)
        next += 1
        let mask = slots.count - 1
        while seqs[next & mask] == next, let item = slots[next & mask] {
            slots[next & mask] = nil
            seqs[next & mask] = -1
            waiting -= 1
            ready.append(item)
            next += 1
        }
    }

    private mutating func grow(toHold seq: Int) {
        var capacity = slots.count
        while seq - next >= capacity { capacity <<= 1 }
        var grownSlots = [Element?](repeating: nil, count: capacity)
        var grownSeqs = [Int](repeating: -1, count: capacity)
        for i in slots.indices where seqs[i] >= 0 {
            grownSlots[seqs[i] & (capacity - 1)] = slots[i]
            grownSeqs[seqs[i] & (capacity - 1)] = seqs[i]
        }
        slots = grownSlots
        seqs = grownSeqs
    }
}
