import ASLJSON
import Testing
@testable import ASL

@Suite struct LogHistogramTests {
    @Test func everyValueFallsInTheBucketWhoseRangeHoldsIt() {
        var values: [UInt64] = Array(0...300)
        var v: UInt64 = 301
        while v < 1 << 50 { values.append(v); values.append(v + v / 3); v = v * 2 + 1 }
        var previous = -1
        for value in values.sorted() {
            let b = LogHistogram.bucket(value)
            #expect(b >= previous, "buckets grow with values")
            previous = b
            #expect(LogHistogram.lowerBound(b) <= value)
            if b + 1 < LogHistogram.bucketCount {
                #expect(value < LogHistogram.lowerBound(b + 1), "\(value) is below the next bucket")
                // 8 buckets per octave: a bucket is at most 1/8 of its lower bound wide.
                let width = LogHistogram.lowerBound(b + 1) - LogHistogram.lowerBound(b)
                #expect(width <= max(1, LogHistogram.lowerBound(b) / 8))
            }
        }
    }

    @Test func quantilesAreNearestRankWithinABucket() {
        var counts = [UInt64](repeating: 0, count: LogHistogram.bucketCount)
        // 99 values of 1 µs and one of 1 s.
        counts[LogHistogram.bucket(1_000)] = 99
        counts[LogHistogram.bucket(1_000_000_000)] = 1
        let p50 = LogHistogram.quantile(0.5, counts: counts, max: 1_000_000_000)
        let p99 = LogHistogram.quantile(0.99, counts: counts, max: 1_000_000_000)
        let p100 = LogHistogram.quantile(1, counts: counts, max: 1_000_000_000)
        #expect(p50 >= 875 && p50 <= 1_125)
        #expect(p99 >= 875 && p99 <= 1_125)
        #expect(p100 == 1_000_000_000 || (p100 >= 875_000_000 && p100 <= 1_000_000_000))
        #expect(LogHistogram.quantile(0.5, counts: [UInt64](repeating: 0, count: LogHistogram.bucketCount), max: 0) == 0)
    }
}

@Suite struct StatisticsCollectorTests {
    static let definition = """
    {"StartAt": "Route", "States": {
      "Route": {"Type": "Choice", "Choices": [
          {"Variable": "$.mode", "StringEquals": "fail", "Next": "Stop"},
          {"Variable": "$.mode", "StringEquals": "boom", "Next": "CallBoom"}], "Default": "Sleep"},
      "Stop": {"Type": "Fail", "Error": "Bad", "Cause": "asked to fail"},
      "Sleep": {"Type": "Wait", "Seconds": 10, "Next": "Call"},
      "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f", "Payload": {}}, "Next": "Done"},
      "CallBoom": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f", "Payload": {}},
        "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}], "Next": "Done"},
      "Caught": {"Type": "Pass", "Next": "Done"},
      "Done": {"Type": "Succeed"}}}
    """

    /// Three Wait/Call executions, one retried-then-caught, one Fail state, on the virtual clock.
    static func run() async throws -> StatisticsSnapshot {
        let machine = try StateMachine(definition: definition, name: "test")
        var configuration = EngineConfiguration()
        configuration.clock = .virtual
        configuration.workers = 2
        configuration.mockConfig = try MockConfig(json: [
            "StateMachines": ["test": ["TestCases": ["T": ["Call": "Ok", "CallBoom": "Boom"]]]],
            "MockedResponses": ["Ok": ["0": ["Return": ["StatusCode": 200, "Payload": 1]]],
                                "Boom": ["0-2": ["Throw": ["Error": "Boom", "Cause": "always"]]]]])
        configuration.mockTestCase = "T"
        let collector = StatisticsCollector(machine: machine, workers: configuration.workers)
        configuration.statistics = collector
        let engine = Engine(configuration)
        for mode in ["ok", "ok", "boom", "ok", "fail"] {
            _ = await engine.execute(machine, input: ["mode": .string(mode)])
        }
        return collector.snapshot()
    }

    static func state(_ s: StatisticsSnapshot, _ name: String) -> StatisticsSnapshot.State? { s.states.first { $0.name == name } }

    @Test func countsEntriesSuccessesErrorsRetriesAndCatchesPerState() async throws {
        let s = try await Self.run()
        let route = try #require(Self.state(s, "Route"))
        #expect(route.entries == 5 && route.successes == 5 && route.errors.isEmpty)
        let stop = try #require(Self.state(s, "Stop"))
        #expect(stop.entries == 1 && stop.successes == 0)
        #expect(stop.errors.map(\.name) == ["Bad"] && stop.errorCount == 1)
        let call = try #require(Self.state(s, "Call"))
        #expect(call.entries == 3 && call.successes == 3 && call.retries == 0)
        let boom = try #require(Self.state(s, "CallBoom"))
        #expect(boom.entries == 1 && boom.successes == 0)
        #expect(boom.errors.first?.name == "Boom" && boom.errors.first?.count == 3)
        #expect(boom.retries == 2 && boom.catches == 1)
        #expect(Self.state(s, "Caught")?.entries == 1)
        #expect(Self.state(s, "Done")?.entries == 4)
        #expect(s.succeeded == 4 && s.failed == 1 && s.timedOut == 0)
    }

    @Test func timesComeFromTheEngineClock() async throws {
        let s = try await Self.run()
        let sleep = try #require(Self.state(s, "Sleep"))
        // Virtual clock: the Wait takes exactly its 10 s (timers have 1 ms resolution).
        #expect(sleep.time.count == 3)
        #expect(sleep.time.max >= 10_000_000_000 && sleep.time.max <= 10_002_000_000)
        let p50 = sleep.time.quantile(0.5)
        #expect(p50 >= 8_750_000_000 && p50 <= sleep.time.max)
        // Two 1 s retry intervals before the catch.
        let boom = try #require(Self.state(s, "CallBoom"))
        #expect(boom.time.max >= 2_000_000_000 && boom.time.max < 2_010_000_000)
        #expect(s.duration.max >= 10_000_000_000)
        #expect(s.duration.count == 5)
    }

    @Test func jsonHasOneObjectPerStateAndExecutionTotals() async throws {
        let s = try await Self.run()
        let json = s.json(extra: [("events", 5)])
        #expect(json["events"] == 5)
        #expect(json["executions"]?["SUCCEEDED"] == 4)
        #expect(json["executions"]?["FAILED"] == 1)
        #expect(json["executions"]?["total"] == 5)
        #expect(json["states"]?["CallBoom"]?["errors"] == ["Boom": 3])
        #expect(json["states"]?["CallBoom"]?["retries"] == 2)
        #expect(json["states"]?["Sleep"]?["timeMs"]?["max"]?.numberValue.map { $0.doubleValue >= 10_000 } == true)
        #expect(json["states"]?.objectValue?.count == 7)
    }

    @Test func executionsOfOtherMachinesAreNotCounted() async throws {
        let counted = try StateMachine(definition: #"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#, name: "a")
        let other = try StateMachine(definition: #"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#, name: "b")
        var configuration = EngineConfiguration()
        configuration.workers = 1
        let collector = StatisticsCollector(machine: counted, workers: 1)
        configuration.statistics = collector
        let engine = Engine(configuration)
        _ = await engine.execute(counted, input: [:])
        _ = await engine.execute(other, input: [:])
        #expect(collector.snapshot().executions == 1)
        #expect(collector.snapshot().states[0].entries == 1)
    }
}
