import ASLJSON

/// What `aslx run` writes per input line.
public enum OutputFormat: String, Sendable {
    /// The result record: `{"executionArn", …, "status", "output" (a JSON value) | "error", "cause"}`.
    case record
    /// StartSyncExecution's response (ASL-REFERENCE §10.2): input and output as JSON text.
    case aws
    /// Only the output of each successful execution; failed executions go to stderr as records.
    case output
}

/// AWS's rules for execution names (StartExecution/StartSyncExecution `name`).
public enum ExecutionName {
    /// Why `name` is not a valid execution name, or nil if it is.
    public static func problem(_ name: String) -> String? {
        let count = name.unicodeScalars.count
        if count == 0 { return "it is empty" }
        if count > 80 { return "it is \(count) characters long, over the 80-character limit" }
        for scalar in name.unicodeScalars {
            let v = scalar.value
            if v <= 0x1F || (0x7F...0x9F).contains(v) { return "it contains a control character (U+\(String(v, radix: 16, uppercase: true)))" }
            if scalar.properties.isWhitespace { return "it contains whitespace" }
            if "<>{}[]".unicodeScalars.contains(scalar) { return "it contains a bracket '\(scalar)'" }
            if "?*".unicodeScalars.contains(scalar) { return "it contains a wildcard '\(scalar)'" }
            if "\"#%\\^|~`$&,;:/".unicodeScalars.contains(scalar) { return "it contains a special character '\(scalar)'" }
        }
        return nil
    }

    /// Why an input line gets no execution name (its FAILED record's `InvalidName` cause).
    public struct Problem: Error, Sendable {
        public var cause: String
    }

    /// `line-N`, or the `--name-path` value checked against AWS's name rules.
    public static func of(_ input: JSONValue?, path namePath: ReferencePath?, line: Int) -> Result<String, Problem> {
        guard let path = namePath else { return .success("line-\(line)") }
        guard let input else { return .success("line-\(line)") }
        let name: String
        switch path.value(in: input) {
        case .string(let s)?: name = s
        case .number(let n)? where n.isIntegral: name = JSONWriter.string(.number(n))
        case nil:
            return .failure(Problem.namePathSelectsNothing(path.text, line: line))
        case let other?:
            return .failure(Problem.namePathNotString(path.text, typeName: other.typeName, line: line))
        }
        if let problem = problem(name) {
            return .failure(Problem.invalidName(name, line: line, problem))
        }
        return .success(name)
    }
}

/// Builds the line written for each input line: a result record, an `--async`
/// acknowledgement, or the FAILED record of input that never became an execution.
public struct RecordFormatter: Sendable {
    public let format: OutputFormat
    public let stateMachineArn: String

    public init(format: OutputFormat, stateMachineArn: String) {
        self.format = format
        self.stateMachineArn = stateMachineArn
    }

    /// One output line: what goes to stdout and what goes to stderr (output format's failures).
    public struct Line: Sendable {
        public var stdout: [UInt8]?
        public var stderr: [UInt8]?
        public var failed: Bool

        public init(stdout: [UInt8]? = nil, stderr: [UInt8]? = nil, failed: Bool) {
            self.stdout = stdout
            self.stderr = stderr
            self.failed = failed
        }
    }

    /// The line for a finished execution; `input` (the line's bytes) is used by `.aws` only.
    public func outcome(_ outcome: ExecutionOutcome, input: [UInt8]) -> Line {
        let failed = outcome.status != .succeeded
        switch format {
        case .record:
            return Line(stdout: Self.recordBytes(outcome), failed: failed)
        case .output:
            if failed { return Line(stderr: Self.recordBytes(outcome), failed: true) }
            return Line(stdout: JSONWriter.bytes(outcome.output ?? .null), failed: false)
        case .aws:
            var o = JSONObject(minimumCapacity: 14)
            o["executionArn"] = .string(outcome.executionArn)
            o["stateMachineArn"] = .string(outcome.stateMachineArn)
            o["name"] = .string(outcome.name)
            o["startDate"] = seconds(outcome.startDate)
            o["stopDate"] = seconds(outcome.stopDate)
            o["status"] = .string(outcome.status.rawValue)
            if let error = outcome.error { o["error"] = .string(error) }
            if let cause = outcome.cause { o["cause"] = .string(cause) }
            o["input"] = .string(String(decoding: input, as: UTF8.self))
            o["inputDetails"] = ["included": true]
            if let output = outcome.output, !failed { o["output"] = .string(JSONWriter.string(output)) }
            o["outputDetails"] = ["included": true]
            o["billingDetails"] = Self.billing(milliseconds: outcome.stopDate - outcome.startDate)
            return Line(stdout: JSONWriter.bytes(.object(o)), failed: failed)
        }
    }

