import Foundation

/// One measured line of the engine benchmark.
struct Row {
    var workload: String
    /// `floor-aslx-json`, `floor-foundation`, `in-process`, `e2e-file`, `e2e-pipe`.
    var mode: String
    /// Engine worker threads (in-process), or CPUs/threads given to `aslx run` (e2e); 0 = n/a.
    var workers: Int
    var executions: Int
    var succeeded: Int
    var wallSeconds: Double
    var executionsPerSecond: Double
    var transitionsPerSecond: Double?
    /// CPU time of the whole process (all threads) per execution.
    var cpuMicrosPerExecution: Double?
    var p50: Double?, p99: Double?, p999: Double?
    var allocationsPerExecution: Double?
    var peakRSSMegabytes: Double?
    /// executions/s ÷ the aslx JSON floor's events/s (wall clock, one thread).
    var ratioToJSONFloor: Double?
    /// The floor's CPU µs/event ÷ this row's CPU µs/execution (per-core efficiency).
    var cpuRatioToJSONFloor: Double?
    var load: Double
    var note: String = ""

    static let fields = ["workload", "mode", "workers", "executions", "succeeded", "wall_s", "exec_per_s", "transitions_per_s",
                         "cpu_us_per_exec", "p50_us", "p99_us", "p999_us", "allocs_per_exec", "peak_rss_mb",
                         "ratio_to_json_floor", "cpu_ratio_to_json_floor", "load1", "note"]

    var values: [Any?] {
        [workload, mode, workers, executions, succeeded, wallSeconds, executionsPerSecond, transitionsPerSecond,
         cpuMicrosPerExecution, p50, p99, p999, allocationsPerExecution, peakRSSMegabytes,
         ratioToJSONFloor, cpuRatioToJSONFloor, load, note]
    }
}

enum Report {
    static func f(_ x: Double?, _ decimals: Int = 1) -> String {
        guard let x, x.isFinite else { return "-" }
        return String(format: "%.\(decimals)f", x)
    }

    static func count(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "-" }
        if x >= 1e6 { return String(format: "%.2fM", x / 1e6) }
        if x >= 1e4 { return String(format: "%.0fk", x / 1e3) }
        if x >= 1e3 { return String(format: "%.1fk", x / 1e3) }
        return String(format: "%.0f", x)
    }

    static func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
        let n = s.count
        if n >= width { return s }
        let spaces = String(repeating: " ", count: width - n)
        return left ? s + spaces : spaces + s
    }

    static func table(_ rows: [Row]) -> String {
        let header = ["workload", "mode", "thr", "execs", "exec/s", "trans/s", "cpu µs/ex", "p50 µs", "p99 µs", "p999 µs",
                      "allocs/ex", "RSS MB", "×floor", "cpu×floor", "load", ""]
        let widths = [10, 16, 3, 7, 8, 8, 9, 8, 8, 8, 9, 7, 6, 9, 5, 0]
        var out = ""
        func line(_ cells: [String]) {
            var s = ""
            for (i, c) in cells.enumerated() {
                s += (i < 2 || i == cells.count - 1) ? pad(c, widths[i], left: true) : pad(c, widths[i])
                s += " "
            }
            out += s.trimmingCharacters(in: .whitespaces) + "\n"
        }
        line(header)
        var previous = ""
        for r in rows {
            if r.workload != previous && !previous.isEmpty { out += "\n" }
            previous = r.workload
            let ok = r.succeeded == r.executions || r.mode.hasPrefix("floor") ? "" : "\(r.executions - r.succeeded) NOT SUCCEEDED "
            line([r.workload, r.mode, r.workers > 0 ? String(r.workers) : "-", count(Double(r.executions)),
                  count(r.executionsPerSecond), count(r.transitionsPerSecond), f(r.cpuMicrosPerExecution, 2),
                  f(r.p50), f(r.p99), f(r.p999), f(r.allocationsPerExecution), f(r.peakRSSMegabytes, 0),
                  f(r.ratioToJSONFloor, 2), f(r.cpuRatioToJSONFloor, 2), f(r.load, 1), ok + r.note])
        }
        return out
    }

    static func csv(_ rows: [Row]) -> String {
        var out = Row.fields.joined(separator: ",") + "\n"
        for r in rows {
            out += r.values.map { v -> String in
                switch v {
                case nil: return ""
                case let d as Double: return d.isFinite ? String(format: "%.6g", d) : ""
                case let s as String: return s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
                case let v?: return "\(v)"
                }
            }.joined(separator: ",") + "\n"
        }
        return out
    }

    static func json(_ rows: [Row], metadata: [String: Any]) -> String {
        let objects: [[String: Any]] = rows.map { r in
            var o: [String: Any] = [:]
            for (k, v) in zip(Row.fields, r.values) {
                if let d = v as? Double { if d.isFinite { o[k] = d } } else if let v { o[k] = v }
            }
            return o
        }
        let root: [String: Any] = ["metadata": metadata, "results": objects]
        let data = (try? JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
