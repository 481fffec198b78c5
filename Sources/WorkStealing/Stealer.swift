import Synchronization

/// The outcome of one steal attempt.
@usableFromInline
enum StealResult<Job> {
    /// The victim had nothing to take (or the thief's own queue had no room for half of it).
    case empty
    /// One job to run now; the rest of the batch is already in the thief's queue.
    case success(Job)
    /// Another thief is mid-steal on this victim; worth trying again later.
    case retry
}

/// A thief's handle on another worker's `LocalQueue`. Any thread may hold one.
@usableFromInline
struct Stealer<Job: Sendable>: Sendable {
    @usableFromInline let buffer: QueueBuffer<Job>

    @usableFromInline init(buffer: QueueBuffer<Job>) { self.buffer = buffer }

    /// Whether the victim looks empty (a snapshot, used by the re-check before parking).
    @inlinable var isEmpty: Bool {
        // Acquiring on both: pairs with the owner's releasing store of `tail` and the releasing
        // CASes on `head`, so a non-empty answer is backed by initialised slots.
        let (_, real) = unpackHead(buffer.head.load(ordering: .acquiring))
        return real == buffer.tail.load(ordering: .acquiring)
    }

    /// Steals half (rounded up) of the victim's jobs into `destination`, which must be the calling
    /// thread's own queue, and returns one of them to run.
    @inlinable
    func steal(into destination: LocalQueue<Job>) -> StealResult<Job> {
        let dst = destination.buffer
        // Relaxed: the calling thread owns `destination` and is the only writer of its `tail`.
        let dstTail = dst.tail.load(ordering: .relaxed)
        // Acquiring: pairs with the releasing CAS of thieves that finished stealing from *our*
        // queue, so the slots we are about to overwrite are no longer being read.
        let (dstSteal, _) = unpackHead(dst.head.load(ordering: .acquiring))
        // Only steal into a queue that is at most half full: then any batch fits. The worker only
        // steals when its queue is empty, so this fails only while a thief is draining ours.
        if dstTail &- dstSteal > dst.capacity / 2 { return .empty }

        let src = buffer
        // Acquiring: pairs with the owner's and other thieves' releasing CASes on `head`.
        var prev = src.head.load(ordering: .acquiring)
        var claimed: UInt64
        var first: UInt32
        var n: UInt32
        while true {
            let (steal, real) = unpackHead(prev)
            if steal != real { return .retry }
            // Acquiring: pairs with the owner's releasing store of `tail` in `push`; every slot
            // below the loaded tail is initialised and visible.
            let srcTail = src.tail.load(ordering: .acquiring)
            let available = srcTail &- real
            n = available - available / 2
            if n == 0 { return .empty }
            // Cap at what the destination can take (equal capacities make this a no-op).
            n = min(n, dst.capacity / 2)
            first = real
            claimed = packHead(steal: steal, real: real &+ n)
            // Acquiring-and-releasing on success: claims `[real, real + n)`; `steal` stays behind so
            // the owner cannot reuse the slots yet. Acquiring on failure: retry with newer `head`.
            let (exchanged, current) = src.head.compareExchange(
                expected: prev, desired: claimed,
                successOrdering: .acquiringAndReleasing, failureOrdering: .acquiring)
            if exchanged { break }
            prev = current
        }

        #if DEBUG
        src._afterStealClaim?()
        #endif

        for i in 0..<n {
            dst.slot(dstTail &+ i).initialize(to: src.slot(first &+ i).move())
        }

        // Give the slots back: `steal` catches up with `real` (which the owner's pops may have
        // advanced meanwhile).
        prev = claimed
        while true {
            let (_, real) = unpackHead(prev)
            // Releasing on success: our moves out of the slots happen-before the owner's acquiring
            // load of `head` in `push` that lets it write them again. Acquiring on failure: we need
            // the owner's latest `real`.
            let (exchanged, current) = src.head.compareExchange(
                expected: prev, desired: packHead(steal: real, real: real),
                successOrdering: .releasing, failureOrdering: .acquiring)
            if exchanged { break }
            prev = current
        }

        n -= 1
        let job = dst.slot(dstTail &+ n).move()
        if n > 0 {
            // Releasing: publishes the stolen slots to whoever steals from us next (acquiring load
            // of `tail` in `steal(into:)`).
            dst.tail.store(dstTail &+ n, ordering: .releasing)
        }
        return .success(job)
    }
}
