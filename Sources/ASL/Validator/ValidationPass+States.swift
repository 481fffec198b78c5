import ASLJSON

extension ValidationPass {
    static let maxStateNameLength = 80

    // MARK: - States

    mutating func checkState(name: String, _ json: JSONValue, _ state: StateDefinition) {
        let p = state.pointer
        if name.unicodeScalars.count > Self.maxStateNameLength {
            error(Diagnostic.Code.invalidStateName, Message.stateNameTooLong(name.unicodeScalars.count, maximum: Self.maxStateNameLength), at: p)
        }
        guard case .object(let o) = json else { return }  // reported by the decoder
        guard let typeValue = o["Type"] else {
            schema(Message.fieldsRequired(["Type"]), at: p)
            return
        }
        guard case .string(let typeName) = typeValue, Kind(rawValue: typeName) != nil else {
            schema(Message.oneOfValues("Type", ["Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map"]), at: p / "Type")
            return
        }
        let kind = state.type
        let language = state.queryLanguage
        if topLanguage == .jsonata, case .string("JSONPath")? = o["QueryLanguage"] {
            schema(Message.cannotDowngradeQueryLanguage, at: p)
        }
        let own = (language == .jsonPath ? Self.jsonPathFields : Self.jsonataFields)[kind]!
        let other = (language == .jsonPath ? Self.jsonataFields : Self.jsonPathFields)[kind]!
        checkFields(o, allowed: own.union(Self.commonFields), otherLanguage: other, language: language, at: p)

        // Next / End.
        if Self.flowTypes.contains(kind) {
            let hasNext = o["Next"] != nil
            let endTrue = o["End"] == .bool(true)
            if hasNext && endTrue {
                schema(Message.onlyOneOf(["Next", "End"]), at: p)
            } else if !hasNext && !endTrue {
                schema(Message.nextOrEndRequired, at: p)
            }
        }

        // Input/output processing.
        if language == .jsonPath {
            for key in ["InputPath", "OutputPath"] where own.contains(key) {
                if case .path(let path) = key == "InputPath" ? state.inputPath : state.outputPath {
                    checkPathValue(path, field: key, .path, at: p / key)
                }
            }
            if own.contains("ResultPath"), case .path(let path) = state.resultPath {
                checkPathValue(path, field: "ResultPath", .resultPath, at: p / "ResultPath")
            }
            for key in ["Parameters", "ResultSelector", "ItemSelector"] where own.contains(key) {
                if let value = o[key] { checkPathTemplate(value, field: key, requireObject: true, at: p / key) }
            }
        } else {
            if own.contains("Arguments"), let value = o["Arguments"] { checkJSONataTemplate(value, field: "Arguments", objectOrExpression: true, at: p / "Arguments") }
            if own.contains("ItemSelector"), let value = o["ItemSelector"] { checkJSONataTemplate(value, field: "ItemSelector", objectOrExpression: true, at: p / "ItemSelector") }
            if let value = o["Output"], own.contains("Output") { checkJSONataTemplate(value, field: "Output", objectOrExpression: false, at: p / "Output") }
        }
        if own.contains("Assign"), let value = o["Assign"] { checkAssign(value, language: language, at: p / "Assign") }

        switch kind {
        case .task: checkTask(o, state, at: p)
        case .choice: checkChoice(o, state, at: p)
        case .wait: checkWait(o, state, at: p)
        case .fail: checkFail(o, state, at: p)
        case .parallel: checkParallel(o, state, at: p)
        case .map: checkMap(o, state, at: p)
        case .pass, .succeed: break
        }
        if kind == .task || kind == .parallel || kind == .map {
            checkRetry(o, state, at: p)
            checkCatch(o, state, at: p)
        }
    }

    /// `Assign`: an object whose keys are variable names (ASL-REFERENCE §9.1).
    mutating func checkAssign(_ value: JSONValue, language: Language, at location: JSONPointer) {
        guard case .object(let object) = value else {
            schema(Message.fieldType("Assign", "an object", value), at: location)
            return
        }
        for key in object.keys {
            var name = Substring(key)
            if language == .jsonPath, name.hasSuffix(".$") { name = name.dropLast(2) }
            let scalars = Array(name.unicodeScalars)
            if name == "states" {
                schema(Message.reservedVariable, at: location)
            } else if scalars.isEmpty || !JSONPath.isVariableNameStart(scalars[0]) || !scalars.allSatisfy(JSONPath.isVariableNamePart) {
                schema(Message.invalidVariableName(name), at: location)
            } else if scalars.count > 80 {
                schema(Message.variableNameTooLong(name), at: location)
            }
        }
        if language == .jsonPath { walkPathTemplate(value, at: location) } else { walkJSONata(value, field: "Assign", at: location) }
    }

    // MARK: - Task

