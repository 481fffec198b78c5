import ASLJSON
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `--task` workers that die, hang, or talk nonsense: only the requests they cause fail.
@Suite(.enabled(if: CLIHarness.binary != nil, CLIHarness.missingNote))
final class CLITaskWorkerTests {
    let folder = CLIHarness.temporaryFolder()
    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Answers `{"ok": id}` a little later (so requests pile up in flight), says why on stderr
    /// and exits 3 when it reads a `"poison":true` input.
    static let poisonWorker = #"""
    while IFS= read -r line; do
      case "$line" in
        *'"poison":true'*) echo "worker: cannot digest poison" >&2; exit 3 ;;
      esac
      id=${line#'{"id":'}; id=${id%%,*}
      printf '{"id":%s,"output":{"ok":%s}}\n' "$id" "$id"
    done
    """#

    static func machine(retry: Bool) -> String {
        let retrier = retry ? #""Retry":[{"ErrorEquals":["States.TaskFailed"],"MaxAttempts":1,"IntervalSeconds":1}],"# : ""
        return #"""
        {"StartAt":"T","States":{
          "T":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:poison",\#(retrier)"End":true}}}
        """#
    }

    static let positions = [0, 9, 19]

    @Test(arguments: [(0, 1), (9, 1), (19, 1), (0, 2), (9, 2), (19, 2), (0, 4), (9, 4), (19, 4)])
    func onlyThePoisonEventFails(position: Int, workers: Int) throws {
        let worker = try CLIHarness.write(Self.poisonWorker, to: "poison.sh", in: folder)
        let m = try CLIHarness.write(Self.machine(retry: false), to: "p.asl.json", in: folder)
        var lines = (1...20).map { #"{"n":\#($0)}"# }
        lines[position] = #"{"poison":true}"#
        let result = try CLIHarness.run(["run", m, "--task", "arn:aws:states:::aws-sdk:poison=sh \(worker)",
                                         "--task-workers", String(workers)], lines: lines)
        #expect(result.status == 0)
        let records = result.records
        #expect(records.count == 20, "\(result.stderrText)")
        for (i, r) in records.enumerated() {
            if i == position {
                #expect(r["status"]?.stringValue == "FAILED")
                #expect(r["error"]?.stringValue == "States.TaskFailed")
                let cause = r["cause"]?.stringValue ?? ""
                #expect(cause.contains("exited with status 3"), "\(cause)")
                #expect(cause.contains("cannot digest poison"), "\(cause)")
            } else {
                #expect(r["status"]?.stringValue == "SUCCEEDED", "line \(i + 1): \(r)")
            }
        }
    }

    @Test func retriesOfThePoisonEventDoNotTakeInnocentsWithThem() throws {
        let worker = try CLIHarness.write(Self.poisonWorker, to: "poison.sh", in: folder)
        let m = try CLIHarness.write(Self.machine(retry: true), to: "r.asl.json", in: folder)
        var lines = (1...20).map { #"{"n":\#($0)}"# }
        lines[4] = #"{"poison":true}"#
        let result = try CLIHarness.run(["run", m, "--task", "arn:aws:states:::aws-sdk:poison=sh \(worker)",
                                         "--task-workers", "2"], lines: lines)
        let statuses = result.records.map { $0["status"]?.stringValue ?? "" }
        #expect(statuses == (0..<20).map { $0 == 4 ? "FAILED" : "SUCCEEDED" }, "\(result.stderrText)")
    }

    /// One request per worker process: each answers with how many descriptors aslx has open, then exits.
    @Test func restartedWorkersLeakNoDescriptors() throws {
        let worker = try CLIHarness.write(#"""
        IFS= read -r line
        id=${line#'{"id":'}; id=${id%%,*}
        n=$(ls /proc/$PPID/fd | wc -l)
        printf '{"id":%s,"output":{"fds":%s}}\n' "$id" "$n"
        """#, to: "once.sh", in: folder)
        let m = try CLIHarness.write(Self.machine(retry: false), to: "f.asl.json", in: folder)
        let lines = (1...40).map { #"{"n":\#($0)}"# }
        // `exec` so that the worker's parent is aslx itself.
        let result = try CLIHarness.run(["run", m, "--task", "arn:aws:states:::aws-sdk:poison=exec sh \(worker)",
                                         "--max-in-flight", "1"], lines: lines)
        let counts = result.records.compactMap { $0["output"]?["fds"]?.numberValue?.int64Value }
        try #require(counts.count == 40, "\(result.stderrText)")
        // A leak of the three pipe ends per restart would add over 60 by the end.
        #expect(counts.suffix(10).max()! <= counts.prefix(10).max()! + 4, "\(counts)")
    }

    @Test func aHungWorkerAndItsChildrenDoNotOutliveTheRun() throws {
        let pidFile = folder.appending(path: "child.pid").path
        // The worker's child holds stdout open and never answers: only TimeoutSeconds ends the task.
        let worker = try CLIHarness.write("sleep 60 & echo $! > \(pidFile); while IFS= read -r line; do :; done; wait\n",
                                          to: "hung.sh", in: folder)
        let m = try CLIHarness.write(#"""
        {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:hung","TimeoutSeconds":1,"End":true}}}
        """#, to: "h.asl.json", in: folder)
        let started = Date()
        let result = try CLIHarness.run(["run", m, "--task", "arn:aws:states:::aws-sdk:hung=sh \(worker)"],
                                        lines: [#"{"n":1}"#, #"{"n":2}"#])
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(result.status == 0)
        #expect(result.records.map { $0["error"]?.stringValue } == ["States.Timeout", "States.Timeout"])
        let child = try #require(Int32(String(decoding: try Data(contentsOf: URL(filePath: pidFile)), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!Self.isRunning(child), "the worker's child \(child) outlived the run")
    }

    @Test func garbageOversizedClosedAndNeverStartingWorkersFailOnlyTheirRequests() throws {
        let worker = try CLIHarness.write(#"""
        while IFS= read -r line; do
          case "$line" in
            *'"garbage":true'*) echo 'this is not json'; continue ;;
            *'"big":true'*) head -c 17000000 /dev/zero | tr '\0' x; continue ;;
            *'"close":true'*) exec 1>&-; continue ;;  # run with `exec`: no parent shell keeps stdout open
          esac
          id=${line#'{"id":'}; id=${id%%,*}
          printf '{"id":%s,"output":{"ok":%s}}\n' "$id" "$id"
        done
        """#, to: "odd.sh", in: folder)
        let m = try CLIHarness.write(#"""
        {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:poison","TimeoutSeconds":20,"End":true}}}
        """#, to: "o.asl.json", in: folder)
        let lines = [#"{"n":1}"#, #"{"garbage":true}"#, #"{"n":3}"#, #"{"big":true}"#, #"{"n":5}"#, #"{"close":true}"#, #"{"n":7}"#]
        let result = try CLIHarness.run(["run", m, "--task", "arn:aws:states:::aws-sdk:poison=exec sh \(worker)", "--task-workers", "2"],
                                        lines: lines)
        #expect(result.status == 0)
        let records = result.records
        try #require(records.count == 7, "\(result.stderrText)")
        for i in [0, 2, 4, 6] { #expect(records[i]["status"]?.stringValue == "SUCCEEDED", "\(records[i])") }
        #expect(records[1]["cause"]?.stringValue?.contains("not JSON") == true, "\(records[1])")
        #expect(records[3]["cause"]?.stringValue?.contains("over 16 MiB") == true, "\(records[3])")
        #expect(records[5]["cause"]?.stringValue?.contains("closed its stdout") == true, "\(records[5])")
        for i in [1, 3, 5] { #expect(records[i]["error"]?.stringValue == "States.TaskFailed") }

        let never = try CLIHarness.run(["run", m, "--task", "arn:aws:states:::aws-sdk:poison=/nonexistent/worker"],
                                       lines: [#"{"n":1}"#, #"{"n":2}"#, #"{"n":3}"#])
        #expect(never.status == 0)
        #expect(never.records.count == 3)
        for r in never.records {
            #expect(r["error"]?.stringValue == "States.TaskFailed")
            let cause = r["cause"]?.stringValue ?? ""
            #expect(cause.contains("exited with status 127") && cause.contains("not found"), "\(cause)")
        }
    }

    /// Whether `pid` exists and is not a zombie.
    static func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return !stat[stat.index(after: close)...].hasPrefix(" Z")
    }
}

/// Executions parked in a Wait hold memory, not running slots.
@Suite(.enabled(if: CLIHarness.binary != nil, CLIHarness.missingNote))
final class CLIWaitAdmissionTests {
    let folder = CLIHarness.temporaryFolder()
    deinit { try? FileManager.default.removeItem(at: folder) }

    @Test func parkedExecutionsDoNotHoldRunningSlots() throws {
        let m = try CLIHarness.write(#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}}"#, to: "w.asl.json", in: folder)
        let result = try CLIHarness.run(["run", m, "--max-in-flight", "1"], lines: (1...20).map { #"{"i":\#($0)}"# })
        let records = result.records
        #expect(records.count == 20)
        #expect(records.allSatisfy { $0["status"]?.stringValue == "SUCCEEDED" })
        // One running slot: were parked executions counted, the last would start 19 s after the first.
        let starts = records.compactMap { $0["startDate"]?.numberValue?.doubleValue }
        #expect(starts.count == 20)
        #expect(starts.max()! - starts.min()! < 10, "\(starts)")
    }

    @Test func aSmallMemoryBudgetStillPassesEveryLine() throws {
        let m = try CLIHarness.write(#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":0,"End":true}}}"#, to: "w0.asl.json", in: folder)
        let padding = String(repeating: "x", count: 4000)
        let n = 3000
        let result = try CLIHarness.run(["run", m, "--max-memory", "1"], lines: (1...n).map { #"{"i":\#($0),"p":"\#(padding)"}"# })
        #expect(result.status == 0)
        let names = result.records.map { $0["name"]?.stringValue ?? "" }
        #expect(names == (1...n).map { "line-\($0)" })
    }
}
