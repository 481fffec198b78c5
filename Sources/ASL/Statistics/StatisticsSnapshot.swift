import ASLJSON

/// Summed statistics of a stream of executions (``StatisticsCollector/snapshot()``); `json` is
/// the `aslx run --stats` file format.
public struct StatisticsSnapshot: Sendable {
    /// Durations in nanoseconds of the engine's clock, as a log-bucketed histogram.
    public struct Durations: Sendable {
        var buckets: [UInt64]
        /// The longest duration recorded (exact).
        public var max: UInt64
        public var count: UInt64 { buckets.reduce(0, &+) }
        /// The `q` quantile (0...1), within 12.5 % of the true value; 0 when nothing was recorded.
        public func quantile(_ q: Double) -> UInt64 { LogHistogram.quantile(q, counts: buckets, max: max) }

        /// `{"p50": ms, "p99": ms, "max": ms}`.
        var json: JSONValue {
            ["p50": Self.milliseconds(quantile(0.5)), "p99": Self.milliseconds(quantile(0.99)), "max": Self.milliseconds(max)]
        }

        /// Milliseconds with nanosecond precision (a Pass state takes well under a microsecond).
        static func milliseconds(_ ns: UInt64) -> JSONValue {
            ns % 1_000_000 == 0 ? .int(Int(ns / 1_000_000)) : .double(Double(ns) / 1e6)
        }
    }

    public struct State: Sendable {
        public var name: String
        /// `Pass`, `Task`, ...
        public var type: String
        /// Times the state was entered (a retry does not enter it again).
        public var entries: UInt64
        /// Times the state finished and transitioned (Next, Choice, End).
        public var successes: UInt64
        /// Each error raised in the state, by name, sorted by name: retried, caught and failed ones.
        public var errors: [(name: String, count: UInt64)]
        /// Errors that were retried.
        public var retries: UInt64
        /// Errors that a Catch handled.
        public var catches: UInt64
        /// Entry to exit (success, catch or failure), retries and waits included.
        public var time: Durations

        public var errorCount: UInt64 { errors.reduce(0) { $0 &+ $1.count } }
    }

    /// One entry per state of the program, in program order (top level, then each branch).
    public var states: [State]
    public var succeeded: UInt64
    public var failed: UInt64
    public var timedOut: UInt64
    /// Execution durations (start to end on the engine's clock).
    public var duration: Durations

    public var executions: UInt64 { succeeded &+ failed &+ timedOut }

    /// The `--stats` file: `{"executions": {...}, "states": {NAME: {...}}}`; `extra` fields
    /// (the CLI's `events`, `elapsedSeconds`, `eventsPerSecond`) come first.
    public func json(extra: [(String, JSONValue)] = []) -> JSONValue {
        var root = JSONObject(extra)
        var e = JSONObject()
        e["total"] = .int(Int(clamping: executions))
        e["SUCCEEDED"] = .int(Int(clamping: succeeded))
        e["FAILED"] = .int(Int(clamping: failed))
        e["TIMED_OUT"] = .int(Int(clamping: timedOut))
        e["durationMs"] = duration.json
        root["executions"] = .object(e)
        var states = JSONObject()
        for s in self.states {
            var o = JSONObject()
            o["type"] = .string(s.type)
            o["entries"] = .int(Int(clamping: s.entries))
            o["successes"] = .int(Int(clamping: s.successes))
            o["errors"] = .object(JSONObject(s.errors.map { ($0.name, JSONValue.int(Int(clamping: $0.count))) }))
            o["retries"] = .int(Int(clamping: s.retries))
            o["catches"] = .int(Int(clamping: s.catches))
            o["timeMs"] = s.time.json
            states[s.name] = .object(o)
        }
        root["states"] = .object(states)
        return .object(root)
    }
}
