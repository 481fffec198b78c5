import ASLJSON
import Foundation
import Testing

/// The issue 12 reports that used to kill `aslx run` (every in-flight event lost): now each bad
/// line gets its own failed record, the good lines around it succeed, and the process exits 0.
@Suite(.enabled(if: CLIHarness.binary != nil, CLIHarness.missingNote))
final class CLITrapFreeTests {
    let folder = CLIHarness.temporaryFolder()
    deinit { try? FileManager.default.removeItem(at: folder) }

    @Test func helloExampleSurvivesAnAmountBeyondInt64() throws {
        let lines = [#"{"name":"a","amount":5,"items":[]}"#, #"{"name":"b","amount":1e19,"items":[]}"#,
                     #"{"name":"c","amount":-9e18,"items":[]}"#, #"{"name":"d","amount":150,"items":[]}"#]
        let result = try CLIHarness.run(["run", "Examples/hello.asl.json"], lines: lines)
        #expect(result.status == 0)
        let records = result.records
        #expect(records.map { $0["status"]?.stringValue } == ["SUCCEEDED", "FAILED", "FAILED", "SUCCEEDED"])
        #expect(records[1]["error"]?.stringValue == "States.Runtime")
        #expect(records[1]["cause"]?.stringValue?.contains("States.MathAdd") == true)
        #expect(records[3]["output"]?["size"]?.stringValue == "large")
    }

    @Test func everyTrappingFieldGivesARecordPerLine() throws {
        // One machine per report of the issue's table; a bad line between two good ones.
        let machines: [(String, String, String)] = [
            (#"{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.v","End":true}}}"#, "1e16", "0"),
            (#"{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Seconds":"{% $states.input.v %}","End":true}}}"#, "1e19", "0"),
            (#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrencyPath":"$.v","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}"#, "-1e19", "1"),
            (#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ToleratedFailureCountPath":"$.v","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}"#, "1e19", "1"),
            (#"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $fromMillis(0, $states.input.v) %}","End":true}}}"#, #""[Y,9223372036854775808-2]""#, #""[Y]""#),
            (#"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $formatInteger($states.input.v, 'I') %}","End":true}}}"#, "1e19", "12"),
            (#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"r.$":"States.MathRandom(0, $.v)"},"End":true}}}"#, "1e19", "10"),
        ]
        for (index, (definition, bad, good)) in machines.enumerated() {
            let m = try CLIHarness.write(definition, to: "m\(index).asl.json", in: folder)
            let line = { (v: String) in #"{"v":\#(v),"items":[1,2]}"# }
            let result = try CLIHarness.run(["run", m, "--timeout", "5"], lines: [line(good), line(bad), line(good)])
            #expect(result.status == 0, "\(definition): \(result.stderrText)")
            #expect(result.records.map { $0["status"]?.stringValue } == ["SUCCEEDED", "FAILED", "SUCCEEDED"], "\(definition)")
        }
    }

    @Test func mockKeyUpToInt64MaxIsAccepted() throws {
        let m = try CLIHarness.write(#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}}"#,
                                     to: "t.asl.json", in: folder)
        let mock = try CLIHarness.write(#"{"StateMachines":{"t":{"TestCases":{"T":{"T":"R"}}}},"MockedResponses":{"R":{"0-9223372036854775807":{"Return":{"ok":1}}}}}"#,
                                        to: "mock.json", in: folder)
        let result = try CLIHarness.run(["run", m, "--mock-config", mock, "--test-case", "T"], lines: ["{}", "{}"])
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(result.records.map { $0["output"]?["ok"] } == [1, 1])
    }

    @Test func aJournalThatIsNotOneIsADataError() throws {
        let m = try CLIHarness.write(#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#, to: "p.asl.json", in: folder)
        let garbage = try CLIHarness.write(String(repeating: "x", count: 100_000), to: "garbage.journal", in: folder)
        for journal in ["/dev/zero", garbage] {
            let result = try CLIHarness.run(["run", m, "--journal", journal], lines: ["{}"])
            #expect(result.status == 65, "\(journal)")
            #expect(result.stderrText.contains("not an aslx journal"), "\(result.stderrText)")
        }
    }
}
