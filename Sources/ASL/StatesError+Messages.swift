import ASLJSON
import JSONata

// The causes aslx writes into execution errors, one factory per text, so AWS's wording can be
// reviewed (and kept byte-identical: the conformance cases pin it) in this one file.

// MARK: - Intrinsic functions (States.Runtime: "The function '…' had the following error: …")

extension StatesError {
    /// The `States.Runtime` error AWS raises for any failing intrinsic call: the call's text and
    /// what went wrong in it.
    static func intrinsicCallFailed(_ callText: String, _ detail: String) -> StatesError {
        .runtime("The function '\(callText)' had the following error: \(detail)")
    }
}

extension IntrinsicFailure {
    static func pathNotFound(_ path: String, input: JSONValue) -> IntrinsicFailure {
        IntrinsicFailure("The JsonPath argument for the field '\(path)' could not be found in the input '\(JSONWriter.string(input))'")
    }

    static func invalidArgument(_ function: String, _ index: Int, expected: String, _ value: JSONValue) -> IntrinsicFailure {
        IntrinsicFailure("Invalid argument \(index + 1) of \(function): expected \(expected) but was \(value.typeName) '\(JSONWriter.string(value))'")
    }

    static func outside64BitRange(_ function: String, _ index: Int, _ value: JSONValue) -> IntrinsicFailure {
        IntrinsicFailure("Argument \(index + 1) of \(function) is outside the 64-bit integer range: \(JSONWriter.string(value))")
    }

    static func outside32BitRange(_ function: String, _ index: Int, _ value: JSONValue) -> IntrinsicFailure {
        IntrinsicFailure("Argument \(index + 1) of \(function) is outside the 32-bit integer range: \(JSONWriter.string(value))")
    }

    static func formatArgumentCount(_ arguments: Int, placeholders: Int) -> IntrinsicFailure {
        IntrinsicFailure("Number of arguments (\(arguments)) does not match the number of placeholders (\(placeholders)) in the format string")
    }

    static func notJSON(_ text: String) -> IntrinsicFailure {
        IntrinsicFailure("The argument '\(text)' is not a valid JSON string")
    }

    static func chunkSizeNotPositive(_ size: Int64) -> IntrinsicFailure {
        IntrinsicFailure("The chunk size must be a positive integer, but was \(size)")
    }

    static let zeroStep = IntrinsicFailure("The step argument must not be zero")

    static func rangeTooLong(maxItems: Int) -> IntrinsicFailure {
        IntrinsicFailure("The array range cannot contain more than \(maxItems) items")
    }

    static func indexOutOfBounds(_ index: Int64, count: Int) -> IntrinsicFailure {
        IntrinsicFailure("The index \(index) is out of bounds for an array of length \(count)")
    }

    static func notBase64(_ text: String) -> IntrinsicFailure {
        IntrinsicFailure("The argument '\(text)' is not a valid Base64 string")
    }

    static func unsupportedHash(_ algorithm: String) -> IntrinsicFailure {
        IntrinsicFailure("The hashing algorithm '\(algorithm)' is not supported. Supported algorithms: MD5, SHA-1, SHA-256, SHA-384, SHA-512")
    }

    static let deepMerge = IntrinsicFailure("Deep merge is not supported: the third argument must be false")

    static func randomEndNotAfterStart(start: Int64, end: Int64) -> IntrinsicFailure {
        IntrinsicFailure("The end value (\(end)) must be greater than the start value (\(start))")
    }

    static func randomRangeTooLarge(_ function: String, start: Int64, end: Int64) -> IntrinsicFailure {
        IntrinsicFailure("The range from \(start) to \(end) of \(function) is too large")
    }

    static func inputTooLong(_ function: String, maxLength: Int) -> IntrinsicFailure {
        IntrinsicFailure("The input string of \(function) exceeds the maximum length of \(maxLength) characters")
    }
}

// MARK: - Tasks

extension StatesError {
    /// A Task whose Resource nothing serves (no handler, no Lambda function, no mock).
    static func noHandler(resource: String, stateName: String, mocked: Bool) -> StatesError {
        let mockNote = mocked ? " and the mock test case has no response for state '\(stateName)'" : ""
        return StatesError(taskFailed,
            "No handler is registered for resource '\(resource)'\(mockNote). Register one in the engine configuration, use --task, or mock it with --mock-config.")
    }

