import ASLJSON
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// The credentials of an EventBridge connection that an HTTP Task names in
/// `Authentication.ConnectionArn`, supplied locally (no AWS account is involved).
public enum HTTPConnection: Sendable, Equatable {
    /// `Authorization: Basic base64(username:password)`.
    case basic(username: String, password: String)
    /// A header `name: value`.
    case apiKey(name: String, value: String)
    /// OAuth client credentials: a token is requested from `endpoint` (form body
    /// `grant_type=client_credentials`, the client id and secret as Basic authentication) and
    /// sent as `Authorization: Bearer <access_token>`; it is reused until `expires_in` passes.
    case oauthClientCredentials(endpoint: String, method: String, clientID: String, clientSecret: String)

    /// Reads a connections file: an object from connection ARN to EventBridge's
    /// `CreateConnection` shape, e.g.
    /// `{"arn:aws:events:…:connection/A/1": {"AuthorizationType": "API_KEY",
    /// "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "secret"}}}}`.
    /// `BASIC` takes `BasicAuthParameters` (`Username`, `Password`); `OAUTH_CLIENT_CREDENTIALS`
    /// takes `OAuthParameters` (`AuthorizationEndpoint`, `HttpMethod`, `ClientParameters` with
    /// `ClientID` and `ClientSecret`).
    public static func connections(from json: JSONValue) throws(HTTPConnectionError) -> [String: HTTPConnection] {
        guard case .object(let all) = json else { throw HTTPConnectionError.notAnObject }
        var out: [String: HTTPConnection] = [:]
        for (arn, spec) in all {
            func string(_ value: JSONValue?, _ field: String) throws(HTTPConnectionError) -> String {
                guard case .string(let s)? = value else { throw HTTPConnectionError.notAString(connection: arn, field: field) }
                return s
            }
            let parameters = spec["AuthParameters"]
            switch try string(spec["AuthorizationType"], "AuthorizationType") {
            case "BASIC":
                let p = parameters?["BasicAuthParameters"]
                out[arn] = .basic(username: try string(p?["Username"], "BasicAuthParameters.Username"),
                                  password: try string(p?["Password"], "BasicAuthParameters.Password"))
            case "API_KEY":
                let p = parameters?["ApiKeyAuthParameters"]
                out[arn] = .apiKey(name: try string(p?["ApiKeyName"], "ApiKeyAuthParameters.ApiKeyName"),
                                   value: try string(p?["ApiKeyValue"], "ApiKeyAuthParameters.ApiKeyValue"))
            case "OAUTH_CLIENT_CREDENTIALS":
                let p = parameters?["OAuthParameters"]
                let method = p?["HttpMethod"] == nil ? "POST" : try string(p?["HttpMethod"], "OAuthParameters.HttpMethod")
                out[arn] = .oauthClientCredentials(
                    endpoint: try string(p?["AuthorizationEndpoint"], "OAuthParameters.AuthorizationEndpoint"), method: method,
                    clientID: try string(p?["ClientParameters"]?["ClientID"], "OAuthParameters.ClientParameters.ClientID"),
                    clientSecret: try string(p?["ClientParameters"]?["ClientSecret"], "OAuthParameters.ClientParameters.ClientSecret"))
            case let other:
                throw HTTPConnectionError.unknownAuthorizationType(connection: arn, other)
            }
        }
        return out
    }
}

/// A malformed connections file.
public struct HTTPConnectionError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The real `arn:aws:states:::http:invoke` (HTTP Task), off unless
/// ``EngineConfiguration/http`` is set: an untrusted definition can reach nothing by default.
public struct HTTPTaskConfiguration: Sendable {
    /// Connection ARN → credentials, for `Authentication.ConnectionArn`.
    public var connections: [String: HTTPConnection]
    /// How long a request may wait for the server before failing with `States.Http.Socket`
    /// (AWS: 60 seconds). A shorter `TimeoutSeconds` fails the state with `States.Timeout` first.
    public var socketTimeoutSeconds: Double

    public init(connections: [String: HTTPConnection] = [:], socketTimeoutSeconds: Double = 60) {
        self.connections = connections
        self.socketTimeoutSeconds = socketTimeoutSeconds
    }
}

/// Performs HTTP Tasks with URLSession, built the way the Developer Guide's "Call HTTPS APIs"
/// page describes: `ApiEndpoint` plus `QueryParameters`, `Method`, `Headers`, `RequestBody`
/// (JSON, or form-encoded with `Transform.RequestBodyEncoding: URL_ENCODED` and
/// `RequestEncodingOptions.ArrayFormat`), and a result of `Headers`, `ResponseBody` (parsed when
/// JSON), `StatusCode` and `StatusText`. A non-2xx status fails with `States.Http.StatusCode.NNN`
/// and the result as the cause; a request that cannot reach the server fails with `States.Http.Socket`.
final class HTTPTaskClient: Sendable {
    static let resources = ["arn:aws:states:::http:invoke", "arn:aws-cn:states:::http:invoke", "arn:aws-us-gov:states:::http:invoke"]

