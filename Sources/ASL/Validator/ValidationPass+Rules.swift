import ASLJSON

extension ValidationPass {
    // MARK: - Retry / Catch (ASL-REFERENCE §7.3, §7.4)

    /// `ErrorEquals`: non-empty; `States.ALL` alone and only in the last rule.
    mutating func checkErrorEquals(_ rule: JSONObject, index: Int, count: Int, field: String, at rp: JSONPointer) {
        guard case .array(let names)? = rule["ErrorEquals"] else { return }
        if names.isEmpty { schema(Message.valueCannotBeEmpty, at: rp / "ErrorEquals") }
        if names.contains(.string(StatesError.all)) {
            if names.count > 1 {
                schema(Message.statesAllNotAlone, at: rp / "ErrorEquals")
            }
            if index != count - 1 {
                schema(Message.statesAllNotLast(field), at: rp / "ErrorEquals")
            }
        }
    }

    mutating func checkRetry(_ o: JSONObject, _ state: StateDefinition, at p: JSONPointer) {
        guard case .array(let rules)? = o["Retry"] else { return }
        for (i, rule) in rules.enumerated() {
            guard case .object(let r) = rule else { continue }  // reported by the decoder
            let rp = p / "Retry" / i
            checkFields(r, allowed: ["ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds",
                                     "JitterStrategy", "Comment"], at: rp)
            _ = requireFields(r, ["ErrorEquals"], at: rp)
            checkErrorEquals(r, index: i, count: rules.count, field: "Retry", at: rp)
            intRange(r, "IntervalSeconds", min: 1, max: 99_999_999, at: rp)
            intRange(r, "MaxAttempts", min: 0, max: 99_999_999, at: rp)
            intRange(r, "MaxDelaySeconds", min: 1, max: 31_622_400, at: rp)
            if case .number(let n)? = r["BackoffRate"], n.doubleValue < 1.0 {
                schema(Message.minimum("1.0"), at: rp / "BackoffRate")
            }
        }
    }

    mutating func checkCatch(_ o: JSONObject, _ state: StateDefinition, at p: JSONPointer) {
        guard case .array(let rules)? = o["Catch"] else { return }
        let jsonPath = state.queryLanguage == .jsonPath
        for (i, rule) in rules.enumerated() {
            guard case .object(let c) = rule else { continue }
            let cp = p / "Catch" / i
            checkFields(c, allowed: jsonPath ? ["ErrorEquals", "Next", "ResultPath", "Assign", "Comment"]
                                             : ["ErrorEquals", "Next", "Output", "Assign", "Comment"],
                        otherLanguage: jsonPath ? ["Output"] : ["ResultPath"], language: state.queryLanguage, at: cp)
            _ = requireFields(c, ["ErrorEquals", "Next"], at: cp)
            checkErrorEquals(c, index: i, count: rules.count, field: "Catch", at: cp)
            if jsonPath, case .string(let path)? = c["ResultPath"] {
                checkPathValue(path, field: "ResultPath", .resultPath, at: cp / "ResultPath")
            }
            if !jsonPath, let output = c["Output"] { checkJSONataTemplate(output, field: "Output", objectOrExpression: false, at: cp / "Output") }
            if let assign = c["Assign"] { checkAssign(assign, language: state.queryLanguage, at: cp / "Assign") }
        }
    }

    // MARK: - Choice (ASL-REFERENCE §5)

    /// The comparison operators' field names (the table is the model's ``ChoiceOperator``).
    static let comparisonOperatorNames = Set(ChoiceOperator.all.map(\.name))

    mutating func checkChoice(_ o: JSONObject, _ state: StateDefinition, at p: JSONPointer) {
        guard requireFields(o, ["Choices"], at: p), case .array(let rules)? = o["Choices"] else { return }
        if rules.isEmpty { schema(Message.valueCannotBeEmpty, at: p / "Choices") }
        // The decoded rules, one per element: the shape checks read each as written.
        for rule in state.choices {
            if state.queryLanguage == .jsonata {
                checkJSONataRule(rule.raw, at: rule.pointer)
            } else {
                checkRule(rule.raw, topLevel: true, at: rule.pointer)
            }
        }
    }