    /// A mocked state invoked more often than its mocked response has entries for.
    static func noMockedResponse(invocation: Int, stateName: String) -> StatesError {
        .runtime("The mock config has no response for invocation \(invocation) (0-based) of state '\(stateName)'; every invocation, including retries, needs one")
    }

    /// A resource handler that threw something other than a `StatesError`.
    static func handlerFailed(_ error: any Error) -> StatesError {
        StatesError(taskFailed, String(describing: error))
    }

    /// Service-integration Parameters that do not fit the integration's shape; `reasons` as
    /// ``ServiceParameters`` words them.
    static func invalidServiceParameters(_ parameters: JSONValue, reasons: [String]) -> StatesError {
        .runtime("The Parameters '\(JSONWriter.string(parameters))' could not be used to start the Task: [\(reasons.joined(separator: ", "))]")
    }

    /// The reasons listed in ``invalidServiceParameters(_:reasons:)``.
    enum ServiceParameterReason {
        static func unsupported(_ field: String) -> String { "The field '\(field)' is not supported by Step Functions" }
        static func invalidFormat(_ field: String) -> String { "The value of the field '\(field)' has an invalid format" }
        static func missing(_ field: String) -> String { "The field '\(field)' is required but was missing" }
        static let notObject = "The Parameters must be a JSON object"
    }

    /// `TestState` on a state the machine does not have.
    static func noSuchState(_ stateName: String) -> StatesError {
        StatesError("InvalidDefinition", "The state machine has no state named '\(stateName)'")
    }
}

// MARK: - HTTP Task (States.Http.*)

extension StatesError {
    static let httpSocket = "States.Http.Socket"

    static func undefinedConnection(_ arn: String) -> StatesError {
        .runtime("The connection '\(arn)' is not defined: give its credentials with --http-connections FILE (or HTTPTaskConfiguration.connections)")
    }

    /// A non-2xx response: AWS names the error after the status and puts the response in the cause.
    static func httpStatus(_ statusCode: Int, response: JSONValue) -> StatesError {
        StatesError("States.Http.StatusCode.\(statusCode)", JSONWriter.string(response))
    }

    static let httpMissingEndpointOrMethod = StatesError.runtime("An HTTP Task needs the string fields 'ApiEndpoint' and 'Method'")

    static func httpEndpointNotURL(_ endpoint: String) -> StatesError {
        .runtime("The ApiEndpoint '\(endpoint)' is not an http(s) URL")
    }

    static func httpArrayFormat(_ format: String) -> StatesError {
        .runtime("ArrayFormat must be INDICES, REPEAT, COMMAS or BRACKETS (got '\(format)')")
    }

    static func oauthEndpointNotURL(_ endpoint: String, connection arn: String) -> StatesError {
        StatesError(taskFailed, "The OAuth endpoint '\(endpoint)' of connection '\(arn)' is not a URL")
    }

    static func oauthTokenFailed(connection arn: String, status: Int, body: String) -> StatesError {
        StatesError(taskFailed, "The OAuth token request of connection '\(arn)' failed with HTTP \(status): \(body)")
    }

    static let httpNoResponse = StatesError(httpSocket, "The server sent no HTTP response")

    static func httpTimedOut(after seconds: Double) -> StatesError {
        StatesError(httpSocket, "The HTTP request timed out after \(seconds) seconds")
    }

    static func httpFailed(_ error: any Error) -> StatesError {
        StatesError(httpSocket, "The HTTP request failed: \(error.localizedDescription)")
    }
}

/// The connections file (`--http-connections`, `HTTPTaskConfiguration.connections(from:)`).
extension HTTPConnectionError {
    static let notAnObject = HTTPConnectionError("the connections file must be a JSON object keyed by connection ARN")

    static func notAString(connection arn: String, field: String) -> HTTPConnectionError {
        HTTPConnectionError("connection '\(arn)': \(field) must be a string")
    }

    static func unknownAuthorizationType(connection arn: String, _ type: String) -> HTTPConnectionError {
        HTTPConnectionError("connection '\(arn)': AuthorizationType must be BASIC, API_KEY or OAUTH_CLIENT_CREDENTIALS (got '\(type)')")
    }
}

// MARK: - Mock config (MockConfigError)

extension StatesError {
    static let mockConfigError = "MockConfigError"

