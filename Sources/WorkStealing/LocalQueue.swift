import Synchronization

// MARK: - Shared ring

/// The fixed-size ring behind one worker's run queue, shared by its owner (`LocalQueue`) and any
/// number of thieves (`Stealer`).
///
/// This is tokio's local queue (`runtime/scheduler/multi_thread/queue.rs`): a power-of-two ring
/// with a single producer and a *two-part head*. `head` packs `steal` (high 32 bits) and `real`
/// (low 32 bits). `real` is the next slot to pop or steal. `steal` lags behind `real` while a thief
/// is still moving the slots it claimed out of the ring; while `steal != real` no other thief may
/// claim, and the owner may not write over slots in `[steal, steal + capacity)`. Indices are
/// `UInt32` and wrap; only differences are meaningful.
///
/// Why not Chase-Lev: Chase-Lev needs a sequentially consistent fence on every owner pop and a
/// growable buffer (or an overflow path it was not designed for); the tokio ring needs one
/// compare-and-swap per pop, no fence, and hands half of a full ring to the injector in one batch.
///
/// `@unchecked Sendable`: `slots` is plain memory. A slot is initialised only by the owner, at
/// `tail`, before the releasing store of `tail` that publishes it; it is moved out only by the one
/// party (owner pop or a thief) whose compare-and-swap on `head` claimed it. The owner reuses a slot
/// only after observing (acquiring load of `head`) the thief's releasing store that gives it back.
@usableFromInline
final class QueueBuffer<Job: Sendable>: @unchecked Sendable {
    @usableFromInline let capacity: UInt32
    @usableFromInline let mask: UInt32
    @usableFromInline let slots: UnsafeMutablePointer<Job>
    /// `steal << 32 | real`. Written by the owner (pop, overflow) and thieves (claim, release).
    @usableFromInline let head = Atomic<UInt64>(0)
    /// One past the last initialised slot. Stored only by the owner; loaded by thieves.
    @usableFromInline let tail = Atomic<UInt32>(0)

    #if DEBUG
    /// Test seam: runs in `Stealer.steal(into:)` after the claim on `head` succeeded and before the
    /// claimed slots are moved. Set it before any thread touches the queue.
    @usableFromInline nonisolated(unsafe) var _afterStealClaim: (() -> Void)?
    #endif

    /// - Parameter startIndex: where `head` and `tail` start; tests use values near `UInt32.max`
    ///   to exercise wrap-around.
    @usableFromInline
    init(capacity: Int, startIndex: UInt32 = 0) {
        precondition(capacity >= 2 && capacity <= 1 << 30 && capacity & (capacity - 1) == 0,
                     "local queue capacity must be a power of two in 2...2^30")
        self.capacity = UInt32(capacity)
        self.mask = UInt32(capacity - 1)
        self.slots = .allocate(capacity: capacity)
        head.store(packHead(steal: startIndex, real: startIndex), ordering: .relaxed)
        tail.store(startIndex, ordering: .relaxed)
    }

    deinit {
        // No other party can exist any more, so plain reads are fine.
        let (_, real) = unpackHead(head.load(ordering: .relaxed))
        let tail = tail.load(ordering: .relaxed)
        var i = real
        while i != tail {
            (slots + Int(i & mask)).deinitialize(count: 1)
            i &+= 1
        }
        slots.deallocate()
    }

    @inlinable @inline(__always) func slot(_ index: UInt32) -> UnsafeMutablePointer<Job> {
        slots + Int(index & mask)
    }
}

@inlinable @inline(__always) func packHead(steal: UInt32, real: UInt32) -> UInt64 {
    UInt64(steal) << 32 | UInt64(real)
}

@inlinable @inline(__always) func unpackHead(_ head: UInt64) -> (steal: UInt32, real: UInt32) {
    (UInt32(truncatingIfNeeded: head >> 32), UInt32(truncatingIfNeeded: head))
}

// MARK: - Owner handle

/// The owner's end of a worker's run queue: push and pop, FIFO. Only the owning worker thread may
/// use it (it is deliberately not `Sendable`); thieves go through a `Stealer`.
@usableFromInline
struct LocalQueue<Job: Sendable> {
    @usableFromInline let buffer: QueueBuffer<Job>

    @usableFromInline
    init(capacity: Int, startIndex: UInt32 = 0) {
        buffer = QueueBuffer(capacity: capacity, startIndex: startIndex)
    }

    @inlinable var capacity: Int { Int(buffer.capacity) }

    /// A thief's handle on this queue.
    @usableFromInline var stealer: Stealer<Job> { Stealer(buffer: buffer) }

    /// Jobs in the ring, including ones a thief has claimed but not yet moved out.
    @inlinable var count: Int {
        // Acquiring: pairs with thieves' releasing CAS on `head`; only a snapshot.
        let (steal, _) = unpackHead(buffer.head.load(ordering: .acquiring))
        // Relaxed: only this (owner) thread stores `tail`.
        return Int(buffer.tail.load(ordering: .relaxed) &- steal)
    }

