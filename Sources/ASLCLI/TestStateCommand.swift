import ASL
import ASLJSON
import Dispatch
import Synchronization

/// `aslx test-state`: AWS's TestState API on one state of a definition (or a state alone).
enum TestStateCommand {
    static let help = """
    aslx test-state MACHINE --state NAME [--input JSON] [--variables JSON]
                    [--mock RESULT | --mock-error ERROR --mock-cause CAUSE]
                    [--inspection-level INFO|DEBUG|TRACE]

    Runs one state the way AWS's TestState API does and prints its response as one JSON line:
    {"status": "SUCCEEDED"|"FAILED"|"RETRIABLE"|"CAUGHT_ERROR", "output", "error", "cause",
     "nextState", "inspectionData": {"input", "afterInputPath", "afterParameters", "result",
     "afterResultSelector", "afterResultPath", "variables", ...}} (inspectionData from DEBUG up;
    output and inspection values are JSON text, as AWS returns them). The state runs its own
    compiled code and stops at its transition: it does not go on, retry or wait.
    MACHINE is a state machine (.asl.json, .aslc) or a single state's definition (then --state
    is optional and names it).

      --state NAME             the state to run
      --input JSON             the state's input (default {})
      --variables JSON         an object of variables in scope
      --mock RESULT            a Task's result (instead of calling it), or a Parallel/Map's result
      --mock-error ERROR, --mock-cause CAUSE   make the Task fail with this error instead
      --inspection-level L     INFO (default), DEBUG or TRACE
    Exit status: 0 when the state ran (whatever its status), 64 usage, 65 invalid definition.

    Example:
      aslx test-state Examples/hello.asl.json --state Greet --input '{"name":"Ada","amount":5,"items":[]}' --inspection-level DEBUG
    """

    static func main(_ arguments: [String]) throws -> Int32 {
        var args = Arguments(arguments)
        let (flags, values) = try args.parse(
            flags: ["-h", "--help"],
            options: ["--state", "--input", "--variables", "--mock", "--mock-error", "--mock-cause", "--inspection-level", "--name"])
        if flags.contains("-h") || flags.contains("--help") { print(help); return ExitCode.ok }
        guard let path = args.positionals.first, args.positionals.count == 1 else {
            throw UsageError("test-state: give exactly one MACHINE file (aslx test-state --help)")
        }
        let input = try json(values["--input"]?.last ?? "{}", "--input")
        var variables = JSONObject()
        if let text = values["--variables"]?.last {
            guard case .object(let o) = try json(text, "--variables") else { throw UsageError("--variables must be a JSON object") }
            variables = o
        }
        var mock: TestStateMock?
        if let result = values["--mock"]?.last {
            guard values["--mock-error"] == nil else { throw UsageError("give --mock or --mock-error, not both") }
            mock = .result(try json(result, "--mock"))
        } else if let error = values["--mock-error"]?.last {
            mock = .error(error, cause: values["--mock-cause"]?.last ?? "")
        } else if values["--mock-cause"] != nil {
            throw UsageError("--mock-cause needs --mock-error")
        }
        var level = InspectionLevel.info
        if let text = values["--inspection-level"]?.last {
            guard let parsed = InspectionLevel(rawValue: text.uppercased()) else { throw UsageError("--inspection-level must be INFO, DEBUG or TRACE") }
            level = parsed
        }

        let (machine, defaultState) = try load(path, name: values["--name"]?.last ?? MachineLoader.defaultName(path))
        guard let stateName = values["--state"]?.last ?? defaultState else {
            throw UsageError("test-state: --state NAME is required for a state machine")
        }
        let response = Mutex<Result<TestStateResult, StatesError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do throws(StatesError) {
                let r = try await machine.testState(stateName, input: input, variables: variables, mock: mock, inspectionLevel: level)
                response.withLock { $0 = .success(r) }
            } catch {
                response.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        switch response.withLock({ $0 })! {
        case .success(let r):
            print(JSONWriter.string(r.json))
            return ExitCode.ok
        case .failure(let error):
            throw UsageError("test-state: \(error.cause ?? error.error)")
        }
    }

    private static func json(_ text: String, _ option: String) throws -> JSONValue {
        do { return try JSONParser.parse(text) } catch { throw UsageError("\(option) is not JSON: \(error)") }
    }

    /// A state machine, or a lone state definition (an object with a `Type` and no `States`).
    private static func load(_ path: String, name: String) throws -> (StateMachine, String?) {
        if !path.hasSuffix(".aslc") {
            let bytes = try MachineLoader.readFile(path)
            if case .object(let o)? = try? JSONParser.parse(bytes), o["Type"] != nil, o["States"] == nil {
                do throws(DefinitionError) {
                    return (try StateMachine.singleState(.object(o), name: name), name)
                } catch {
                    throw MachineLoadError(description: "invalid state definition\n" + error.description, exitCode: ExitCode.dataError)
                }
            }
        }
        return (try MachineLoader.load(path, name: name), nil)
    }
}