    static func mockConfig(_ message: String) -> StatesError { StatesError(mockConfigError, message) }

    static func mockConfigUnreadable(_ path: String, _ error: any Error) -> StatesError {
        mockConfig("cannot read '\(path)': \(error.localizedDescription)")
    }

    static func mockConfigNotJSON(_ path: String, _ error: JSONParserError) -> StatesError {
        mockConfig("\(path):\(error.line):\(error.column): \(error.message)")
    }

    static func mockConfigInvalid(_ path: String, _ error: StatesError) -> StatesError {
        mockConfig("\(path): \(error.cause ?? error.error)")
    }

    static let mockConfigNotObject = mockConfig("The mock config must be a JSON object")
    static let mockConfigStateMachinesNotObject = mockConfig("'StateMachines' must be an object")
    static let mockConfigResponsesNotObject = mockConfig("'MockedResponses' must be an object")

    static func mockConfigTestCasesNotObject(machine: String) -> StatesError {
        mockConfig("StateMachines.\(machine).TestCases must be an object")
    }

    static func mockConfigTestCaseNotObject(machine: String, testCase: String) -> StatesError {
        mockConfig("StateMachines.\(machine).TestCases.\(testCase) must be an object")
    }

    static func mockConfigStateNotNamingResponse(machine: String, testCase: String, state: String) -> StatesError {
        mockConfig("StateMachines.\(machine).TestCases.\(testCase).\(state) must name a mocked response")
    }

    static func mockConfigResponseNotObject(_ response: String) -> StatesError {
        mockConfig("MockedResponses.\(response) must be an object")
    }

    static func mockConfigInvocationKey(_ response: String, key: String) -> StatesError {
        mockConfig("MockedResponses.\(response): invalid invocation key '\(key)' (expected \"n\" or \"a-b\")")
    }

    static func mockConfigEntryNotObject(_ response: String, key: String) -> StatesError {
        mockConfig("MockedResponses.\(response).\(key) must be an object")
    }

    static func mockConfigThrowFields(_ response: String, key: String) -> StatesError {
        mockConfig("MockedResponses.\(response).\(key).Throw needs string 'Error' and 'Cause'")
    }

    static func mockConfigReturnOrThrow(_ response: String, key: String) -> StatesError {
        mockConfig("MockedResponses.\(response).\(key) must have exactly one of 'Return' or 'Throw'")
    }

    /// Invocation ranges must cover 0, 1, 2, … without gaps or overlaps: `missing` is the first
    /// invocation not covered, or `nil` when `overlapAt` is covered twice.
    static func mockConfigNotConsecutive(_ response: String, missing: Int?, overlapAt: Int) -> StatesError {
        mockConfig("MockedResponses.\(response): mock responses must be consecutively numbered from 0 (\(missing.map { "missing \($0)" } ?? "overlapping at \(overlapAt)"))")
    }

    /// `known` is the sorted, quoted list of names the config does have (or `none`).
    static func mockConfigNoMachine(_ machine: String, known: String) -> StatesError {
        mockConfig("The mock config has no state machine named '\(machine)' (it has \(known); --name sets the name)")
    }

    static func mockConfigNoTestCase(_ testCase: String, machine: String, known: String) -> StatesError {
        mockConfig("Invalid mock test case name '\(testCase)' for state machine '\(machine)' (its test cases: \(known))")
    }

    static func mockConfigUnknownResponse(testCase: String, state: String, response: String) -> StatesError {
        mockConfig("Test case '\(testCase)' maps state '\(state)' to unknown mocked response '\(response)'")
    }

    static func mockConfigUnmockedTask(testCase: String, machine: String, state: String, resource: String) -> StatesError {
        mockConfig("Test case '\(testCase)' of state machine '\(machine)' has no mocked response for Task state '\(state)' (Resource \(resource))")
    }
}

// MARK: - Location prefix (every States.Runtime, QueryEvaluationError, IntrinsicFailure and ResultPathMatchFailure cause)

extension StatesError {
    /// What AWS puts before the cause of an error a state's own processing raised.
    static func locationPrefix(state: String, enteredEventId: Int) -> String {
        "An error occurred while executing the state '\(state)' (entered at the event id #\(enteredEventId)). "
    }
}

// MARK: - Paths (JSONPath, ReferencePath, payload templates, Choice)