    let configuration: HTTPTaskConfiguration
    let session: URLSession
    /// Connection ARN → (access token, expiry) for OAuth client credentials.
    private let tokens = Mutex<[String: (token: String, expires: Date)]>([:])

    init(_ configuration: HTTPTaskConfiguration) {
        self.configuration = configuration
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = configuration.socketTimeoutSeconds
        self.session = URLSession(configuration: sessionConfiguration)
    }

    var handler: ResourceHandler { { [self] request in try await invoke(request) } }

    func invoke(_ task: TaskRequest) async throws(StatesError) -> JSONValue {
        var request = try Self.request(for: task.input, socketTimeout: configuration.socketTimeoutSeconds)
        let region = task.executionArn.split(separator: ":", omittingEmptySubsequences: false).dropFirst(3).first.map(String.init) ?? "us-east-1"
        request.setValue("Amazon|StepFunctions|HttpInvoke|\(region)", forHTTPHeaderField: "User-Agent")
        if case .string(let arn)? = task.input["Authentication"]?["ConnectionArn"] {
            guard let connection = configuration.connections[arn] else {
                throw StatesError.undefinedConnection(arn)
            }
            try await authorize(&request, with: connection, arn: arn)
        }
        let (data, response) = try await send(request)
        let result = Self.result(data: data, response: response)
        guard (200..<300).contains(response.statusCode) else {
            throw StatesError.httpStatus(response.statusCode, response: result)
        }
        return result
    }

    // MARK: - Request

    static func request(for parameters: JSONValue, socketTimeout: Double) throws(StatesError) -> URLRequest {
        guard case .string(let endpoint)? = parameters["ApiEndpoint"], case .string(let method)? = parameters["Method"] else {
            throw StatesError.httpMissingEndpointOrMethod
        }
        var text = endpoint
        if case .object(let query)? = parameters["QueryParameters"], !query.isEmpty {
            var pairs: [String] = []
            for (key, value) in query {
                if case .array(let values) = value {
                    for v in values { pairs.append(formEscape(key) + "=" + formEscape(scalarText(v))) }
                } else {
                    pairs.append(formEscape(key) + "=" + formEscape(scalarText(value)))
                }
            }
            text += (text.contains("?") ? "&" : "?") + pairs.joined(separator: "&")
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw StatesError.httpEndpointNotURL(endpoint)
        }
        var request = URLRequest(url: url, timeoutInterval: socketTimeout)
        request.httpMethod = method
        if case .object(let headers)? = parameters["Headers"] {
            for (name, value) in headers { request.setValue(scalarText(value), forHTTPHeaderField: name) }
        }
        if let body = parameters["RequestBody"], body != .null {
            if case .string("URL_ENCODED")? = parameters["Transform"]?["RequestBodyEncoding"] {
                let format = parameters["Transform"]?["RequestEncodingOptions"]?["ArrayFormat"]?.stringValue ?? "INDICES"
                guard ["INDICES", "REPEAT", "COMMAS", "BRACKETS"].contains(format) else {
                    throw StatesError.httpArrayFormat(format)
                }
                var pairs: [String] = []
                if case .object(let fields) = body {
                    for (key, value) in fields { formPairs(key, value, format: format, into: &pairs) }
                } else {
                    pairs.append(formEscape(scalarText(body)))
                }
                request.httpBody = Data(pairs.joined(separator: "&").utf8)
                if request.value(forHTTPHeaderField: "Content-Type") == nil {
                    request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
                }
            } else if case .string(let s) = body {
                request.httpBody = Data(s.utf8)
            } else {
                request.httpBody = Data(JSONWriter.bytes(body))
                if request.value(forHTTPHeaderField: "Content-Type") == nil {
                    request.setValue("application/json; charset=UTF-8", forHTTPHeaderField: "Content-Type")
                }
            }
        }
        return request
    }

    /// One form field; arrays follow `ArrayFormat` (`a[0]=x&a[1]=y`, `a=x&a=y`, `a=x,y`,
    /// `a[]=x&a[]=y`), nested objects become `a[b]=x`.
    static func formPairs(_ key: String, _ value: JSONValue, format: String, into pairs: inout [String]) {
        switch value {
        case .object(let o):
            for (k, v) in o { formPairs("\(key)[\(k)]", v, format: format, into: &pairs) }
        case .array(let a):
            switch format {
            case "REPEAT": for v in a { formPairs(key, v, format: format, into: &pairs) }
            case "COMMAS": pairs.append(formEscape(key) + "=" + formEscape(a.map(scalarText).joined(separator: ",")))
            case "BRACKETS": for v in a { formPairs(key + "[]", v, format: format, into: &pairs) }
            default: for (i, v) in a.enumerated() { formPairs("\(key)[\(i)]", v, format: format, into: &pairs) }
            }
        default:
            pairs.append(formEscape(key) + "=" + formEscape(scalarText(value)))
        }
    }

