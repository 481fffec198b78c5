import ASLJSON

/// The parameter shapes of the optimized service integrations, checked before a task is
/// started, as AWS does: a wrong shape fails the state with `States.Runtime` and the cause
/// `The Parameters '<json>' could not be used to start the Task: [<reasons>]` (recorded for
/// `apigateway:invoke` `Headers` that are not arrays of strings; the other reasons follow the
/// same wording). Only the integrations listed here are checked; any other resource (AWS SDK
/// integrations, Lambda function ARNs, custom handlers) is passed through unchanged.
enum ServiceParameters {
    /// What a field may hold.
    enum Shape {
        case any, string, integer, boolean, object, array
        /// An object whose values are all arrays of strings (API Gateway `Headers`, `QueryParameters`).
        case stringArrays
        /// One of a fixed set of strings.
        case oneOf(Set<String>)

        /// `null` always passes: Step Functions leaves it to the service (recorded:
        /// `dynamodb:putItem` with `"Item": null` fails with DynamoDB's own ValidationException).
        func accepts(_ value: JSONValue) -> Bool {
            switch (self, value) {
            case (.any, _), (_, .null): return true
            case (.string, .string), (.boolean, .bool), (.object, .object), (.array, .array): return true
            case (.integer, .number(let n)): return n.isIntegral
            case (.stringArrays, .object(let o)):
                return o.allSatisfy { _, v in
                    guard case .array(let a) = v else { return false }
                    return a.allSatisfy { $0.stringValue != nil }
                }
            case (.oneOf(let allowed), .string(let s)): return allowed.contains(s)
            default: return false
            }
        }
    }

    struct Integration {
        var fields: [String: Shape]
        var required: [String]
    }

    static let methods: Shape = .oneOf(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])

    /// Resource ARN suffix (after `:::`) → shape. Fields from the services' API references and
    /// the Step Functions integration pages.
    static let integrations: [String: Integration] = [
        "lambda:invoke": Integration(
            fields: ["FunctionName": .string, "Payload": .any, "InvocationType": .oneOf(["RequestResponse", "Event", "DryRun"]),
                     "LogType": .oneOf(["None", "Tail"]), "ClientContext": .string, "Qualifier": .string],
            required: ["FunctionName"]),
        "apigateway:invoke": Integration(
            fields: ["ApiEndpoint": .string, "Method": methods, "Headers": .stringArrays, "Stage": .string, "Path": .string,
                     "QueryParameters": .stringArrays, "RequestBody": .any, "AllowNullValues": .boolean,
                     "AuthType": .oneOf(["NO_AUTH", "IAM_ROLE", "RESOURCE_POLICY"])],
            required: ["ApiEndpoint", "Method"]),
        "sqs:sendMessage": Integration(
            fields: ["QueueUrl": .string, "MessageBody": .any, "DelaySeconds": .integer, "MessageAttributes": .object,
                     "MessageDeduplicationId": .string, "MessageGroupId": .string, "MessageSystemAttributes": .object],
            required: ["QueueUrl", "MessageBody"]),
        "sns:publish": Integration(
            fields: ["Message": .any, "TopicArn": .string, "TargetArn": .string, "PhoneNumber": .string, "Subject": .string,
                     "MessageAttributes": .object, "MessageStructure": .string, "MessageDeduplicationId": .string,
                     "MessageGroupId": .string],
            required: ["Message"]),
        "dynamodb:getItem": Integration(
            fields: ["TableName": .string, "Key": .object, "AttributesToGet": .array, "ConsistentRead": .boolean,
                     "ExpressionAttributeNames": .object, "ProjectionExpression": .string, "ReturnConsumedCapacity": .string],
            required: ["TableName", "Key"]),
        "dynamodb:putItem": Integration(
            fields: ["TableName": .string, "Item": .object, "ConditionExpression": .string, "ConditionalOperator": .string,
                     "Expected": .object, "ExpressionAttributeNames": .object, "ExpressionAttributeValues": .object,
                     "ReturnConsumedCapacity": .string, "ReturnItemCollectionMetrics": .string, "ReturnValues": .string,
                     "ReturnValuesOnConditionCheckFailure": .string],
            required: ["TableName", "Item"]),
        "events:putEvents": Integration(
            fields: ["Entries": .array, "EndpointId": .string],
            required: ["Entries"]),
        "states:startExecution": Integration(
            fields: ["StateMachineArn": .string, "Input": .any, "Name": .string, "TraceHeader": .string],
            required: ["StateMachineArn"]),
        "http:invoke": Integration(
            fields: ["ApiEndpoint": .string, "Method": methods, "Authentication": .object, "Headers": .object,
                     "QueryParameters": .object, "RequestBody": .any, "Transform": .object],
            required: ["ApiEndpoint", "Method"]),
    ]

    /// The integration a resource names (`arn:<partition>:states:::<service>:<action>`), if checked here.
    static func integration(for resource: String) -> Integration? {
        guard resource.hasPrefix("arn:aws"), let range = resource.range(of: ":states:::") else { return nil }
        return integrations[String(resource[range.upperBound...])]
    }

    /// `nil` when `parameters` fit the integration's shape, else the `States.Runtime` error AWS reports.
    static func check(_ integration: Integration, parameters: JSONValue) -> StatesError? {
        typealias Reason = StatesError.ServiceParameterReason
        var reasons: [String] = []
        if case .object(let o) = parameters {
            for (key, value) in o {
                guard let shape = integration.fields[key] else {
                    reasons.append(Reason.unsupported(key))
                    continue
                }
                if !shape.accepts(value) { reasons.append(Reason.invalidFormat(key)) }
            }
            for key in integration.required where o[key] == nil {
                reasons.append(Reason.missing(key))
            }
        } else {
            reasons.append(Reason.notObject)
        }
        guard !reasons.isEmpty else { return nil }
        return .invalidServiceParameters(parameters, reasons: reasons)
    }
}
