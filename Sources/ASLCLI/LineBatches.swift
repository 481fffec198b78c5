import ASLJSON
import Dispatch
import Synchronization

/// A run of input lines handed from the reader thread to an engine worker: the lines' bytes
/// back to back in one buffer, and where each line is. One allocation (recycled) for many
/// lines, and one hand-off between threads for all of them.
final class LineBatch: @unchecked Sendable {
    struct Entry {
        /// 0-based position among the non-blank input lines (the result order).
        var seq: Int
        var line: NDJSONLine
    }
    var bytes: [UInt8] = []
    var entries: [Entry] = []
}

/// The batches out on engine workers: a free list of processed batches for reuse, and a count
/// the reader waits on at the end.
final class LineBatches: Sendable {
    private let spare = Mutex<[LineBatch]>([])
    /// Entered per batch handed out, left when its worker has processed it.
    private let outstanding = DispatchGroup()

    /// An empty batch (a recycled one when available, keeping its buffers' capacity).
    func make() -> LineBatch {
        spare.withLock { $0.popLast() } ?? LineBatch()
    }

    /// A batch is about to go to a worker.
    func started() { outstanding.enter() }

    /// A worker is done with `batch` (every line started or rejected).
    func finished(_ batch: LineBatch) {
        batch.bytes.removeAll(keepingCapacity: batch.bytes.capacity <= 1 << 20)
        batch.entries.removeAll(keepingCapacity: true)
        spare.withLock { if $0.count < 64 { $0.append(batch) } }
        outstanding.leave()
    }

    /// Returns once every batch handed out has been processed.
    func waitUntilProcessed() { outstanding.wait() }
}

/// The result lines of one batch, gathered on the worker that runs it and handed to the writer
/// together, in one lock, when the batch ends. A result that comes after that (an execution
/// that suspended and finished later, anywhere) goes to the writer on its own.
final class BatchResults: Sendable {
    private struct State {
        var open = true
        var items: [ResultEmitter.Item] = []
    }
    private let state = Mutex(State())
    private let emitter: ResultEmitter

    init(emitter: ResultEmitter) { self.emitter = emitter }

    func deliver(_ item: ResultEmitter.Item) {
        let kept = state.withLock { s -> Bool in
            guard s.open else { return false }
            s.items.append(item)
            return true
        }
        if !kept { emitter.complete(item) }
    }

    /// The batch has ended: hands over what it produced.
    func close() {
        let items = state.withLock { s -> [ResultEmitter.Item] in
            s.open = false
            return s.items
        }
        if !items.isEmpty { emitter.complete(contentsOf: items) }
    }
}
