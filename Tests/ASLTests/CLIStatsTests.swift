import ASLJSON
import Foundation
import Testing
import ASL
@testable import ASLCLI

/// `aslx run --stats FILE` end to end.
@Suite(.enabled(if: CLIHarness.binary != nil, CLIHarness.missingNote))
final class CLIStatsTests {
    let folder = CLIHarness.temporaryFolder()
    deinit { try? FileManager.default.removeItem(at: folder) }

    static let machine = #"""
    {"StartAt": "Check", "States": {
      "Check": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Fine"}], "Default": "Broken"},
      "Fine": {"Type": "Pass", "End": true},
      "Broken": {"Type": "Fail", "Error": "NotOk", "Cause": "ok was not true"}}}
    """#

    @Test func writesPerStateCountsAndTotalsWhenTheRunEnds() throws {
        let m = try CLIHarness.write(Self.machine, to: "m.asl.json", in: folder)
        let stats = folder.appending(path: "stats.json").path
        let lines = [#"{"ok":true}"#, #"{"ok":false}"#, "not json", #"{"ok":true}"#]
        let result = try CLIHarness.run(["run", m, "--stats", stats, "--no-progress"], lines: lines)
        #expect(result.status == 0)
        #expect(result.records.count == 4)
        let json = try JSONParser.parse(Array(try Data(contentsOf: URL(filePath: stats))))
        #expect(json["final"] == true)
        #expect(json["stateMachine"] == "m")
        #expect(json["events"] == 4)
        #expect(json["rejected"] == 1)
        #expect(json["executions"]?["SUCCEEDED"] == 2)
        #expect(json["executions"]?["FAILED"] == 1)
        #expect(json["states"]?["Check"]?["entries"] == 3)
        #expect(json["states"]?["Fine"]?["successes"] == 2)
        #expect(json["states"]?["Broken"]?["errors"] == ["NotOk": 1])
        #expect(json["eventsPerSecond"]?.numberValue != nil)
        for state in ["Check", "Fine"] {
            let p50 = json["states"]?[state]?["timeMs"]?["p50"]?.numberValue?.doubleValue ?? -1
            let max = json["states"]?[state]?["timeMs"]?["max"]?.numberValue?.doubleValue ?? -1
            #expect(p50 >= 0 && p50 <= max, "\(state): p50 \(p50) max \(max)")
        }
        // Not a terminal: no summary on stderr.
        #expect(result.stderrText.isEmpty)
    }

    @Test func progressTicksRewriteTheFileWhileTheStreamIsOpen() throws {
        let m = try CLIHarness.write(Self.machine, to: "m.asl.json", in: folder)
        let stats = folder.appending(path: "stats.json").path
        let (process, input, output, errors) = try CLIHarness.start(["run", m, "--stats", stats, "--progress"])
        let out = CLIHarness.Reader(output!.fileHandleForReading), err = CLIHarness.Reader(errors.fileHandleForReading)
        try input!.fileHandleForWriting.write(contentsOf: Data(#"{"ok":true}\#n{"ok":true}\#n"#.utf8))
        // Off a terminal, --progress ticks every 2 s.
        var tick: JSONValue?
        for _ in 0..<60 where tick == nil {
            Thread.sleep(forTimeInterval: 0.1)
            if let data = FileManager.default.contents(atPath: stats) { tick = try JSONParser.parse(Array(data)) }
        }
        #expect(tick?["final"] == false)
        #expect(tick?["states"]?["Fine"]?["entries"] == 2)
        try input!.fileHandleForWriting.write(contentsOf: Data(#"{"ok":false}\#n"#.utf8))
        try input!.fileHandleForWriting.close()
        process.waitUntilExit()
        _ = (out.wait(), err.wait())
        let final = try JSONParser.parse(Array(try Data(contentsOf: URL(filePath: stats))))
        #expect(final["final"] == true)
        #expect(final["executions"]?["total"] == 3)
    }

    @Test func anUnwritableStatsFileIsReportedNotFatal() throws {
        let m = try CLIHarness.write(Self.machine, to: "m.asl.json", in: folder)
        let result = try CLIHarness.run(["run", m, "--stats", folder.appending(path: "no/such/dir/s.json").path], lines: [#"{"ok":true}"#])
        #expect(result.status == 0)
        #expect(result.records.count == 1)
        #expect(result.stderrText.contains("cannot write statistics"))
    }
}

@Suite struct StatsSummaryTests {
    @Test func summaryHasTotalsAndOneLinePerState() async throws {
        let machine = try StateMachine(definition: CLIStatsTests.machine, name: "m")
        var configuration = EngineConfiguration()
        configuration.workers = 1
        let collector = StatisticsCollector(machine: machine, workers: 1)
        configuration.statistics = collector
        let engine = Engine(configuration)
        for ok in [true, false, true] { _ = await engine.execute(machine, input: ["ok": .bool(ok)]) }
        let file = StatsFile(path: "/nonexistent/s.json", collector: collector, machineName: "m", linesIn: { 3 })
        let lines = file.summary().split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("3 events") == true)
        #expect(lines.first?.contains("2 succeeded, 1 failed, 0 timed out") == true)
        #expect(lines.count == 2 + 3)
        let broken = try #require(lines.first { $0.hasPrefix("  Broken") })
        #expect(broken.split(separator: " ").prefix(5).map(String.init) == ["Broken", "1", "1", "0", "0"])
    }

    @Test func timesAreShortAndScaled() {
        #expect(StatsFile.time(850) == "850ns")
        #expect(StatsFile.time(12_340) == "12.3µs")
        #expect(StatsFile.time(4_500_000) == "4.5ms")
        #expect(StatsFile.time(2_100_000_000) == "2.1s")
    }
}
