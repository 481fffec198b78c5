import ASLJSON
import Foundation
import Testing
@testable import ASL

/// A real HTTP server on 127.0.0.1 (Python's http.server), started per test and stopped with it.
/// Routes: `/echo` (the request as JSON), `/status/NNN`, `/slow` (answers after 3 s), `/flaky`
/// (500 on the first call, then 200), `/token` (an OAuth token for client `id`:`secret`).
final class LoopbackServer {
    static let script = #"""
    import base64, json, os, sys, threading, time
    from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
    from urllib.parse import urlsplit, parse_qs
    calls = {}
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *a): pass
        def reply(self, code, obj):
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def handle_any(self):
            u = urlsplit(self.path)
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n).decode() if n else ""
            calls[u.path] = calls.get(u.path, 0) + 1
            if u.path == "/echo":
                self.reply(200, {"method": self.command, "query": parse_qs(u.query), "rawQuery": u.query, "body": raw,
                                 "contentType": self.headers.get("Content-Type"), "auth": self.headers.get("Authorization"),
                                 "apiKey": self.headers.get("x-api-key"), "custom": self.headers.get("X-Custom"),
                                 "userAgent": self.headers.get("User-Agent")})
            elif u.path.startswith("/status/"):
                self.reply(int(u.path[8:]), {"message": "status " + u.path[8:]})
            elif u.path == "/slow":
                time.sleep(3); self.reply(200, {"slow": True})
            elif u.path == "/flaky":
                self.reply(500 if calls[u.path] == 1 else 200, {"call": calls[u.path]})
            elif u.path == "/token":
                ok = self.headers.get("Authorization") == "Basic " + base64.b64encode(b"id:secret").decode() and raw == "grant_type=client_credentials"
                self.reply(200 if ok else 401, {"access_token": "tok-%d" % calls[u.path], "expires_in": 3600} if ok else {"error": "bad client"})
            else:
                self.reply(404, {"message": "no route"})
        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any
    # Exit when the test closes our stdin (or dies): signals may be ignored in the test process.
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    s = ThreadingHTTPServer(("127.0.0.1", 0), H)
    print(s.server_address[1], flush=True)
    s.serve_forever()
    """#

    let process = Process()
    let stdin = Pipe()
    let port: Int

    init() throws {
        process.executableURL = URL(filePath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script]
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = stdin
        try process.run()
        var line: [UInt8] = []
        while true {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            guard let b = byte.first else { break }
            if b == UInt8(ascii: "\n") { break }
            line.append(b)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            try? stdin.fileHandleForWriting.close()
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
    }

    deinit { stop() }

    /// Closes the server's stdin, which ends it, and waits for it to exit.
    func stop() {
        guard process.isRunning else { return }
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// A loopback port nothing listens on (bound, then closed).
    static func closedPort() throws -> Int {
        let probe = try LoopbackServer()
        let port = probe.port
        probe.stop()
        return port
    }
}

/// Guide, "Call HTTPS APIs in Step Functions workflows" (call-https-apis.html).
@Suite(.serialized) struct HTTPTaskTests {
    func run(_ parameters: String, server: LoopbackServer, extra: String = "", input: JSONValue = [:],
             configure: (inout EngineConfiguration) -> Void = { _ in }) async throws -> ExecutionOutcome {
        let caught = extra.contains("Caught") ? #", "Caught": {"Type": "Pass", "End": true}"# : ""
        return try await execute("""
        {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
          "Parameters": \(parameters.replacingOccurrences(of: "BASE", with: server.base)) \(extra), "End": true}\(caught)}}
        """, input) { config in
            config.http = HTTPTaskConfiguration()
            configure(&config)
        }
    }

    @Test func jsonBodyHeadersAndTheResultShape() async throws {
        let server = try LoopbackServer()
        let outcome = try await run(#"""
        {"ApiEndpoint": "BASE/echo", "Method": "POST", "Headers": {"X-Custom": "yes"}, "RequestBody": {"a": [1, "two"]}}
        """#, server: server)
        #expect(outcome.status == .succeeded)
        let body = try #require(outcome.output?["ResponseBody"])
        #expect(body["method"] == "POST")
        #expect(body["body"] == #"{"a":[1,"two"]}"#)
        #expect(body["contentType"] == "application/json; charset=UTF-8")
        #expect(body["custom"] == "yes")
        #expect(body["userAgent"]?.stringValue?.hasPrefix("Amazon|StepFunctions|HttpInvoke|") == true)
        #expect(outcome.output?["StatusCode"] == 200)
        #expect(outcome.output?["StatusText"] == "OK")
        #expect(outcome.output?["Headers"]?["Content-Type"] == ["application/json"])
    }

    @Test(arguments: [
        ("INDICES", "name=Ann&tags%5B0%5D=a&tags%5B1%5D=b&address%5Bcity%5D=Oslo"),
        ("REPEAT", "name=Ann&tags=a&tags=b&address%5Bcity%5D=Oslo"),
        ("COMMAS", "name=Ann&tags=a%2Cb&address%5Bcity%5D=Oslo"),
        ("BRACKETS", "name=Ann&tags%5B%5D=a&tags%5B%5D=b&address%5Bcity%5D=Oslo"),
    ])
    func urlEncodedBody(format: String, expected: String) async throws {
        let server = try LoopbackServer()
        let outcome = try await run("""
        {"ApiEndpoint": "BASE/echo", "Method": "POST", "RequestBody": {"name": "Ann", "tags": ["a", "b"], "address": {"city": "Oslo"}},
         "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "\(format)"}}}
        """, server: server)
        #expect(outcome.output?["ResponseBody"]?["body"] == .string(expected))
        #expect(outcome.output?["ResponseBody"]?["contentType"] == "application/x-www-form-urlencoded")
    }

    @Test func queryParameters() async throws {
        let server = try LoopbackServer()
        let outcome = try await run(#"""
        {"ApiEndpoint": "BASE/echo", "Method": "GET", "QueryParameters": {"q": "a b&c", "n": 3, "many": ["x", "y"]}}
        """#, server: server)
        #expect(outcome.output?["ResponseBody"]?["query"] == ["q": ["a b&c"], "n": ["3"], "many": ["x", "y"]])
    }

    @Test func a404IsStatesHttpStatusCode404AndCanBeCaught() async throws {
        let server = try LoopbackServer()
        let outcome = try await run(#"{"ApiEndpoint": "BASE/status/404", "Method": "GET"}"#, server: server,
                                    extra: #", "Catch": [{"ErrorEquals": ["States.Http.StatusCode.404"], "Next": "Caught"}]"#)
        #expect(outcome.status == .succeeded)
        #expect(outcome.output?["Error"] == "States.Http.StatusCode.404")
        let cause = try JSONParser.parse(try #require(outcome.output?["Cause"]?.stringValue))
        #expect(cause["StatusCode"] == 404)
        #expect(cause["StatusText"] == "Not Found")
        #expect(cause["ResponseBody"] == ["message": "status 404"])
    }

    @Test func timeoutSecondsApplies() async throws {
        let server = try LoopbackServer()
        let outcome = try await run(#"{"ApiEndpoint": "BASE/slow", "Method": "GET"}"#, server: server, extra: #", "TimeoutSeconds": 1"#)
        #expect(outcome.error == "States.Timeout")
    }

    @Test func aSocketTimeoutIsStatesHttpSocket() async throws {
        let server = try LoopbackServer()
        let outcome = try await run(#"{"ApiEndpoint": "BASE/slow", "Method": "GET"}"#, server: server) { config in
            config.http = HTTPTaskConfiguration(socketTimeoutSeconds: 1)
        }
        #expect(outcome.error == "States.Http.Socket")
    }

    @Test func connectionRefusedIsStatesHttpSocket() async throws {
        let port = try LoopbackServer.closedPort()
        let outcome = try await execute("""
        {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
          "Parameters": {"ApiEndpoint": "http://127.0.0.1:\(port)/echo", "Method": "GET"}, "End": true}}}
        """) { $0.http = HTTPTaskConfiguration() }
        #expect(outcome.error == "States.Http.Socket")
    }

    @Test func aRetrySucceedsOnTheSecondCall() async throws {
        let server = try LoopbackServer()
        let outcome = try await run(#"{"ApiEndpoint": "BASE/flaky", "Method": "GET"}"#, server: server,
                                    extra: #", "Retry": [{"ErrorEquals": ["States.Http.StatusCode.500"], "IntervalSeconds": 1, "MaxAttempts": 2}]"#)
        #expect(outcome.status == .succeeded)
        #expect(outcome.output?["ResponseBody"] == ["call": 2])
    }

    @Test func connectionCredentialsBecomeHeaders() async throws {
        let server = try LoopbackServer()
        let file: JSONValue = [
            "arn:aws:events:us-east-1:123456789012:connection/Basic/1": [
                "AuthorizationType": "BASIC", "AuthParameters": ["BasicAuthParameters": ["Username": "u", "Password": "p"]]],
            "arn:aws:events:us-east-1:123456789012:connection/Key/2": [
                "AuthorizationType": "API_KEY", "AuthParameters": ["ApiKeyAuthParameters": ["ApiKeyName": "x-api-key", "ApiKeyValue": "k"]]],
            "arn:aws:events:us-east-1:123456789012:connection/OAuth/3": [
                "AuthorizationType": "OAUTH_CLIENT_CREDENTIALS", "AuthParameters": ["OAuthParameters": [
                    "AuthorizationEndpoint": .string(server.base + "/token"), "HttpMethod": "POST",
                    "ClientParameters": ["ClientID": "id", "ClientSecret": "secret"]]]],
        ]
        let connections = try HTTPConnection.connections(from: file)
        func call(_ arn: String) async throws -> JSONValue? {
            try await run(#"{"ApiEndpoint": "BASE/echo", "Method": "GET", "Authentication": {"ConnectionArn": "\#(arn)"}}"#,
                          server: server) { $0.http = HTTPTaskConfiguration(connections: connections) }.output?["ResponseBody"]
        }
        #expect(try await call("arn:aws:events:us-east-1:123456789012:connection/Basic/1")?["auth"] == "Basic dTpw")
        #expect(try await call("arn:aws:events:us-east-1:123456789012:connection/Key/2")?["apiKey"] == "k")
        #expect(try await call("arn:aws:events:us-east-1:123456789012:connection/OAuth/3")?["auth"] == "Bearer tok-1")
        let unknown = try await run(#"{"ApiEndpoint": "BASE/echo", "Method": "GET", "Authentication": {"ConnectionArn": "arn:nope"}}"#,
                                    server: server)
        #expect(unknown.error == "States.Runtime")
    }

    @Test func offByDefault() async throws {
        let server = try LoopbackServer()
        let outcome = try await run(#"{"ApiEndpoint": "BASE/echo", "Method": "GET"}"#, server: server) { $0.http = nil }
        #expect(outcome.error == "States.TaskFailed")
        #expect(outcome.cause?.contains("No handler is registered") == true)
    }

    /// `aslx run --http` end to end.
    @Test(.enabled(if: CLIHarness.binary != nil, CLIHarness.missingNote))
    func cliFlagEnablesHTTPTasks() throws {
        let server = try LoopbackServer()
        let folder = CLIHarness.temporaryFolder()
        let machine = try CLIHarness.write("""
        {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
          "Parameters": {"ApiEndpoint": "\(server.base)/echo", "Method": "GET", "QueryParameters": {"id.$": "$.id"}},
          "OutputPath": "$.ResponseBody.query", "End": true}}}
        """, to: "http.asl.json", in: folder)
        let on = try CLIHarness.run(["run", machine, "--http"], lines: [#"{"id": "7"}"#])
        #expect(on.records.first?["output"] == ["id": ["7"]])
        let off = try CLIHarness.run(["run", machine], lines: [#"{"id": "7"}"#])
        #expect(off.records.first?["error"] == "States.TaskFailed")

        // --http-connections implies --http and supplies Authentication.ConnectionArn's credentials.
        let keyed = try CLIHarness.write("""
        {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
          "Parameters": {"ApiEndpoint": "\(server.base)/echo", "Method": "GET", "Authentication": {"ConnectionArn": "arn:c"}},
          "OutputPath": "$.ResponseBody.apiKey", "End": true}}}
        """, to: "keyed.asl.json", in: folder)
        let connections = try CLIHarness.write("""
        {"arn:c": {"AuthorizationType": "API_KEY", "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cret"}}}}
        """, to: "connections.json", in: folder)
        let withKey = try CLIHarness.run(["run", keyed, "--http-connections", connections], lines: ["{}"])
        #expect(withKey.records.first?["output"] == "s3cret")
        let badFile = try CLIHarness.write(#"{"arn:c": {"AuthorizationType": "DIGEST"}}"#, to: "bad.json", in: folder)
        let bad = try CLIHarness.run(["run", keyed, "--http-connections", badFile], lines: ["{}"])
        #expect(bad.status == 65)
        #expect(bad.stderrText.contains("AuthorizationType must be BASIC, API_KEY or OAUTH_CLIENT_CREDENTIALS"))
    }
}
