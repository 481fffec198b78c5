import ASLJSON
import Foundation

/// A run of input lines handed from the reader thread to a parser thread: the lines' bytes
/// back to back in one buffer, and where each line is. One allocation (recycled) for many lines,
/// so the reader only splits lines and the parsing happens on other threads.
final class LineBatch: @unchecked Sendable {
    struct Entry {
        /// 0-based position among the non-blank input lines (the result order).
        var seq: Int
        var line: NDJSONLine
    }
    var bytes: [UInt8] = []
    var entries: [Entry] = []
}

/// Batches waiting for a parser thread, and a free list of processed batches for reuse.
final class BatchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queued: [LineBatch] = []
    private var head = 0
    private var spare: [LineBatch] = []
    private var closed = false
    private var idle = 0
    /// Entered by each parser thread while it runs, so `close()` can wait for them to finish.
    private let running = DispatchGroup()

    /// Starts `threads` parser threads, each running `process` on batches as they arrive.
    init(threads: Int, process: @escaping @Sendable (LineBatch) -> Void) {
        for i in 0..<max(1, threads) {
            running.enter()
            let thread = Thread { [self] in
                while let batch = take() {
                    process(batch)
                    recycle(batch)
                }
                running.leave()
            }
            thread.name = "aslx-parse-\(i)"
            thread.start()
        }
    }

    /// An empty batch (a recycled one when available, keeping its buffers' capacity).
    func makeBatch() -> LineBatch {
        condition.lock()
        let batch = spare.popLast()
        condition.unlock()
        return batch ?? LineBatch()
    }

    func submit(_ batch: LineBatch) {
        condition.lock()
        queued.append(batch)
        if idle > 0 { condition.signal() }
        condition.unlock()
    }

    /// No more batches: returns once the threads have processed every queued batch and exited
    /// (so every line has started its execution or written its rejection by then).
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
        running.wait()
    }

    private func take() -> LineBatch? {
        condition.lock()
        defer { condition.unlock() }
        while head == queued.count {
            if closed { return nil }
            idle += 1
            condition.wait()
            idle -= 1
        }
        let batch = queued[head]
        head += 1
        if head == queued.count {
            queued.removeAll(keepingCapacity: true)
            head = 0
        }
        return batch
    }

    private func recycle(_ batch: LineBatch) {
        batch.bytes.removeAll(keepingCapacity: batch.bytes.capacity <= 1 << 20)
        batch.entries.removeAll(keepingCapacity: true)
        condition.lock()
        if spare.count < 64 { spare.append(batch) }
        condition.unlock()
    }
}