    mutating func checkTask(_ o: JSONObject, _ state: StateDefinition, at p: JSONPointer) {
        _ = requireFields(o, ["Resource"], at: p)
        if let resource = state.resource {
            if !resource.hasPrefix("arn:") {
                schema(Message.unrecognizedResource(resource), at: p / "Resource")
            } else if type == .express {
                if resource.hasSuffix(".waitForTaskToken") {
                    schema(Message.expressWaitForTaskToken, at: p / "Resource")
                } else if resource.hasSuffix(".sync") || resource.contains(".sync:") {
                    schema(Message.expressSync, at: p / "Resource")
                } else if Self.isActivityARN(resource) {
                    schema(Message.expressActivity, at: p / "Resource")
                }
            }
        }
        checkJSONataOperand(state.timeoutSeconds, field: "TimeoutSeconds", at: p)
        checkJSONataOperand(state.heartbeatSeconds, field: "HeartbeatSeconds", at: p)
        exclusive(o, ["TimeoutSeconds", "TimeoutSecondsPath"], at: p)
        exclusive(o, ["HeartbeatSeconds", "HeartbeatSecondsPath"], at: p)
        intRange(o, "TimeoutSeconds", min: 1, max: 99_999_999, at: p)
        intRange(o, "HeartbeatSeconds", min: 1, max: 99_999_999, at: p)
        if case .literal(let heartbeat)? = state.heartbeatSeconds {
            var timeout = 99_999_999
            if case .literal(let t)? = state.timeoutSeconds { timeout = t }
            if heartbeat >= timeout, heartbeat >= 1 {
                schema(Message.heartbeatNotBelowTimeout(heartbeat, timeout), at: p / "HeartbeatSeconds")
            }
        }
        if state.queryLanguage == .jsonPath {
            for key in ["TimeoutSecondsPath", "HeartbeatSecondsPath"] {
                if case .string(let path)? = o[key] { checkPathValue(path, field: key, .referencePath, at: p / key) }
            }
        }
        if let credentials = o["Credentials"] {
            let cp = p / "Credentials"
            guard case .object(let c) = credentials else {
                schema(Message.fieldType("Credentials", "an object", credentials), at: cp)
                return
            }
            if state.queryLanguage == .jsonPath {
                if c["RoleArn"] == nil, c["RoleArn.$"] == nil {
                    schema(Message.fieldRequiredButMissing("RoleArn"), at: cp)
                }
                checkFields(c, allowed: ["RoleArn", "RoleArn.$"], at: cp)
                exclusive(c, ["RoleArn", "RoleArn.$"], at: cp)
                walkPathTemplate(credentials, at: cp)
            } else {
                if c["RoleArn"] == nil { schema(Message.fieldRequiredButMissing("RoleArn"), at: cp) }
                checkFields(c, allowed: ["RoleArn"], at: cp)
                walkJSONata(credentials, field: "Credentials", at: cp)
            }
        }
    }

    /// `arn:<partition>:states:<region>:<account>:activity:<name>`.
    static func isActivityARN(_ resource: String) -> Bool {
        let parts = resource.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count >= 7 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "activity"
    }

    // MARK: - Wait

    mutating func checkWait(_ o: JSONObject, _ state: StateDefinition, at p: JSONPointer) {
        let names = state.queryLanguage == .jsonPath ? ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"] : ["Seconds", "Timestamp"]
        let present = names.filter { o[$0] != nil }
        if present.isEmpty {
            schema(Message.exactlyOneRequired(names), at: p)
        } else {
            exclusive(o, names, at: p)
        }
        intRange(o, "Seconds", min: 0, max: 99_999_999, at: p)
        if case .literal(let text)? = state.timestamp, !Self.isTimestampLiteral(text) {
            schema(Message.notRFC3339Timestamp, at: p / "Timestamp")
        }
        checkJSONataOperand(state.seconds, field: "Seconds", at: p)
        checkJSONataOperand(state.timestamp, field: "Timestamp", at: p)
        if state.queryLanguage == .jsonPath {
            for key in ["SecondsPath", "TimestampPath"] {
                if case .string(let path)? = o[key] { checkPathValue(path, field: key, .referencePath, at: p / key) }
            }
        }
    }

    // MARK: - Fail

    /// The intrinsics AWS accepts in `ErrorPath` and `CausePath`.
    static let failPathIntrinsics: Set<IntrinsicFunction.Name> = [.format, .jsonToString, .arrayGetItem, .base64Encode, .base64Decode, .hash, .uuid]

    mutating func checkFail(_ o: JSONObject, _ state: StateDefinition, at p: JSONPointer) {
        exclusive(o, ["Error", "ErrorPath"], at: p)
        exclusive(o, ["Cause", "CausePath"], at: p)
        checkJSONataOperand(state.error, field: "Error", at: p)
        checkJSONataOperand(state.cause, field: "Cause", at: p)
        guard state.queryLanguage == .jsonPath else { return }
        for key in ["ErrorPath", "CausePath"] {
            guard case .string(let text)? = o[key] else { continue }
            var valid = false
            if text.hasPrefix("States.") {
                if let function = try? IntrinsicFunction(text), Self.failPathIntrinsics.contains(function.name) {
                    parsed.dynamicValues[text] = .intrinsic(function)
                    valid = true
                }
            } else if case .success(let path) = Self.parsePath(text, .referencePath) {
                parsed.paths[text] = path
                valid = true
            }
            if !valid { schema(Message.invalidDynamicValue(key), at: p / key) }
        }
    }

