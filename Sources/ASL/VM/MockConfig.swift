import ASLJSON
import Foundation

/// AWS Step Functions Local's mock configuration file (`MockConfigFile.json`), ASL-REFERENCE §11.
///
/// A test case maps Task state names to mocked responses; each response lists what the state's
/// 0-based invocations return or throw (`"0"`, `"1-2"` keys). Every invocation of a state,
/// including each retry attempt, advances that state's counter.
public struct MockConfig: Sendable {
    /// One mocked invocation result.
    public enum Response: Sendable, Equatable {
        case `return`(JSONValue)
        case `throw`(error: String, cause: String)
    }

    /// A mocked response: invocation ranges, contiguous from 0.
    public struct MockedResponse: Sendable {
        public var ranges: [(ClosedRange<Int>, Response)]

        /// The response for the `n`th invocation (0-based), or nil past the last key.
        public func response(forInvocation n: Int) -> Response? {
            ranges.first(where: { $0.0.contains(n) })?.1
        }
    }

    public var stateMachines: [String: [String: [String: String]]]  // machine → test case → state → response name
    public var mockedResponses: [String: MockedResponse]

    /// Reads, parses and checks a mock config file: `try MockConfig(contentsOf: URL(filePath: "MockConfigFile.json"))`.
    /// Throws a `MockConfigError` ``StatesError`` whose cause names the file and what is wrong
    /// with it (unreadable, not JSON with line and column, or the offending key).
    public init(contentsOf url: URL) throws(StatesError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw StatesError.mockConfigUnreadable(url.path, error)
        }
        let json: JSONValue
        do { json = try JSONParser.parse(Array(data)) } catch {
            throw StatesError.mockConfigNotJSON(url.path, error)
        }
        do { try self.init(json: json) } catch {
            throw StatesError.mockConfigInvalid(url.path, error)
        }
    }

    /// Parses and checks a mock config; errors name the offending key.
    public init(json: JSONValue) throws(StatesError) {
        guard case .object(let root) = json else { throw StatesError.mockConfigNotObject }
        stateMachines = [:]
        mockedResponses = [:]
        if let machines = root["StateMachines"] {
            guard case .object(let machinesObject) = machines else { throw StatesError.mockConfigStateMachinesNotObject }
            for (machineName, machine) in machinesObject {
                guard case .object(let testCases)? = machine["TestCases"] else {
                    throw StatesError.mockConfigTestCasesNotObject(machine: machineName)
                }
                var cases: [String: [String: String]] = [:]
                for (caseName, mapping) in testCases {
                    guard case .object(let mappingObject) = mapping else {
                        throw StatesError.mockConfigTestCaseNotObject(machine: machineName, testCase: caseName)
                    }
                    var states: [String: String] = [:]
                    for (state, response) in mappingObject {
                        guard case .string(let name) = response else {
                            throw StatesError.mockConfigStateNotNamingResponse(machine: machineName, testCase: caseName, state: state)
                        }
                        states[state] = name
                    }
                    cases[caseName] = states
                }
                stateMachines[machineName] = cases
            }
        }
        if let responses = root["MockedResponses"] {
            guard case .object(let responsesObject) = responses else { throw StatesError.mockConfigResponsesNotObject }
            for (responseName, body) in responsesObject {
                guard case .object(let keys) = body else { throw StatesError.mockConfigResponseNotObject(responseName) }
                var ranges: [(ClosedRange<Int>, Response)] = []
                for (key, entry) in keys {
                    let parts = key.split(separator: "-", omittingEmptySubsequences: false)
                    guard (1...2).contains(parts.count), let low = Int(parts[0]), let high = Int(parts.last!), low >= 0, low <= high,
                          parts.count == 1 || low < high
                    else { throw StatesError.mockConfigInvocationKey(responseName, key: key) }
                    guard case .object(let e) = entry else { throw StatesError.mockConfigEntryNotObject(responseName, key: key) }
                    let response: Response
                    switch (e["Return"], e["Throw"]) {
                    case (let r?, nil): response = .return(r)
                    case (nil, let t?):
                        guard case .string(let error)? = t["Error"], case .string(let cause)? = t["Cause"] else {
                            throw StatesError.mockConfigThrowFields(responseName, key: key)
                        }
                        response = .throw(error: error, cause: cause)
                    default:
                        throw StatesError.mockConfigReturnOrThrow(responseName, key: key)
                    }
                    ranges.append((low...high, response))
                }
                ranges.sort { $0.0.lowerBound < $1.0.lowerBound }
                var expected: Int? = 0  // nil once a range ends at Int.max: nothing can follow it
                for (range, _) in ranges {
                    guard let next = expected, range.lowerBound == next else {
                        throw StatesError.mockConfigNotConsecutive(responseName, missing: expected, overlapAt: range.lowerBound)
                    }
                    let (after, overflow) = range.upperBound.addingReportingOverflow(1)
                    expected = overflow ? nil : after
                }
                mockedResponses[responseName] = MockedResponse(ranges: ranges)
            }
        }
    }

    /// The state → mocked response table for one machine's test case.
    public func testCase(_ name: String, machine: String) throws(StatesError) -> [String: MockedResponse] {
        func known(_ names: some Collection<String>) -> String {
            names.isEmpty ? "none" : names.sorted().map { "'\($0)'" }.joined(separator: ", ")
        }
        guard let cases = stateMachines[machine] else {
            throw StatesError.mockConfigNoMachine(machine, known: known(stateMachines.keys))
        }
        guard let mapping = cases[name] else {
            throw StatesError.mockConfigNoTestCase(name, machine: machine, known: known(cases.keys))
        }
        var table: [String: MockedResponse] = [:]
        for (state, responseName) in mapping {
            guard let response = mockedResponses[responseName] else {
                throw StatesError.mockConfigUnknownResponse(testCase: name, state: state, response: responseName)
            }
            table[state] = response
        }
        return table
    }

    /// Checks a test case against a machine before anything runs, so a mistake is one clear
    /// error rather than a failed execution per input: the machine and test case exist, every
    /// response they name exists, and every Task state has a mocked response unless
    /// `isHandled(resource)` says a handler serves that Resource. Throws `MockConfigError`
    /// naming the test case and the state.
    public func check(testCase name: String, for machine: StateMachine,
                      isHandled: (_ resource: String) -> Bool = { _ in false }) throws(StatesError) {
        let table = try testCase(name, machine: machine.name)
        for task in machine.program.taskStates where table[task.name] == nil && !isHandled(task.resource) {
            throw StatesError.mockConfigUnmockedTask(testCase: name, machine: machine.name, state: task.name, resource: task.resource)
        }
    }
}
