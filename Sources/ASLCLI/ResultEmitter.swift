import ASL
import Dispatch
import Foundation
import Synchronization

/// Puts result lines in order, writes them from one thread, decides when to flush, and
/// keeps the journal.
///
/// Executions complete on any thread and hand their line to ``complete(_:)``. In ordered mode
/// a line waits in a reorder buffer until every earlier line is out. A line's share of the memory
/// budget (the engine's ``Admission``) is given back when the line has been handed to the output channel, not when
/// its execution completes, so the reader (which takes budget before it reads) keeps input,
/// executions and reorder buffer under `--max-memory`, and stops reading while stdout is not
/// draining.
///
/// Flushing: an interactive output (pipe, terminal) is flushed when its oldest unwritten byte
/// is 2 ms old, when the reader is about to block on input, and at the end; a regular file
/// is written in 64 KiB batches or every 100 ms.
///
/// Wake-ups: while results are outstanding the writer polls (a short sleep after a small batch)
/// rather than being signalled for every completion; completing threads signal it only when it
/// sleeps with nothing outstanding. Ordered mode's reorder buffer is a ring indexed by sequence
/// number (the memory budget bounds how far ahead a completion can be).
final class ResultEmitter: @unchecked Sendable {
    struct Item {
        var seq: Int
        var line: RecordFormatter.Line
        var lineNumber: Int
        var endOffset: Int64
        /// Bytes of the memory budget this line holds until it is written (the result's added here).
        var cost: Int
    }

    private let condition = NSCondition()
    // Guarded by `condition`.
    /// Items handed over, in the order they arrived.
    private var arrived: [Item] = []
    private var flushRequested = false
    private var poked = false
    private var totalItems: Int?
    /// The writer is blocked in `wait` and nobody has signalled it yet.
    private var writerWaiting = false
    /// ... and no result is outstanding, so a completion must wake it (otherwise it polls).
    private var writerIdle = false

    // Writer thread only.
    private var emitted = 0
    private var done: [Int: (Int64, Int)] = [:]
    private var prefixNext = 0
    private var position: (offset: Int64, line: Int)
    private var journal: Journal?
    private var lastJournalWrite: UInt64 = 0
    private var journaledPrefix = 0
    private let journalEvery: Int
    /// The journal's identity fields, and the lines done ahead of the prefix in an earlier run.
    private let base: JournalState

    private let ordered: Bool
    /// Prefix each stdout record with its input line number and a tab (`--supervise`'s relay).
    var tagLines = false
    /// The engine's admission control, whose memory budget lines hold until written. Set once, before ``start()``.
    var admission: Admission!
    /// Set once, before ``start()``.
    var channels: (stdout: OutputChannel, stderr: OutputChannel, extra: [OutputChannel])!

    let linesIn = Atomic<Int>(0)
    let linesOut = Atomic<Int>(0)
    let failedCount = Atomic<Int>(0)
    /// Executions started and not yet finished.
    let running = Atomic<Int>(0)
    private let failure = Mutex<String?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    /// `start`: where the run starts (from the journal): position, lines done beyond it, and
    /// the definition and input identity every journal write records.
    init(ordered: Bool, journal: Journal?, start: JournalState, journalEveryResult: Bool = false) {
        self.ordered = ordered
        self.journalEvery = journalEveryResult ? 1 : 1024
        self.journal = journal
        self.position = (start.offset, start.line)
        self.base = start
    }