    // MARK: - Parallel

    mutating func checkParallel(_ o: JSONObject, _ state: StateDefinition, at p: JSONPointer) {
        guard requireFields(o, ["Branches"], at: p), case .array(let branches)? = o["Branches"] else { return }
        if branches.isEmpty { schema(Message.valueCannotBeEmpty, at: p / "Branches") }
        for (i, branch) in branches.enumerated() where i < state.branches.count {
            checkMachineBody(branch, state.branches[i], scope: .branch)
        }
    }

    // MARK: - Map

    mutating func checkMap(_ o: JSONObject, _ state: StateDefinition, at p: JSONPointer) {
        let jsonPath = state.queryLanguage == .jsonPath
        if o["ItemProcessor"] == nil && o["Iterator"] == nil {
            schema(Message.fieldsRequired(["ItemProcessor"]), at: p)
        }
        exclusive(o, ["ItemProcessor", "Iterator"], at: p)
        exclusive(o, ["ItemSelector", "Parameters"], at: p)
        exclusive(o, ["MaxConcurrency", "MaxConcurrencyPath"], at: p)
        exclusive(o, ["ToleratedFailureCount", "ToleratedFailureCountPath"], at: p)
        exclusive(o, ["ToleratedFailurePercentage", "ToleratedFailurePercentagePath"], at: p)
        intRange(o, "MaxConcurrency", min: 0, at: p)
        intRange(o, "ToleratedFailureCount", min: 0, at: p)
        if case .number(let n)? = o["ToleratedFailurePercentage"] {
            if n.doubleValue < 0 { schema(Message.minimum("0.0"), at: p / "ToleratedFailurePercentage") }
            if n.doubleValue > 100 { schema(Message.maximum("100.0"), at: p / "ToleratedFailurePercentage") }
        }
        if jsonPath {
            if case .path(let path) = state.itemsPath { checkPathValue(path, field: "ItemsPath", .referencePath, at: p / "ItemsPath") }
            for key in ["MaxConcurrencyPath", "ToleratedFailureCountPath", "ToleratedFailurePercentagePath"] {
                if case .string(let path)? = o[key] { checkPathValue(path, field: key, .numericPath, at: p / key) }
            }
        } else {
            checkJSONataOperand(o, "Items", literal: "an array", at: p) { $0.arrayValue != nil }
            for key in ["MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage"] {
                checkJSONataOperand(o, key, literal: "a number", at: p) { $0.numberValue != nil }
            }
        }
        if let label = o["Label"], case .string(let text) = label {
            checkLabel(text, at: p / "Label")
        }
        if let processor = state.itemProcessor {
            let key = state.usesIterator ? "Iterator" : "ItemProcessor"
            if let json = o[key] { checkMachineBody(json, processor, scope: state.usesIterator ? .iterator : .processor) }
        }
    }

    /// Distributed Map `Label`: 1–40 characters, none of whitespace, `:;,\|^~$#%?&`"*<>{}[]`
    /// or control characters. Messages as recorded for AWS (conformance/validation).
    mutating func checkLabel(_ label: String, at location: JSONPointer) {
        if label.isEmpty {
            error(Diagnostic.Code.invalidLabelName, Message.labelEmpty, at: location)
            return
        }
        if label.unicodeScalars.count > 40 {
            error(Diagnostic.Code.invalidLabelName, Message.labelTooLong, at: location)
            return
        }
        let forbidden = Set(" :;,\\|^~$#%?&`\"*<>{}[]".unicodeScalars)
        for c in label.unicodeScalars {
            if forbidden.contains(c) || c.value < 0x20 || (0x7F...0x9F).contains(c.value) || c.properties.isWhitespace {
                error(Diagnostic.Code.invalidLabelName, Message.labelCharacter(Self.pythonRepr(c)), at: location)
                return
            }
        }
    }

    /// The character as Python's `repr` shows it (`'a'`, `'\\n'`, `'\\x9f'`), the way AWS's
    /// recorded Label messages print it.
    static func pythonRepr(_ c: Unicode.Scalar) -> String {
        switch c {
        case "\n": return "'\\n'"
        case "\r": return "'\\r'"
        case "\t": return "'\\t'"
        case "\\": return "'\\\\'"
        case "'": return "\"'\""
        default:
            if c.value < 0x20 || (0x7F...0xA0).contains(c.value) {
                let hex = String(c.value, radix: 16)
                return "'\\x" + (hex.count < 2 ? "0" + hex : hex) + "'"
            }
            return "'\(Character(c))'"
        }
    }
}