    /// `outcome.record` serialized, written field by field without building the object first.
    public static func recordBytes(_ outcome: ExecutionOutcome) -> [UInt8] {
        var w = JSONWriter(capacity: 384)
        w.appendRaw("{\"executionArn\":")
        w.write(string: outcome.executionArn)
        w.appendRaw(",\"stateMachineArn\":")
        w.write(string: outcome.stateMachineArn)
        w.appendRaw(",\"name\":")
        w.write(string: outcome.name)
        switch outcome.status {
        case .succeeded: w.appendRaw(",\"status\":\"SUCCEEDED\",\"startDate\":")
        case .failed: w.appendRaw(",\"status\":\"FAILED\",\"startDate\":")
        case .timedOut: w.appendRaw(",\"status\":\"TIMED_OUT\",\"startDate\":")
        }
        writeSeconds(outcome.startDate, into: &w)
        w.appendRaw(",\"stopDate\":")
        writeSeconds(outcome.stopDate, into: &w)
        if let output = outcome.output {
            w.appendRaw(",\"output\":")
            w.write(output)
        }
        if let error = outcome.error {
            w.appendRaw(",\"error\":")
            w.write(string: error)
        }
        if let cause = outcome.cause {
            w.appendRaw(",\"cause\":")
            w.write(string: cause)
        }
        w.appendRaw(byte: 0x7D)
        return w.bytes
    }

    /// Epoch milliseconds as epoch seconds, written as `seconds(_:)` writes them.
    static func writeSeconds(_ ms: Int64, into w: inout JSONWriter) {
        if ms % 1000 == 0 { w.write(JSONNumber.int(ms / 1000)); return }
        // Dates from 2001 to 2286: 13 significant digits, which is also the shortest form that
        // round-trips (the double's precision is finer than a millisecond there), so Java's
        // `1.795246147108E9` is the millisecond digits without trailing zeros.
        guard ms >= 1_000_000_000_000 && ms < 10_000_000_000_000 else {
            w.write(JSONNumber.double(Double(ms) / 1000))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buffer in
            var digits = ms
            for i in stride(from: 13, through: 2, by: -1) {
                buffer[i] = UInt8(truncatingIfNeeded: digits % 10) &+ 0x30
                digits /= 10
            }
            buffer[0] = UInt8(truncatingIfNeeded: digits) &+ 0x30
            buffer[1] = 0x2E
            var end = 14
            while buffer[end - 1] == 0x30 { end -= 1 }
            buffer[end] = 0x45
            buffer[end + 1] = 0x39
            w.appendRaw(UnsafeBufferPointer(rebasing: buffer[0..<(end + 2)]))
        }
    }

    /// A FAILED line for input that never became an execution (bad JSON, too long, bad name).
    public func rejected(name: String, input: [UInt8]?, error: String, cause: String, now: Int64) -> Line {
        var o = JSONObject(minimumCapacity: 10)
        o["stateMachineArn"] = .string(stateMachineArn)
        o["name"] = .string(name)
        if format == .aws {
            o["startDate"] = seconds(now)
            o["stopDate"] = seconds(now)
            o["status"] = "FAILED"
            o["error"] = .string(error)
            o["cause"] = .string(cause)
            if let input { o["input"] = .string(String(decoding: input, as: UTF8.self)) }
            o["inputDetails"] = ["included": .bool(input != nil)]
            o["outputDetails"] = ["included": true]
            o["billingDetails"] = Self.billing(milliseconds: 0)
        } else {
            o["status"] = "FAILED"
            o["startDate"] = seconds(now)
            o["stopDate"] = seconds(now)
            o["error"] = .string(error)
            o["cause"] = .string(cause)
        }
        let bytes = JSONWriter.bytes(.object(o))
        return format == .output ? Line(stderr: bytes, failed: true) : Line(stdout: bytes, failed: true)
    }

    /// `--async`: StartExecution's response.
    public func acknowledgement(executionArn: String, startDate: Int64) -> Line {
        Line(stdout: JSONWriter.bytes(["executionArn": .string(executionArn), "startDate": seconds(startDate)]), failed: false)
    }

    /// Express billing: 64 MB and 100 ms increments, at least one of each.
    static func billing(milliseconds: Int64) -> JSONValue {
        let billed = max(1, (milliseconds + 99) / 100) * 100
        return ["billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": .number(.int(billed))]
    }

    /// Epoch seconds with millisecond precision, as the AWS JSON protocol writes timestamps.
    private func seconds(_ ms: Int64) -> JSONValue {
        ms % 1000 == 0 ? .number(.int(ms / 1000)) : .double(Double(ms) / 1000)
    }
}
