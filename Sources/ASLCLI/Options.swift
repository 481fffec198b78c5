/// A hand-rolled argument scanner: flags, `--key value` / `--key=value` options, positionals.
struct Arguments {
    private var items: [String]
    private(set) var positionals: [String] = []

    init(_ arguments: [String]) { items = arguments }

    /// Consumes every option in `spec` (name → takes a value) and collects the rest as positionals.
    /// Throws `UsageError` for unknown options or missing values.
    mutating func parse(flags: Set<String>, options: Set<String>) throws(UsageError) -> (flags: Set<String>, values: [String: [String]]) {
        var seenFlags: Set<String> = []
        var values: [String: [String]] = [:]
        var i = 0
        while i < items.count {
            let item = items[i]
            i += 1
            if item == "--" { positionals.append(contentsOf: items[i...]); break }
            guard item.hasPrefix("-"), item != "-" else { positionals.append(item); continue }
            var name = item
            var inlineValue: String?
            if let eq = item.firstIndex(of: "="), item.hasPrefix("--") {
                name = String(item[..<eq])
                inlineValue = String(item[item.index(after: eq)...])
            }
            if flags.contains(name) {
                guard inlineValue == nil else { throw UsageError("option \(name) takes no value") }
                seenFlags.insert(name)
            } else if options.contains(name) {
                let value: String
                if let inlineValue { value = inlineValue } else {
                    guard i < items.count else { throw UsageError("option \(name) needs a value") }
                    value = items[i]
                    i += 1
                }
                values[name, default: []].append(value)
            } else {
                throw UsageError("unknown option '\(name)'")
            }
        }
        return (seenFlags, values)
    }
}

/// A command-line mistake: printed as one line on stderr, exit status 64.
struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// Exit statuses (sysexits-style so scripts can tell failures apart).
enum ExitCode {
    static let ok: Int32 = 0
    static let failed: Int32 = 1
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let ioError: Int32 = 74
}