    /// The first I/O failure (results or journal), if any: the run stops reading input.
    var ioFailure: String? { failure.withLock { $0 } }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "aslx-output"
        thread.start()
    }

    private let journaled = NSCondition()
    /// Items 0..<journaledCount are written and journaled (guarded by `journaled`).
    private var journaledCount = 0

    /// Blocks until every item before `seq` is written and journaled (`--isolate`).
    func waitUntilJournaled(before seq: Int) {
        journaled.lock()
        while journaledCount < seq && ioFailure == nil {
            _ = journaled.wait(until: Date(timeIntervalSinceNow: 0.1))
        }
        journaled.unlock()
    }

    /// Hands over the line for item `seq` (0-based, in input order). Thread-safe.
    func complete(_ item: Item) {
        var item = item
        let resultBytes = (item.line.stdout?.count ?? 0) + (item.line.stderr?.count ?? 0)
        admission.chargeMemory(resultBytes)
        item.cost += resultBytes
        condition.lock()
        arrived.append(item)
        if writerIdle { wakeWriter() }
        condition.unlock()
    }

    /// Hands over many lines at once (a batch's): one lock for all of them.
    func complete(contentsOf items: [Item]) {
        var resultBytes = 0
        for item in items { resultBytes += (item.line.stdout?.count ?? 0) + (item.line.stderr?.count ?? 0) }
        admission.chargeMemory(resultBytes)
        condition.lock()
        for var item in items {
            item.cost += (item.line.stdout?.count ?? 0) + (item.line.stderr?.count ?? 0)
            arrived.append(item)
        }
        if writerIdle { wakeWriter() }
        condition.unlock()
    }

    /// Call with `condition` locked: one signal per writer sleep, however many lines arrive.
    private func wakeWriter() {
        if writerWaiting {
            writerWaiting = false
            writerIdle = false
            condition.signal()
        }
    }

    /// Asks for a flush now (the reader is about to block, so nothing new is coming soon).
    func requestFlush() {
        condition.lock()
        flushRequested = true
        wakeWriter()
        condition.unlock()
    }

    /// Wakes the writer so that it schedules a flush of data appended by other threads (logs).
    func poke() {
        condition.lock()
        poked = true
        wakeWriter()
        condition.unlock()
    }

    /// No more items after the first `count`; returns when all are written, flushed and journaled.
    func finish(total count: Int) {
        condition.lock()
        totalItems = count
        wakeWriter()
        condition.unlock()
        finished.wait()
    }

    private func fail(_ message: String) {
        failure.withLock { if $0 == nil { $0 = message } }
    }

    private func run() {
        let (stdout, stderr, extra) = channels
        let all = [stdout, stderr] + extra
        var lastBatch = 0
        var batch: [Item] = []
        var incoming: [Item] = []
        /// Ordered mode: items waiting for an earlier one (writer thread only).
        var pending = ReorderRing<Item>()
        var poll = Self.pollMicroseconds
        while true {
            // Results outstanding and the last batch small: let completions accumulate instead of
            // being woken by each of them.
            if lastBatch > 0 && lastBatch < Self.pollBatch && linesIn.load(ordering: .relaxed) > emitted {
                usleep(UInt32(Self.pollMicroseconds))
            }
            condition.lock()
            while arrived.isEmpty && !flushRequested && !poked && !(totalItems.map { emitted >= $0 } ?? false) {
                var deadline = nextDeadline(all)
                if linesIn.load(ordering: .relaxed) > emitted {
                    // Results outstanding: poll, backing off while nothing completes.
                    let due = monotonicNanoseconds() &+ UInt64(poll) * 1000
                    deadline = min(deadline ?? due, due)
                    poll = min(poll * 2, Self.maxPollMicroseconds)
                } else {
                    writerIdle = true
                }
                writerWaiting = true
                let signalled: Bool
                if let deadline {
                    signalled = condition.wait(until: Self.date(deadline))
                } else {
                    condition.wait()
                    signalled = true
                }
                writerWaiting = false
                writerIdle = false
                if !signalled { break }
            }
            swap(&arrived, &incoming)
            let forced = flushRequested
            flushRequested = false
            poked = false
            let total = totalItems
            condition.unlock()

            lastBatch = incoming.count
            if !incoming.isEmpty { poll = Self.pollMicroseconds }
            // Ordered mode: the ring holds items that came before an earlier one.
            if ordered {
                for item in incoming { pending.insert(item, seq: item.seq, into: &batch) }
            } else {
                swap(&batch, &incoming)
            }
            incoming.removeAll(keepingCapacity: true)
            var failedInBatch = 0
            var toStderr = false
            let tag = tagLines
            stdout.appendLines { add in
                for item in batch {
                    if let bytes = item.line.stdout {
                        // `--supervise` relays results and drops those a crashed child wrote already.
                        if tag { add(Array("\(item.lineNumber)\t".utf8) + bytes) } else { add(bytes) }
                    }
                    if item.line.stderr != nil { toStderr = true }
                    if item.line.failed { failedInBatch += 1 }
                }
            }
            if toStderr {
                stderr.appendLines { add in
                    for item in batch { if let bytes = item.line.stderr { add(bytes) } }
                }
            }
            if ordered {
                if let last = batch.last {
                    position = (last.endOffset, last.lineNumber)
                    prefixNext = last.seq + 1
                }
            } else {
                for item in batch {
                    done[item.seq] = (item.endOffset, item.lineNumber)
                    while let p = done.removeValue(forKey: prefixNext) {
                        position = p
                        prefixNext += 1
                    }
                }
            }
            if !batch.isEmpty {
                var bytes = 0
                for item in batch { bytes += item.cost }
                admission.releaseMemory(bytes)
            }
            emitted += batch.count
            if !batch.isEmpty {
                linesOut.add(batch.count, ordering: .relaxed)
                failedCount.add(failedInBatch, ordering: .relaxed)
            }
            let isDone = total.map { emitted >= $0 } ?? false
            let now = monotonicNanoseconds()
            for channel in all {
                guard let since = channel.pendingSince else { continue }
                if isDone || forced || now &- since >= Self.interval(channel) { channel.flush() }
            }
            if stdout.writeErrno != 0 { fail("cannot write results: \(errnoText(stdout.writeErrno))") }
            // A log sink that fails is an error too (exit 74), not silently dropped events.
            for channel in extra { if let failure = channel.failure { fail(failure) } }
            // Often enough that a kill -9 repeats at most about one window of results.
            if journal != nil, isDone || prefixNext - journaledPrefix >= journalEvery || now &- lastJournalWrite >= 200_000_000 {
                writeJournal(stdout: stdout, stderr: stderr)
                lastJournalWrite = now
                journaledPrefix = prefixNext
                journaled.lock()
                journaledCount = prefixNext
                journaled.broadcast()
                journaled.unlock()
            }
            batch.removeAll(keepingCapacity: true)
            if isDone {
                finished.signal()
                return
            }
        }
    }

    /// Records the position of the contiguous prefix of written results, and the lines written
    /// beyond it (`--unordered`), once they are on disk.
    private func writeJournal(stdout: OutputChannel, stderr: OutputChannel) {
        guard var j = journal, ioFailure == nil else { return }
        var state = base
        state.offset = position.offset
        state.line = position.line
        state.done = Self.ranges(carried: base.done, above: position.line, plus: done.values.map { $0.1 })
        stdout.flush()
        stderr.flush()
        // kill -9 keeps written bytes (they are in the page cache); fsync is for power loss.
        if !stdout.isInteractive { stdout.sync() }
        guard stdout.writeErrno == 0 else { return }
        state.output = OutputMark.of(stdout.fd)
        do throws(JournalError) {
            try j.write(state)
            journal = j
        } catch {
            fail(error.description)
            journal = nil
        }
    }

    /// `carried` ranges clipped to lines above `line`, merged with the line numbers `extra`.
    static func ranges(carried: [ClosedRange<Int>], above line: Int, plus extra: [Int]) -> [ClosedRange<Int>] {
        var all: [ClosedRange<Int>] = []
        for r in carried where r.upperBound > line { all.append(max(r.lowerBound, line + 1)...r.upperBound) }
        for n in extra where n > line { all.append(n...n) }
        guard !all.isEmpty else { return [] }
        all.sort { $0.lowerBound < $1.lowerBound }
        var merged = [all[0]]
        for r in all.dropFirst() {
            let last = merged[merged.count - 1]
            if r.lowerBound <= last.upperBound + 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        return merged
    }

    /// A batch smaller than this makes the writer sleep `pollMicroseconds` before the next one.
    private static let pollBatch = 256
    private static let pollMicroseconds = 250
    /// The longest poll while results are outstanding but none completes (slow executions).
    private static let maxPollMicroseconds = 2000

    private static func interval(_ channel: OutputChannel) -> UInt64 {
        channel.isInteractive ? 2_000_000 : 100_000_000
    }

    /// A monotonic deadline as a `Date` for `NSCondition.wait(until:)`.
    private static func date(_ monotonic: UInt64) -> Date {
        let now = monotonicNanoseconds()
        return Date(timeIntervalSinceNow: monotonic > now ? Double(monotonic - now) / 1e9 : 0)
    }

    /// The monotonic time of the next flush or journal write due, if any.
    private func nextDeadline(_ channels: [OutputChannel]) -> UInt64? {
        var earliest: UInt64?
        for channel in channels {
            if let since = channel.pendingSince {
                let due = since &+ Self.interval(channel)
                earliest = min(earliest ?? due, due)
            }
        }
        if journal != nil, emitted > 0 {
            let due = lastJournalWrite &+ 200_000_000
            earliest = min(earliest ?? due, due)
        }
        return earliest
    }
}