extension StatesError {
    /// A definite path that selected nothing (`InputPath`, `OutputPath`, `ItemsPath`, …);
    /// `reason` is Jayway's explanation.
    static func pathSelectsNothing(_ path: String, _ reason: String) -> StatesError {
        .runtime("Invalid path '\(path)' : \(reason)")
    }

    /// A `ResultPath` that cannot be applied to the state's input.
    static func resultPathNotApplicable(_ path: String, _ reason: String) -> StatesError {
        StatesError(resultPathMatchFailure, "Invalid path '\(path)' : \(reason)")
    }

    /// A `.$` field (or a Fail state's `ErrorPath`/`CausePath`) whose path selects nothing;
    /// `input` is the input as written.
    static func fieldPathNotFound(_ path: String, field: String, input: String) -> StatesError {
        .runtime("The JSONPath '\(path)' specified for the field '\(field)' could not be found in the input '\(input)'")
    }

    /// AWS: `Invalid path '$.x': The choice state's condition path references an invalid value.`
    static func choicePathInvalid(_ path: String) -> StatesError {
        .runtime("Invalid path '\(path)': The choice state's condition path references an invalid value.")
    }

    /// A Choice state none of whose rules matched, without a `Default`.
    static let noChoiceMatchedError = StatesError(noChoiceMatched, "No Matches!")
}

// MARK: - JSONata (States.QueryEvaluationError)

extension StatesError {
    static func jsonataNotParsed(_ body: some StringProtocol, field: String, _ error: JSONataError) -> StatesError {
        StatesError(queryEvaluationError,
                    "The JSONata expression '\(body)' specified for the field '\(field)' could not be parsed. \(error.code): \(error.message)")
    }

    static func jsonataFailed(_ source: String, field: String, _ error: JSONataError) -> StatesError {
        StatesError(queryEvaluationError,
                    "The JSONata expression '\(source)' specified for the field '\(field)' threw an error during evaluation. \(error.code): \(error.message)")
    }

    static func jsonataUndefined(_ source: String, field: String) -> StatesError {
        StatesError(queryEvaluationError,
                    "The JSONata expression '\(source)' specified for the field '\(field)' returned nothing (undefined).")
    }

    static func jsonataUnsupportedResult(_ source: String, field: String) -> StatesError {
        StatesError(queryEvaluationError,
                    "The JSONata expression '\(source)' specified for the field '\(field)' returned an unsupported result type.")
    }

    /// A field that needs one type (`Items`: array, `Condition`: boolean) got another.
    static func jsonataUnexpectedType(_ source: some StringProtocol, field: String, expected: String, _ value: JSONValue) -> StatesError {
        StatesError(queryEvaluationError,
                    "The JSONata expression '\(source)' specified for the field '\(field)' returned an unexpected result type. Expected '\(expected)', but was '\(value.typeName)' for value: \(value.description)")
    }
}

// MARK: - Numeric fields (MaxConcurrency, ToleratedFailure*, TimeoutSeconds, HeartbeatSeconds)

extension StatesError {
    /// A `…Path` numeric field whose value is not a number of the field's kind.
    static func pathNotNumber(field: String, quotedValue: String, isFloat: Bool, path: String) -> StatesError {
        .runtime("The \(field) field refers to value \(quotedValue) which is not a valid \(isFloat ? "float" : "integer"): \(path)")
    }

    static func jsonataNotNumber(field: String, _ value: JSONValue) -> StatesError {
        StatesError(queryEvaluationError, "The \(field) field must be a number but was: \(value.description)")
    }

    static func jsonataNotInt32(field: String, _ value: JSONValue) -> StatesError {
        StatesError(queryEvaluationError, "The \(field) field must be an integer from -2147483648 to 2147483647 but was: \(value.description)")
    }

    /// `TimeoutSecondsPath`/`HeartbeatSecondsPath` selecting 0 or less; `text` is the number as AWS writes it.
    static func pathNotPositive(field: String, _ text: String, path: String) -> StatesError {
        .runtime("The \(field) field refers to value \"\(text)\" which is not a positive integer: \(path)")
    }

    static func jsonataNotPositive(field: String, _ text: String) -> StatesError {
        StatesError(queryEvaluationError, "The \(field) field must be a positive integer but was: \(text)")
    }
}

// MARK: - Wait

extension StatesError {
    static func secondsPathMissing(_ path: String) -> StatesError {
        .runtime("The SecondsPath parameter does not reference an input value: \(path)")
    }