    /// Free slots the owner could fill without overflowing.
    @inlinable var remainingSlots: Int { capacity - count }

    @inlinable var isEmpty: Bool {
        let (_, real) = unpackHead(buffer.head.load(ordering: .acquiring))
        return real == buffer.tail.load(ordering: .relaxed)
    }

    /// Appends `job`. When the ring is full, half of it plus `job` move to `injector` in one batch;
    /// when a thief is mid-steal (so space is about to appear), `job` alone goes to `injector`.
    @inlinable
    func push(_ job: Job, overflow injector: Injector<Job>) {
        let b = buffer
        while true {
            // Acquiring: pairs with the releasing CAS by which a thief finishes a steal, so the
            // slots it moved out happen-before we write over them.
            let (steal, real) = unpackHead(b.head.load(ordering: .acquiring))
            // Relaxed: only this thread stores `tail`.
            let tail = b.tail.load(ordering: .relaxed)
            if tail &- steal < b.capacity {
                b.slot(tail).initialize(to: job)
                // Releasing: publishes the slot written above. Pairs with the acquiring load of
                // `tail` in `Stealer.steal(into:)`.
                b.tail.store(tail &+ 1, ordering: .releasing)
                return
            }
            if steal != real {
                // A thief holds `[steal, real)`; it will free space shortly. Don't wait for it.
                injector.push(job)
                return
            }
            if pushOverflow(job, real: real, tail: tail, injector: injector) { return }
            // A thief claimed some jobs first, so there is room now: try again.
        }
    }

    /// Moves the older half of a full ring plus `job` into the injector. Fails if a thief's claim
    /// changed `head` first.
    @usableFromInline
    func pushOverflow(_ job: Job, real: UInt32, tail: UInt32, injector: Injector<Job>) -> Bool {
        let b = buffer
        let half = b.capacity / 2
        precondition(tail &- real == b.capacity, "overflow of a queue that is not full")
        let claimed = packHead(steal: real &+ half, real: real &+ half)
        // Acquiring-and-releasing on success: claims `[real, real + half)` for us, exactly like a
        // thief's claim; pairs with the acquiring loads of `head` in `steal(into:)` and `pop()`.
        // Relaxed on failure: we only retry.
        let (exchanged, _) = b.head.compareExchange(
            expected: packHead(steal: real, real: real), desired: claimed,
            successOrdering: .acquiringAndReleasing, failureOrdering: .relaxed)
        if !exchanged { return false }
        var batch: [Job] = []
        batch.reserveCapacity(Int(half) + 1)
        for i in 0..<half {
            batch.append(b.slot(real &+ i).move())
        }
        batch.append(job)
        injector.push(contentsOf: batch)
        return true
    }

    /// Appends jobs known to fit (the caller checked `remainingSlots`) with one publishing store.
    @inlinable
    func pushBatch<S: Sequence<Job>>(_ jobs: S) {
        let b = buffer
        // Relaxed: only this thread stores `tail`.
        var tail = b.tail.load(ordering: .relaxed)
        let start = tail
        let room = UInt32(remainingSlots)
        for job in jobs {
            precondition(tail &- start < room, "pushBatch overflow")
            b.slot(tail).initialize(to: job)
            tail &+= 1
        }
        // Releasing: publishes every slot written above to thieves (acquiring load of `tail`).
        b.tail.store(tail, ordering: .releasing)
    }

    /// Takes the oldest job, or nil when the ring is empty (or only holds jobs a thief claimed).
    @inlinable
    func pop() -> Job? {
        let b = buffer
        // Acquiring: pairs with thieves' releasing CAS on `head`.
        var head = b.head.load(ordering: .acquiring)
        while true {
            let (steal, real) = unpackHead(head)
            // Relaxed: only this thread stores `tail`.
            if real == b.tail.load(ordering: .relaxed) { return nil }
            let nextReal = real &+ 1
            // With no steal in progress both halves move together; otherwise leave `steal` for
            // the thief to release.
            let next = steal == real
                ? packHead(steal: nextReal, real: nextReal)
                : packHead(steal: steal, real: nextReal)
            // Acquiring-and-releasing on success: orders this claim against thieves' claims on the
            // same word. Acquiring on failure: we re-read a thief's newer `head`.
            let (exchanged, current) = b.head.compareExchange(
                expected: head, desired: next,
                successOrdering: .acquiringAndReleasing, failureOrdering: .acquiring)
            if exchanged { return b.slot(real).move() }
            head = current
        }
    }
}

@available(*, unavailable, message: "only the owning worker may use its LocalQueue")
extension LocalQueue: Sendable {}
