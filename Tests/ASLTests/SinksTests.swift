@testable import ASL
import ASLJSON
import Testing

@Suite("Sinks: reorder ring, log lines")
struct SinksTests {
    @Test("items arriving in any order come out in sequence order, each exactly once", arguments: [1, 2, 16, 4096])
    func reorderRing(capacity: Int) {
        var rng = SystemRandomNumberGenerator()
        // Shuffled within windows of 300, so the ring must hold items far ahead of the next due.
        var order: [Int] = []
        for window in stride(from: 0, to: 3000, by: 300) { order += Array(window..<(window + 300)).shuffled(using: &rng) }
        var ring = ReorderRing<String>(capacity: capacity)
        var out: [String] = []
        for seq in order { ring.insert("item \(seq)", seq: seq, into: &out) }
        #expect(out == (0..<3000).map { "item \($0)" })
        #expect(ring.next == 3000)
        #expect(ring.waiting == 0)
    }

    @Test("an item held back waits until every earlier one arrived")
    func reorderRingHoldsBack() {
        var ring = ReorderRing<Int>()
        var out: [Int] = []
        ring.insert(2, seq: 2, into: &out)
        ring.insert(1, seq: 1, into: &out)
        #expect(out.isEmpty)
        #expect(ring.waiting == 2)
        ring.insert(0, seq: 0, into: &out)
        #expect(out == [0, 1, 2])
    }

    @Test("a log event is written as CloudWatch Logs has it: string ids and timestamp, fields in AWS's order")
    func logEventBytes() {
        let event = LogEvent(id: 3, previousEventId: 2, type: "PassStateExited", timestampMilliseconds: 1_700_000_000_123,
                             executionArn: "arn:aws:states:us-east-1:1:express:m:n:u",
                             details: ["name": "P", "output": "{\"a\":\"é\\n\"}"])
        let expected = #"{"id":"3","type":"PassStateExited","details":{"name":"P","output":"{\"a\":\"é\\n\"}"},"previous_event_id":"2","event_timestamp":"1700000000123","execution_arn":"arn:aws:states:us-east-1:1:express:m:n:u","redrive_count":"0"}"#
        #expect(String(decoding: event.bytes, as: UTF8.self) == expected)
    }

    @Test("a line log sink hands over one whole line per event")
    func lineLogSink() {
        let lines = Collected()
        let sink = LineLogSink(append: { lines.add($0) })
        sink.write(LogEvent(id: 1, previousEventId: 0, type: "ExecutionStarted", timestampMilliseconds: 5, executionArn: "a", details: [:]))
        #expect(lines.all.map { String(decoding: $0, as: UTF8.self) } == [
            #"{"id":"1","type":"ExecutionStarted","details":{},"previous_event_id":"0","event_timestamp":"5","execution_arn":"a","redrive_count":"0"}"#,
        ])
    }
}

import Synchronization

private final class Collected: Sendable {
    private let lines = Mutex<[[UInt8]]>([])
    func add(_ line: [UInt8]) { lines.withLock { $0.append(line) } }
    var all: [[UInt8]] { lines.withLock { $0 } }
}