    static func secondsPathNotLong(_ path: String, _ value: JSONValue) -> StatesError {
        .runtime("The SecondsPath parameter cannot be parsed as a long value: \(path) == \(value.description)")
    }

    static func secondsPathNegative(_ path: String, _ value: JSONValue) -> StatesError {
        .runtime("The SecondsPath parameter references a negative value: \(path) == \(value.description)")
    }

    static let waitTooLong = StatesError.runtime("Wait state delay is too long.")

    static func jsonataSecondsNegative(_ seconds: Int64) -> StatesError {
        StatesError(queryEvaluationError, "The Seconds field must be a non-negative integer but was: \(seconds)")
    }

    static func timestampPathMissing(_ source: String) -> StatesError {
        .runtime("The TimestampPath parameter does not reference an input value: \(source)")
    }

    /// `text` is the value selected (its string, else its JSON).
    static func timestampPathNotTimestamp(_ source: String, _ text: String) -> StatesError {
        .runtime("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: \(source) == \(text)")
    }

    static func jsonataNotTimestamp(_ text: String) -> StatesError {
        StatesError(queryEvaluationError,
                    "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: \(text)")
    }
}

// MARK: - Map

extension StatesError {
    /// Map input (or `ItemsPath`/`Items` result) that is not an array; `States.QueryEvaluationError`
    /// in a JSONata state, `States.Runtime` in a JSONPath one.
    static func mapInputNotArray(_ value: JSONValue, jsonata: Bool) -> StatesError {
        StatesError(jsonata ? queryEvaluationError : runtime,
                    "Map state input must be an array but was: \(value.description)")
    }

    static let toleratedFailureCountNegative = StatesError.runtime("ToleratedFailureCount cannot be negative.")
    static let toleratedFailurePercentageRange = StatesError.runtime("ToleratedFailurePercentage must be between 0 and 100.")
    static let toleratedFailureThresholdExceeded = StatesError(exceedToleratedFailureThreshold, "The specified tolerated failure threshold was exceeded")
}

// MARK: - Data limits (States.DataLimitExceeded)

extension StatesError {
    static func resultTooLarge(state: String) -> StatesError {
        StatesError(dataLimitExceeded,
                    "The state/task '\(state)' returned a result with a size exceeding the maximum number of bytes service limit.")
    }

    static func variableTooLarge(_ variable: String, state: String, size: Int, limit: Int) -> StatesError {
        StatesError(dataLimitExceeded,
                    "The variable '\(variable)' assigned by the state '\(state)' has a size of \(size) bytes, exceeding the maximum of \(limit) bytes for a variable.")
    }

    static func assignTooLarge(state: String, size: Int, limit: Int) -> StatesError {
        StatesError(dataLimitExceeded,
                    "The Assign of the state '\(state)' has a size of \(size) bytes, exceeding the maximum of \(limit) bytes for one Assign.")
    }

    static func variablesTooLarge(state: String, total: Int, limit: Int) -> StatesError {
        StatesError(dataLimitExceeded,
                    "The state '\(state)' would bring the execution's variables to \(total) bytes, exceeding the maximum of \(limit) bytes for all variables of an execution.")
    }
}

// MARK: - Task timeouts (scheduler)

extension StatesError {
    static func heartbeatTimedOut(after seconds: Double) -> StatesError {
        StatesError(heartbeatTimeout, "The task sent no heartbeat for \(JavaDouble.format(seconds)) seconds.")
    }

    static func taskTimedOut(after seconds: Double) -> StatesError {
        StatesError(timeout, "Task timed out after \(JavaDouble.format(seconds)) seconds.")
    }
}

// MARK: - Execution names (a FAILED record's InvalidName cause)

extension ExecutionName.Problem {
    static func namePathSelectsNothing(_ path: String, line: Int) -> Self {
        Self(cause: "Invalid Name: the --name-path '\(path)' selects nothing in the input on line \(line)")
    }

    static func namePathNotString(_ path: String, typeName: String, line: Int) -> Self {
        Self(cause: "Invalid Name: the --name-path '\(path)' selects a \(typeName) on line \(line), not a string")
    }

    static func invalidName(_ name: String, line: Int, _ problem: String) -> Self {
        Self(cause: "Invalid Name: '\(name)' (line \(line)): \(problem)")
    }
}