    static func scalarText(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .null: return ""
        default: return JSONWriter.string(value)
        }
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    static func formEscape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }

    // MARK: - Authentication

    func authorize(_ request: inout URLRequest, with connection: HTTPConnection, arn: String) async throws(StatesError) {
        switch connection {
        case .basic(let user, let password):
            request.setValue("Basic " + Data("\(user):\(password)".utf8).base64EncodedString(), forHTTPHeaderField: "Authorization")
        case .apiKey(let name, let value):
            request.setValue(value, forHTTPHeaderField: name)
        case .oauthClientCredentials(let endpoint, let method, let id, let secret):
            let now = Date()
            var token = tokens.withLock { $0[arn] }.flatMap { $0.expires > now ? $0.token : nil }
            if token == nil {
                guard let url = URL(string: endpoint) else { throw StatesError.oauthEndpointNotURL(endpoint, connection: arn) }
                var tokenRequest = URLRequest(url: url, timeoutInterval: configuration.socketTimeoutSeconds)
                tokenRequest.httpMethod = method
                tokenRequest.setValue("Basic " + Data("\(id):\(secret)".utf8).base64EncodedString(), forHTTPHeaderField: "Authorization")
                tokenRequest.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
                tokenRequest.httpBody = Data("grant_type=client_credentials".utf8)
                let (data, response) = try await send(tokenRequest)
                let body = try? JSONParser.parse(Array(data))
                guard (200..<300).contains(response.statusCode), case .string(let t)? = body?["access_token"] else {
                    throw StatesError.oauthTokenFailed(connection: arn, status: response.statusCode, body: String(decoding: data, as: UTF8.self))
                }
                let lifetime = body?["expires_in"]?.numberValue?.doubleValue ?? 3600
                tokens.withLock { $0[arn] = (t, now.addingTimeInterval(max(0, lifetime - 30))) }
                token = t
            }
            request.setValue("Bearer \(token ?? "")", forHTTPHeaderField: "Authorization")
        }
    }

    // MARK: - Transport

    func send(_ request: URLRequest) async throws(StatesError) -> (Data, HTTPURLResponse) {
        let session = self.session
        let timeout = request.timeoutInterval
        let box = Mutex<URLSessionDataTask?>(nil)
        let outcome: Result<(Data, HTTPURLResponse), StatesError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let task = session.dataTask(with: request) { data, response, error in
                    if let error {
                        continuation.resume(returning: .failure(Self.socketError(error, timeout: timeout)))
                    } else if let response = response as? HTTPURLResponse {
                        continuation.resume(returning: .success((data ?? Data(), response)))
                    } else {
                        continuation.resume(returning: .failure(StatesError.httpNoResponse))
                    }
                }
                box.withLock { $0 = task }
                task.resume()
            }
        } onCancel: {
            box.withLock { $0?.cancel() }
        }
        return try outcome.get()
    }

    /// Any failure to exchange a request and a response is a socket error to AWS
    /// (`States.Http.Socket`, documented for the 60-second timeout).
    static func socketError(_ error: any Error, timeout: Double) -> StatesError {
        if let e = error as? URLError, e.code == .timedOut {
            return StatesError.httpTimedOut(after: timeout)
        }
        return StatesError.httpFailed(error)
    }

    // MARK: - Result

    static func result(data: Data, response: HTTPURLResponse) -> JSONValue {
        var headers = JSONObject()
        let fields = response.allHeaderFields.compactMap { key, value -> (String, String)? in
            guard let k = key as? String else { return nil }
            return (k, value as? String ?? "\(value)")
        }.sorted { $0.0 < $1.0 }
        for (name, value) in fields { headers[name] = .array([.string(value)]) }
        let text = String(decoding: data, as: UTF8.self)
        var body: JSONValue = .string(text)
        let contentType = (response.value(forHTTPHeaderField: "Content-Type") ?? "").lowercased()
        if contentType.contains("json"), let parsed = try? JSONParser.parse(Array(data)) { body = parsed }
        return ["Headers": .object(headers), "ResponseBody": body, "StatusCode": .int(response.statusCode),
                "StatusText": .string(statusText(response.statusCode))]
    }

    /// The standard reason phrase (URLResponse does not expose the server's).
    static func statusText(_ code: Int) -> String {
        switch code {
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 422: return "Unprocessable Entity"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return HTTPURLResponse.localizedString(forStatusCode: code).capitalized
        }
    }
}
