import ASLJSON
import Foundation
import Testing

/// `aslx run` end to end: a real process, real pipes.
@Suite(.enabled(if: CLIHarness.binary != nil, CLIHarness.missingNote))
final class CLIRunTests {
    static let pass = #"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#
    static let fail = #"{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"it broke"}}}"#
    /// Work proportional to `$.n`: a Map over `$.items` (lines with more items finish later).
    static let busy = #"""
    {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":4,
      "ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}},
      "ResultPath":"$.done","End":true}}}
    """#

    let folder = CLIHarness.temporaryFolder()
    deinit { try? FileManager.default.removeItem(at: folder) }

    func machine(_ text: String, _ name: String = "m.asl.json") throws -> String {
        try CLIHarness.write(text, to: name, in: folder)
    }

    @Test func resultsAreInInputOrderUnderConcurrency() throws {
        let m = try machine(Self.busy)
        // Early lines carry the most work, so executions finish roughly in reverse order.
        let n = 300
        let lines = (1...n).map { i in #"{"i":\#(i),"items":[\#(Array(repeating: "0", count: (n - i) / 10 + 1).joined(separator: ","))]}"# }
        for extra in [[], ["--max-in-flight", "7"]] {
            let result = try CLIHarness.run(["run", m] + extra, lines: lines)
            #expect(result.status == 0)
            let records = result.records
            #expect(records.count == n)
            for (index, record) in records.enumerated() {
                #expect(record["name"]?.stringValue == "line-\(index + 1)")
                #expect(record["status"]?.stringValue == "SUCCEEDED")
                #expect(record["output"]?["i"] == .number(.int(Int64(index + 1))))
            }
        }
        let unordered = try CLIHarness.run(["run", m, "--unordered"], lines: lines)
        let names = Set(unordered.records.compactMap { $0["name"]?.stringValue })
        #expect(names == Set((1...n).map { "line-\($0)" }))
        #expect(unordered.records.allSatisfy { $0["output"]?["i"].map { "line-\($0)" } == $0["name"]?.stringValue })
    }

    @Test func badLinesGetTheirOwnFailedRecordsAndProcessingContinues() throws {
        let m = try machine(Self.pass)
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        let oversized = #"{"big":""# + String(repeating: "x", count: 300 * 1024) + #""}"#
        let lines = [#"{"ok":1}"#, "not json", "", "   ", #"{"a": tru}"#, oversized, deep, #"{"ok":2}"#, "\u{FF}garbage\u{01}"]
        let result = try CLIHarness.run(["run", m], lines: lines)
        #expect(result.status == 0)
        let records = result.records
        // Blank lines give nothing; every other line exactly one record, in order.
        #expect(records.map { $0["name"]?.stringValue } == ["line-1", "line-2", "line-5", "line-6", "line-7", "line-8", "line-9"])
        #expect(records.map { $0["status"]?.stringValue } == ["SUCCEEDED", "FAILED", "FAILED", "FAILED", "FAILED", "SUCCEEDED", "FAILED"])
        #expect(records[1]["error"]?.stringValue == "InvalidExecutionInput")
        #expect(records[1]["cause"]?.stringValue?.hasPrefix("Invalid State Machine Execution Input: '") == true)
        #expect(records[1]["cause"]?.stringValue?.contains("(line 2, column 1)") == true)
        #expect(records[2]["cause"]?.stringValue?.contains("column 7") == true)
        #expect(records[3]["error"]?.stringValue == "ValidationException")
        #expect(records[3]["cause"]?.stringValue?.contains("line 6 is \(oversized.utf8.count) bytes") == true)
        #expect(records[4]["error"]?.stringValue == "InvalidExecutionInput")
        #expect(records[6]["error"]?.stringValue == "InvalidExecutionInput")
        #expect(records[5]["output"] == ["ok": 2])

        let failOnError = try CLIHarness.run(["run", m, "--fail-on-error"], lines: lines)
        #expect(failOnError.status == 1)
        #expect(failOnError.records.count == 7)
        let allGood = try CLIHarness.run(["run", m, "--fail-on-error"], lines: ["{}", "[]"])
        #expect(allGood.status == 0)
    }

    @Test func awsFormatIsTheStartSyncExecutionResponse() throws {
        let m = try machine(Self.pass, "shape.asl.json")
        let result = try CLIHarness.run(["run", m, "--format", "aws"], lines: [#"{"x": [1, 2]}"#])
        let r = try #require(result.records.first)
        guard case .object(let o) = r else { Issue.record("not an object"); return }
        #expect(Set(o.keys) == ["executionArn", "stateMachineArn", "name", "startDate", "stopDate", "status", "input",
                                "inputDetails", "output", "outputDetails", "billingDetails"])
        #expect(r["input"]?.stringValue == #"{"x": [1, 2]}"#)  // as submitted
        #expect(r["output"]?.stringValue == #"{"x":[1,2]}"#)
        #expect(r["inputDetails"] == ["included": true])
        #expect(r["outputDetails"] == ["included": true])
        #expect(r["billingDetails"] == ["billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 100])
        #expect(r["stateMachineArn"]?.stringValue == "arn:aws:states:us-east-1:123456789012:stateMachine:shape")
        #expect(r["executionArn"]?.stringValue?.hasPrefix("arn:aws:states:us-east-1:123456789012:express:shape:line-1:") == true)

        let failed = try CLIHarness.run(["run", try machine(Self.fail), "--format", "aws"], lines: ["{}"])
        let f = try #require(failed.records.first)
        #expect(f["status"]?.stringValue == "FAILED")
        #expect(f["error"]?.stringValue == "Boom")
        #expect(f["cause"]?.stringValue == "it broke")
        #expect(f["output"] == nil)
        #expect(f["outputDetails"] == ["included": true])
    }

    @Test func outputFormatWritesOutputsAndSendsFailuresToStderr() throws {
        let m = try machine(#"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.ok","BooleanEquals":true,"Next":"Y"}],"Default":"N"},"Y":{"Type":"Pass","End":true},"N":{"Type":"Fail","Error":"No"}}}"#)
        let result = try CLIHarness.run(["run", m, "--format", "output"], lines: [#"{"ok":true,"n":1}"#, #"{"ok":false}"#, "oops", #"{"ok":true,"n":4}"#])
        #expect(result.records == [["ok": true, "n": 1], ["ok": true, "n": 4]])
        let failures = result.stderrRecords
        #expect(failures.map { $0["name"]?.stringValue } == ["line-2", "line-3"])
        #expect(failures.map { $0["error"]?.stringValue } == ["No", "InvalidExecutionInput"])
    }

    @Test func namesComeFromTheLineNumberOrTheNamePath() throws {
        let m = try machine(Self.pass)
        let lines = [#"{"id":"order-1"}"#, #"{"id":"has space"}"#, #"{"id":"a:b"}"#, "{}", #"{"id":7}"#,
                     #"{"id":"\#(String(repeating: "x", count: 81))"}"#, #"{"id":"x*"}"#, #"{"id":"tab\there"}"#, #"{"id":{"x":1}}"#]
        let result = try CLIHarness.run(["run", m, "--name-path", "$.id"], lines: lines)
        let records = result.records
        #expect(records.count == lines.count)
        #expect(records[0]["name"]?.stringValue == "order-1")
        #expect(records[0]["executionArn"]?.stringValue?.contains(":express:m:order-1:") == true)
        #expect(records[4]["name"]?.stringValue == "7")
        for i in [1, 2, 3, 5, 6, 7, 8] {
            #expect(records[i]["status"]?.stringValue == "FAILED")
            #expect(records[i]["error"]?.stringValue == "InvalidName")
            #expect(records[i]["name"]?.stringValue == "line-\(i + 1)")
        }
        let byLine = try CLIHarness.run(["run", m], lines: ["{}", "", "{}"])
        #expect(byLine.records.map { $0["name"]?.stringValue } == ["line-1", "line-3"])
    }

    @Test func asyncWritesAcknowledgementsAndOutcomesGoToTheLogs() throws {
        let m = try machine(Self.pass)
        let result = try CLIHarness.run(["run", m, "--async", "--log-level", "ALL", "--log-sink", "stderr"], lines: ["{}", "{}", "bad"])
        let records = result.records
        #expect(records.count == 3)
        for r in records.prefix(2) {
            guard case .object(let o) = r else { Issue.record("not an object"); continue }
            #expect(Set(o.keys) == ["executionArn", "startDate"])
        }
        #expect(records[2]["error"]?.stringValue == "InvalidExecutionInput")
        let logs = result.stderrRecords
        let succeeded = logs.filter { $0["type"]?.stringValue == "ExecutionSucceeded" }.compactMap { $0["execution_arn"]?.stringValue }
        #expect(Set(succeeded) == Set(records.prefix(2).compactMap { $0["executionArn"]?.stringValue }))
    }

    @Test func logLevelsSelectEventsAndDataIsDroppedUnlessIncluded() throws {
        let m = try machine(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"F"},"F":{"Type":"Fail","Error":"E","Cause":"C"}}}"#)
        func types(_ level: String, _ extra: [String] = []) throws -> (records: [JSONValue], logs: [JSONValue]) {
            let result = try CLIHarness.run(["run", m, "--log-level", level] + extra, lines: [#"{"secret":1}"#])
            let all = result.records
            return (all.filter { $0["status"] != nil }, all.filter { $0["type"] != nil })
        }
        let all = try types("ALL")
        #expect(all.records.count == 1)
        #expect(all.logs.map { $0["type"]?.stringValue } == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "FailStateEntered", "ExecutionFailed"])
        #expect(all.logs.allSatisfy { $0["execution_arn"] == all.records[0]["executionArn"] && $0["redrive_count"] == "0" })
        #expect(all.logs.map { $0["id"]?.stringValue } == ["1", "2", "3", "4", "5"])
        #expect(!all.logs.contains { $0.description.contains("secret") })
        #expect(try types("ERROR").logs.map { $0["type"]?.stringValue } == ["FailStateEntered", "ExecutionFailed"])
        #expect(try types("FATAL").logs.map { $0["type"]?.stringValue } == ["ExecutionFailed"])
        #expect(try types("OFF").logs.isEmpty)
        let withData = try types("ALL", ["--include-execution-data"])
        #expect(withData.logs[0]["details"]?["input"]?.stringValue == #"{"secret":1}"#)

        let logFile = folder.appending(path: "logs.ndjson").path
        let toFile = try CLIHarness.run(["run", m, "--log-level", "ERROR", "--log-sink", logFile], lines: ["{}", "{}"])
        #expect(toFile.records.count == 2)
        let logged = CLIHarness.Result.lines(Array(try Data(contentsOf: URL(filePath: logFile))))
        // Two executions' events may interleave, but each line is whole.
        #expect(logged.compactMap { CLIHarness.json($0)["type"]?.stringValue }.sorted() == ["ExecutionFailed", "ExecutionFailed", "FailStateEntered", "FailStateEntered"])
    }

    @Test func logLinesAreNeverTornAtHighConcurrency() throws {
        let m = try machine(Self.busy)
        let lines = (1...200).map { i in #"{"i":\#(i),"items":[1,2,3,4,5,6,7,8]}"# }
        let result = try CLIHarness.run(["run", m, "--log-level", "ALL", "--include-execution-data", "--max-in-flight", "64"], lines: lines)
        let records = result.records  // every line must parse
        #expect(records.filter { $0["status"] != nil }.count == 200)
        // Per execution: ExecutionStarted, Map events, 8 iterations × (started, 2×2 pass, succeeded), ExecutionSucceeded.
        let perExecution = Dictionary(grouping: records.filter { $0["type"] != nil }, by: { $0["execution_arn"]?.stringValue ?? "" })
        #expect(perExecution.count == 200)
        #expect(Set(perExecution.values.map(\.count)).count == 1)
    }

    @Test func resultsAreFlushedWhileTheInputStaysOpen() throws {
        let m = try machine(Self.pass)
        let (process, inPipe, outPipe, _) = try CLIHarness.start(["run", m])
        defer { process.terminate(); process.waitUntilExit() }
        let input = inPipe!.fileHandleForWriting
        let output = outPipe!.fileHandleForReading
        for i in 1...3 {
            try input.write(contentsOf: Data(#"{"n":\#(i)}"#.utf8 + [0x0A]))
            // stdin stays open: the result must arrive anyway (a lost flush would hang here).
            var line = Data()
            while !line.contains(0x0A) { line.append(output.availableData) }
            #expect(CLIHarness.json(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))["output"] == ["n": .number(.int(Int64(i)))])
        }
        try input.close()
    }

    @Test func exitCodesAndHelp() throws {
        let m = try machine(Self.pass)
        #expect(try CLIHarness.run(["run"]).status == 64)
        #expect(try CLIHarness.run(["run", m, "--bogus"]).status == 64)
        #expect(try CLIHarness.run(["run", m, "--timeout", "301"]).status == 64)
        #expect(try CLIHarness.run(["run", m, "--format", "xml"]).status == 64)
        #expect(try CLIHarness.run(["run", m, "--task", "nocommand"]).status == 64)
        #expect(try CLIHarness.run(["run", folder.appending(path: "missing.asl.json").path]).status == 66)
        let invalid = try CLIHarness.run(["run", try machine(#"{"StartAt":"X","States":{}}"#, "bad.asl.json")])
        #expect(invalid.status == 65)
        #expect(invalid.stderrText.hasPrefix("aslx: "))
        let badLogSink = try CLIHarness.run(["run", m, "--log-level", "ALL", "--log-sink", folder.appending(path: "no/such/dir/log").path])
        #expect(badLogSink.status == 74)
        #expect(badLogSink.stderrLines.count == 1)
        for command in ["run", "validate", "compile", "disasm"] {
            for flag in ["-h", "--help"] {
                let help = try CLIHarness.run([command, flag])
                #expect(help.status == 0)
                #expect(help.stdoutLines.contains { $0.contains("aslx \(command)") })
                #expect(help.stdoutLines.contains { $0.contains("Example") })
            }
            #expect(try CLIHarness.run(["help", command]).status == 0)
        }
    }

    @Test func conformanceRunnerContractStillHolds() throws {
        let m = try machine(#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"End":true}}}"#, "case.asl.json")
        let mock = try CLIHarness.write(#"{"StateMachines":{"Named":{"TestCases":{"Snapshot":{"T":"R"}}}},"MockedResponses":{"R":{"0":{"Return":{"StatusCode":200,"Payload":{"ok":true}}}}}}"#, to: "mock.json", in: folder)
        let result = try CLIHarness.run(["run", m, "--name", "Named", "--mock-config", mock, "--test-case", "Snapshot"], lines: [#"{"in":1}"#])
        let first = try #require(result.records.first { $0["status"] != nil })
        #expect(first["status"]?.stringValue == "SUCCEEDED")
        #expect(first["output"]?["Payload"] == ["ok": true])
        #expect(first["stateMachineArn"]?.stringValue?.hasSuffix(":stateMachine:Named") == true)
    }
}

/// The issue-12 rows: CPU-bound and memory-hungry executions get their record and the stream
/// goes on.
@Suite(.enabled(if: CLIHarness.binary != nil, CLIHarness.missingNote))
final class CLIRunawayTests {
    let folder = CLIHarness.temporaryFolder()
    deinit { try? FileManager.default.removeItem(at: folder) }

    @Test func spinningLoopsTimeOutAndEveryLineGetsItsRecord() throws {
        let m = try CLIHarness.write(spinningLoop, to: "loop.asl.json", in: folder)
        let lines = [#"{"spin":true}"#, #"{"spin":true}"#, #"{"spin":false}"#, #"{"spin":true}"#, #"{"spin":false}"#]
        let result = try CLIHarness.run(["run", m, "--threads", "2"], lines: lines)
        #expect(result.status == 0)
        #expect(result.records.map { $0["status"]?.stringValue ?? "" } == ["TIMED_OUT", "TIMED_OUT", "SUCCEEDED", "TIMED_OUT", "SUCCEEDED"])
        #expect(result.records.first?["error"] == "States.Timeout")
    }

    @Test func fanOutAndRunawayJSONataGetTheirRecords() throws {
        let nested = try CLIHarness.write("""
        {"QueryLanguage": "JSONata", "StartAt": "M1", "States": {
          "M1": {"Type": "Map", "Items": "{% [1..1000] %}", "End": true, "ItemProcessor": {"StartAt": "M2", "States": {
            "M2": {"Type": "Map", "Items": "{% [1..1000] %}", "End": true, "ItemProcessor": {"StartAt": "M3", "States": {
              "M3": {"Type": "Map", "Items": "{% [1..1000] %}", "End": true, "Output": "{% 0 %}",
                     "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}}}}}}}}
        """, to: "nested.asl.json", in: folder)
        let fanOut = try CLIHarness.run(["run", nested, "--timeout", "1"], lines: ["{}", "{}"])
        #expect(fanOut.status == 0)
        #expect(fanOut.records.map { $0["status"]?.stringValue ?? "" } == ["TIMED_OUT", "TIMED_OUT"])

        let cube = try CLIHarness.write("""
        {"QueryLanguage": "JSONata", "StartAt": "P", "States": {
          "P": {"Type": "Pass", "Output": "{% ($x := [1..1000]; $count($x.$x.$x)) %}", "End": true}}}
        """, to: "cube.asl.json", in: folder)
        let runaway = try CLIHarness.run(["run", cube], lines: ["{}", "{}"])
        #expect(runaway.records.count == 2)
        #expect(runaway.records.allSatisfy { $0["error"] == "States.QueryEvaluationError" })
        #expect(runaway.records.first?["cause"]?.stringValue?.contains("U1002") == true)
    }
}