    mutating func checkJSONataRule(_ rule: JSONValue, at rp: JSONPointer) {
        guard case .object(let r) = rule else {
            schema(Message.choiceRuleNotObject(rule), at: rp)
            return
        }
        let jsonPathOnly = Self.comparisonOperatorNames.union(["Variable", "And", "Or", "Not"])
        checkFields(r, allowed: ["Condition", "Next", "Assign", "Output", "Comment"], otherLanguage: jsonPathOnly,
                    language: .jsonata, at: rp)
        _ = requireFields(r, ["Condition", "Next"], at: rp)
        if let condition = r["Condition"] {
            switch condition {
            case .bool: break
            case .string(let s) where Self.isJSONata(s): walkJSONata(condition, field: "Condition", at: rp / "Condition")
            default:
                schema(Message.conditionType(condition), at: rp / "Condition")
            }
        }
        if let next = r["Next"], next.stringValue == nil {
            schema(Message.fieldType("Next", "a string", next), at: rp / "Next")
        }
        if let output = r["Output"] { checkJSONataTemplate(output, field: "Output", objectOrExpression: false, at: rp / "Output") }
        if let assign = r["Assign"] { checkAssign(assign, language: .jsonata, at: rp / "Assign") }
    }

    /// A JSONPath Choice rule: `Variable` + exactly one operator, or one of `And`/`Or`/`Not`;
    /// `Next` on top-level rules only.
    mutating func checkRule(_ rule: JSONValue, topLevel: Bool, at rp: JSONPointer) {
        guard case .object(let r) = rule else {
            schema(Message.choiceRuleNotObject(rule), at: rp)
            return
        }
        var allowed = Self.comparisonOperatorNames.union(["Variable", "And", "Or", "Not", "Comment"])
        if topLevel { allowed.formUnion(["Next", "Assign"]) }
        for key in r.keys where !allowed.contains(key) {
            if key == "Next" {
                schema(Message.nestedNext, at: rp)
            } else if ["Condition", "Output"].contains(key) {
                schema(Message.otherLanguageField(.jsonPath, field: key), at: rp)
            } else {
                schema(Message.fieldNotSupported(key), at: rp)
            }
        }
        if topLevel {
            if r["Next"] == nil {
                schema(Message.fieldsRequired(["Next"]), at: rp)
            } else if let next = r["Next"], next.stringValue == nil {
                schema(Message.fieldType("Next", "a string", next), at: rp / "Next")
            }
            if let assign = r["Assign"] { checkAssign(assign, language: .jsonPath, at: rp / "Assign") }
        }
        let operators = r.keys.filter { ChoiceOperator(name: $0) != nil }
        let combinators = r.keys.filter { ["And", "Or", "Not"].contains($0) }
        if combinators.count + (operators.isEmpty ? 0 : 1) > 1 || (!combinators.isEmpty && r["Variable"] != nil) {
            let all = combinators + operators + (r["Variable"] != nil ? ["Variable"] : [])
            schema(Message.choiceRuleMixed(all), at: rp)
            return
        }
        if let combinator = combinators.first {
            let value = r[combinator]!
            if combinator == "Not" {
                checkRule(value, topLevel: false, at: rp / "Not")
            } else if case .array(let rules) = value {
                if rules.isEmpty { schema(Message.valueCannotBeEmpty, at: rp / combinator) }
                for (i, inner) in rules.enumerated() { checkRule(inner, topLevel: false, at: rp / combinator / i) }
            } else {
                schema(Message.fieldType(combinator, "an array", value), at: rp / combinator)
            }
            return
        }
        guard let variable = r["Variable"] else {
            if operators.isEmpty {
                schema(Message.choiceRuleEmpty, at: rp)
            } else {
                schema(Message.fieldsRequired(["Variable"]), at: rp)
            }
            return
        }
        if case .string(let path) = variable {
            checkPathValue(path, field: "Variable", .referencePath, at: rp / "Variable")
        } else {
            schema(Message.fieldType("Variable", "a string", variable), at: rp / "Variable")
        }
        if operators.isEmpty {
            schema(Message.choiceRuleNoOperator, at: rp)
        } else if operators.count > 1 {
            schema(Message.onlyOneOf(operators), at: rp)
        }
        for name in operators {
            guard let op = ChoiceOperator(name: name), let operand = r[name] else { continue }
            let location = rp / name
            switch op.operand {
            case .string:
                if operand.stringValue == nil { schema(Message.fieldType(name, "a string", operand), at: location) }
            case .number:
                if operand.numberValue == nil { schema(Message.fieldType(name, "a number", operand), at: location) }
            case .boolean:
                if operand.boolValue == nil { schema(Message.fieldType(name, "a boolean", operand), at: location) }
            case .timestamp:
                if let text = operand.stringValue {
                    if !Self.isTimestampLiteral(text) { schema(Message.notRFC3339Timestamp, at: location) }
                } else {
                    schema(Message.fieldType(name, "a timestamp string", operand), at: location)
                }
            case .path:
                if let path = operand.stringValue {
                    checkPathValue(path, field: name, .referencePath, at: location)
                } else {
                    schema(Message.fieldType(name, "a string", operand), at: location)
                }
            }
        }
    }
}
