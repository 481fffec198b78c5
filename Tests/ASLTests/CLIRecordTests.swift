@testable import ASL
import ASLJSON
@testable import ASLCLI
import Testing

/// The result record written field by field is byte-identical to `ExecutionOutcome.record`, and
/// both give the hand-written bytes of AWS's `StartSyncExecution` response shape.
@Suite struct CLIRecordTests {
    func outcome(start: Int64, stop: Int64, status: ExecutionStatus = .succeeded) -> ExecutionOutcome {
        ExecutionOutcome(
            executionArn: "arn:aws:states:us-east-1:123456789012:express:m:line-1:x", stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:m",
            name: "line-\"1\"\n", status: status, startDate: start, stopDate: stop,
            output: status == .succeeded ? ["a": [1, 2.5, "é"], "b": .null] : nil,
            error: status == .succeeded ? nil : "Boom", cause: status == .failed ? "it \"broke\"" : nil)
    }

    /// Expected bytes written by hand: field order as AWS returns them; dates as epoch seconds, an
    /// integer on a whole second, else as Java's `Double.toString` prints them (AWS's JSON protocol:
    /// `1.70000000012E9` at and above 10^7, plain `0.001` below); JSON escapes in `name` and `cause`.
    @Test func recordsHaveTheAWSShape() {
        let arns = #""executionArn":"arn:aws:states:us-east-1:123456789012:express:m:line-1:x","stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m","name":"line-\"1\"\n""#
        let cases: [(ExecutionOutcome, String)] = [
            (outcome(start: 1_700_000_000_120, stop: 1_700_000_001_000),
             "{" + arns + #","status":"SUCCEEDED","startDate":1.70000000012E9,"stopDate":1700000001,"output":{"a":[1,2.5,"é"],"b":null}}"#),
            (outcome(start: 0, stop: 1, status: .failed),
             "{" + arns + #","status":"FAILED","startDate":0,"stopDate":0.001,"error":"Boom","cause":"it \"broke\""}"#),
            (outcome(start: 999, stop: 1000, status: .timedOut),
             "{" + arns + #","status":"TIMED_OUT","startDate":0.999,"stopDate":1,"error":"Boom"}"#),
        ]
        for (o, expected) in cases {
            #expect(String(decoding: RecordFormatter.recordBytes(o), as: UTF8.self) == expected)
            #expect(JSONWriter.string(o.record) == expected)
        }
    }

    @Test func recordsMatchTheGenericSerializer() {
        var dates: [Int64] = [0, 1, 999, 1000, 1001, -1500, 1_000_000_000_000, 1_000_000_000_001, 1_000_000_000_010,
                              1_795_246_147_108, 1_795_246_147_100, 1_795_246_147_000, 9_999_999_999_999, 10_000_000_000_001,
                              999_999_999_999, 1_700_000_000_120]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 { dates.append(Int64.random(in: 1_000_000_000_000..<10_000_000_000_000, using: &rng)) }
        for (i, date) in dates.enumerated() {
            let status: ExecutionStatus = [.succeeded, .failed, .timedOut][i % 3]
            let o = outcome(start: date, stop: date &+ Int64(i % 7), status: status)
            let fast = RecordFormatter.recordBytes(o)
            let generic = JSONWriter.bytes(o.record)
            #expect(fast == generic, "\(String(decoding: fast, as: UTF8.self)) vs \(String(decoding: generic, as: UTF8.self))")
            if fast != generic { return }
        }
    }
}
