import ASLJSON
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `--task` worker processes and `--journal` resume, end to end.
@Suite(.enabled(if: CLIHarness.binary != nil, CLIHarness.missingNote))
final class CLIWorkerJournalTests {
    let folder = CLIHarness.temporaryFolder()
    deinit { try? FileManager.default.removeItem(at: folder) }

    /// A shell worker: answers `{"ok": id, "pid": PID}`, exits on a `"crash":true` input and
    /// writes garbage on a `"garbage":true` input.
    static let flakyWorker = #"""
    while IFS= read -r line; do
      case "$line" in
        *'"crash":true'*) exit 3 ;;
        *'"garbage":true'*) echo 'this is not json'; continue ;;
      esac
      id=${line#'{"id":'}; id=${id%%,*}
      printf '{"id":%s,"output":{"ok":%s,"pid":%s}}\n' "$id" "$id" "$$"
    done
    """#

    static let taskMachine = #"""
    {"StartAt":"T","States":{
      "T":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:flaky","ResultPath":"$.r",
           "Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.caught","Next":"Caught"}],"End":true},
      "Caught":{"Type":"Pass","End":true}}}
    """#

    @Test func crashedOrGarbageWritingWorkersAreRestartedAndTheirTasksFail() throws {
        let worker = try CLIHarness.write(Self.flakyWorker, to: "flaky.sh", in: folder)
        let m = try CLIHarness.write(Self.taskMachine, to: "t.asl.json", in: folder)
        let lines = [#"{"n":1}"#, #"{"crash":true}"#, #"{"n":3}"#, #"{"garbage":true}"#, #"{"n":5}"#]
        // One in flight at a time, so each failure is exactly the task that caused it.
        let result = try CLIHarness.run(["run", m, "--task", "arn:aws:states:::aws-sdk:flaky=sh \(worker)", "--max-in-flight", "1"], lines: lines)
        #expect(result.status == 0)
        let records = result.records
        #expect(records.count == 5, "\(result.stderrText)")
        #expect(records.allSatisfy { $0["status"]?.stringValue == "SUCCEEDED" })
        let crashed = records[1]["output"]?["caught"]
        #expect(crashed?["Error"]?.stringValue == "States.TaskFailed")
        #expect(crashed?["Cause"]?.stringValue?.contains("exited with status 3") == true)
        let garbage = records[3]["output"]?["caught"]
        #expect(garbage?["Error"]?.stringValue == "States.TaskFailed")
        #expect(garbage?["Cause"]?.stringValue?.contains("not JSON") == true, "\(records)")
        let pids = [0, 2, 4].compactMap { records[$0]["output"]?["r"]?["pid"] }
        #expect(pids.count == 3)
        #expect(Set(pids).count == 3, "a new worker process after each crash")
        #expect(result.stderrText.contains("task worker"))
    }

    @Test func exampleWorkersServeManyRequestsInFlight() throws {
        let m = try CLIHarness.write(#"""
        {"StartAt":"Enrich","States":{
          "Enrich":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"Enrich","Payload.$":"$"},
                    "ResultSelector":{"p.$":"$.Payload"},"OutputPath":"$.p","Next":"Upper"},
          "Upper":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:upper","End":true}}}
        """#, to: "w.asl.json", in: folder)
        let n = 120
        var lines = (1...n).map { #"{"i":\#($0),"text":"line \#($0)"}"# }
        lines[9] = "[1]"  // the Python worker rejects non-objects
        lines[19] = #"{"i":20}"#  // the shell worker needs "text"
        let result = try CLIHarness.run([
            "run", m, "--task-workers", "2", "--max-in-flight", "40",
            "--task", "Enrich=python3 Examples/workers/echo_worker.py",
            "--task", "arn:aws:states:::aws-sdk:upper=sh Examples/workers/upper_worker.sh",
        ], lines: lines)
        #expect(result.status == 0)
        let records = result.records
        #expect(records.count == n)
        for (i, r) in records.enumerated() where i != 9 && i != 19 {
            #expect(r["output"] == ["i": .number(.int(Int64(i + 1))), "text": .string("LINE \(i + 1)"), "handledBy": "Enrich", "state": "Enrich"])
        }
        #expect(records[9]["error"]?.stringValue == "Worker.BadInput")
        #expect(records[19]["error"]?.stringValue == "Upper.NoText")
    }

    @Test func killedRunsResumeFromTheJournalAndEveryLineGetsAResult() throws {
        let m = try CLIHarness.write(#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#, to: "p.asl.json", in: folder)
        let n = 20_000
        var text = ""
        for i in 1...n { text += i % 97 == 0 ? "\n" : #"{"i":\#(i)}"# + "\n" }
        let inputPath = try CLIHarness.write(text, to: "in.ndjson", in: folder)
        let inputBytes = Data(text.utf8)
        let journal = folder.appending(path: "run.journal").path
        let window = 256
        let arguments = ["run", m, "--journal", journal, "--max-in-flight", String(window)]
        var outputs: [URL] = []
        var kills = 0
        var finished = false
        for attempt in 0..<8 where !finished {
            let out = folder.appending(path: "out.\(attempt)")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            outputs.append(out)
            let handle = try FileHandle(forWritingTo: out)
            // Attempts 2 and 5 read through a pipe (the journal's offset is skipped, not sought).
            let viaPipe = attempt == 2 || attempt == 5
            let (process, inPipe, _, errPipe) = try CLIHarness.start(arguments, stdinFile: viaPipe ? nil : inputPath, stdout: handle)
            let errors = CLIHarness.Reader(errPipe.fileHandleForReading)
            if let inPipe {
                Thread {
                    try? inPipe.fileHandleForWriting.write(contentsOf: inputBytes)
                    try? inPipe.fileHandleForWriting.close()
                }.start()
            }
            if attempt < 4 {
                usleep(UInt32.random(in: 20_000...250_000))
                if kill(process.processIdentifier, SIGKILL) == 0 { kills += 1 }
            }
            process.waitUntilExit()
            _ = errors.wait()
            try handle.close()
            finished = process.terminationReason == .exit && process.terminationStatus == 0
        }
        #expect(finished)
        var seen = Set<String>()
        var total = 0
        for url in outputs {
            for line in CLIHarness.Result.lines(Array(try Data(contentsOf: url))) {
                // A run killed mid-write may leave one torn last line; it is not a result.
                guard let record = try? JSONParser.parse(line), let name = record["name"]?.stringValue else { continue }
                #expect(record["output"]?["i"].map { "line-\($0)" } == name)
                seen.insert(name)
                total += 1
            }
        }
        let expected = Set((1...n).filter { $0 % 97 != 0 }.map { "line-\($0)" })
        #expect(seen == expected)
        // Repeats are bounded: the journal is written at least every 1,024 results (README,
        // "At-least-once"), so each kill repeats at most that many, plus the executions in flight.
        #expect(total <= expected.count + kills * (1024 + window))
        let state = CLIHarness.json(String(decoding: try Data(contentsOf: URL(filePath: journal)), as: UTF8.self))
        #expect(state["offset"] == .number(.int(Int64(text.utf8.count))))
        #expect(state["line"] == .number(.int(Int64(n))))
        // A rerun after completion has nothing left to do.
        let again = try CLIHarness.run(arguments, stdinFile: inputPath)
        #expect(again.status == 0)
        #expect(again.stdout.isEmpty)
    }
}
