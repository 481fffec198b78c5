import ASL
import ASLJSON
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `aslx run --stats FILE`: writes the collector's snapshot plus the stream's totals, at each
/// `--progress` tick and when the run ends (temp file + rename, so a reader never sees half a file).
final class StatsFile: Sendable {
    let path: String
    let collector: StatisticsCollector
    let machineName: String
    private let started = monotonicNanoseconds()
    private let linesIn: @Sendable () -> Int
    /// Serialises writers (a progress tick racing the final write).
    private let writing = Mutex<Void>(())

    init(path: String, collector: StatisticsCollector, machineName: String, linesIn: @escaping @Sendable () -> Int) {
        self.path = path
        self.collector = collector
        self.machineName = machineName
        self.linesIn = linesIn
    }

    /// The file's JSON now. `final`: every execution has ended, so lines that did not become
    /// executions are the rejected ones (bad JSON, too long, bad name).
    func document(final: Bool) -> (JSONValue, StatisticsSnapshot, Double) {
        let snapshot = collector.snapshot()
        let elapsed = Double(monotonicNanoseconds() &- started) / 1e9
        let events = linesIn()
        var extra: [(String, JSONValue)] = [
            ("stateMachine", .string(machineName)),
            ("final", .bool(final)),
            ("elapsedSeconds", .double((elapsed * 1000).rounded() / 1000)),
            ("events", .int(events)),
            ("eventsPerSecond", .double(elapsed > 0 ? (Double(events) / elapsed).rounded() : 0)),
        ]
        if final { extra.append(("rejected", .int(max(0, events - Int(clamping: snapshot.executions))))) }
        return (snapshot.json(extra: extra), snapshot, elapsed)
    }

    /// Writes the file; returns an error message when it cannot.
    @discardableResult
    func write(final: Bool) -> String? {
        writing.withLock { _ in
            let (json, _, _) = document(final: final)
            var bytes = JSONWriter.bytes(json)
            bytes.append(UInt8(ascii: "\n"))
            let temp = path + ".tmp"
            guard FileManager.default.createFile(atPath: temp, contents: Data(bytes)) else {
                return "cannot write statistics to '\(temp)'"
            }
            guard rename(temp, path) == 0 else { return "cannot rename '\(temp)' to '\(path)': \(errnoText(errno))" }
            return nil
        }
    }

    /// A few lines for a person at a terminal: totals, then one line per state.
    func summary() -> String {
        let (_, s, elapsed) = document(final: true)
        let events = linesIn()
        let rate = elapsed > 0 ? Int((Double(events) / elapsed).rounded()) : 0
        var lines = ["aslx: \(events) events in \(String(format: "%.2f", elapsed)) s (\(rate)/s): \(s.succeeded) succeeded, \(s.failed) failed, \(s.timedOut) timed out; duration p50 \(Self.time(s.duration.quantile(0.5))) p99 \(Self.time(s.duration.quantile(0.99)))"]
        let width = min(32, s.states.map(\.name.count).max() ?? 5)
        lines.append("  " + "state".padding(toLength: width, withPad: " ", startingAt: 0) + "   entries    errors   retries   catches       p50       p99")
        for state in s.states.prefix(40) {
            var name = state.name
            if name.count > width { name = String(name.prefix(width - 1)) + "…" }
            let cells = [state.entries, state.errorCount, state.retries, state.catches].map { String($0).leftPad(10) }
            lines.append("  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + cells.joined()
                         + Self.time(state.time.quantile(0.5)).leftPad(10) + Self.time(state.time.quantile(0.99)).leftPad(10))
        }
        if s.states.count > 40 { lines.append("  … \(s.states.count - 40) more states in \(path)") }
        return lines.joined(separator: "\n")
    }

    /// `850ns`, `12.3µs`, `4.5ms`, `2.1s`.
    static func time(_ ns: UInt64) -> String {
        switch ns {
        case ..<1_000: return "\(ns)ns"
        case ..<1_000_000: return String(format: "%.1fµs", Double(ns) / 1e3)
        case ..<1_000_000_000: return String(format: "%.1fms", Double(ns) / 1e6)
        default: return String(format: "%.1fs", Double(ns) / 1e9)
        }
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? " " + self : String(repeating: " ", count: width - count) + self }
}
