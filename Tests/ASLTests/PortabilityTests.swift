import Foundation
import Testing

/// Keeps the package building on every platform it declares (Documentation/Portability.md):
/// reads the Swift sources and fails on a platform module used outside its `#if canImport` branch.
@Suite struct PortabilityTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let platformModules = ["Glibc", "Musl", "Darwin", "WinSDK", "ucrt", "Android", "Bionic"]
    /// Names only glibc has: allowed only inside a `canImport(Glibc)` branch.
    static let glibcOnly = ["pthread_getattr_np", "sched_setaffinity", "cpu_set_t", "__rusage_who_t", "mallinfo", "@_silgen_name(\"mtrace\")"]

    struct Problem: CustomStringConvertible {
        var file: String, line: Int, message: String
        var description: String { "\(file):\(line): \(message)" }
    }

    /// Every `.swift` file under Sources/ and Benchmarks/, as (path relative to the root, text).
    static func sources() throws -> [(String, String)] {
        var files: [(String, String)] = []
        for folder in ["Sources", "Benchmarks"] {
            let base = root.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in walker where url.pathExtension == "swift" {
                let relative = String(url.path.dropFirst(root.path.count + 1))
                files.append((relative, try String(contentsOf: url, encoding: .utf8)))
            }
        }
        return files.sorted { $0.0 < $1.0 }
    }

    /// The problems in one file. A line is guarded for module M when an enclosing active
    /// `#if`/`#elseif` condition names `canImport(M)` (or `os(Linux)` for Glibc).
    static func problems(in file: String, _ text: String) -> [Problem] {
        var problems: [Problem] = []
        var stack: [String] = []  // condition of the active branch, per open #if
        var importsGlibc = false, coversDarwin = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if let comment = line.range(of: "//") { line = String(line[..<comment.lowerBound]) }
            if line.hasPrefix("#if ") { stack.append(String(line.dropFirst(4))); continue }
            if line.hasPrefix("#elseif ") { if !stack.isEmpty { stack[stack.count - 1] = String(line.dropFirst(8)) }; continue }
            if line.hasPrefix("#else") { if !stack.isEmpty { stack[stack.count - 1] = "" }; continue }
            if line.hasPrefix("#endif") { _ = stack.popLast(); continue }
            func guarded(_ module: String) -> Bool {
                stack.contains { $0.contains("canImport(\(module))") || (module == "Glibc" && $0.contains("os(Linux)")) }
            }
            if line == "import Foundation" || line == "import Darwin" { coversDarwin = true }
            for module in platformModules where line == "import \(module)" || line.range(of: "\\b\(module)\\.[A-Za-z_]", options: .regularExpression) != nil {
                if module == "Glibc" { importsGlibc = true }
                if !guarded(module) {
                    problems.append(Problem(file: file, line: index + 1, message: "\(module) used outside a '#if canImport(\(module))' branch"))
                }
            }
            for name in glibcOnly where line.contains(name) && !guarded("Glibc") {
                problems.append(Problem(file: file, line: index + 1, message: "\(name) exists only in glibc: put it in a '#if canImport(Glibc)' branch"))
            }
        }
        if importsGlibc && !coversDarwin {
            problems.append(Problem(file: file, line: 1, message: "imports Glibc but neither Darwin nor Foundation: macOS has no C library here"))
        }
        return problems
    }

    @Test func everyPlatformCallIsGuarded() throws {
        let files = try Self.sources()
        #expect(files.count > 50, "the sources were not found under \(Self.root.path)")
        let problems = files.flatMap { Self.problems(in: $0.0, $0.1) }
        #expect(problems.isEmpty, "\(problems.map(\.description).joined(separator: "\n"))")
    }

    @Test func portabilityDocumentListsEveryFileWithAPlatformImport() throws {
        let document = try String(contentsOf: Self.root.appendingPathComponent("Documentation/Portability.md"), encoding: .utf8)
        let missing = try Self.sources()
            .filter { $0.1.contains("\nimport Glibc\n") || $0.1.contains("\nimport Darwin\n") }
            .map { ($0.0 as NSString).lastPathComponent }
            .filter { !document.contains($0) }
        #expect(missing.isEmpty, "Documentation/Portability.md does not list: \(missing.joined(separator: ", "))")
    }

    @Test func theCheckCatchesWhatItShould() {
        let unguarded = "import Foundation\nimport Glibc\nlet n = Glibc.read(0, nil, 0)\n"
        #expect(Self.problems(in: "a.swift", unguarded).map(\.line) == [2, 3])
        let darwinOnlyInGlibcBranch = "#if canImport(Glibc)\nimport Glibc\n#else\nimport Darwin\nlet x = Glibc.write(1, nil, 0)\n#endif\n"
        #expect(Self.problems(in: "b.swift", darwinOnlyInGlibcBranch).map(\.line) == [4, 5])
        let glibcOnlyName = "#if canImport(Darwin)\nimport Darwin\n#endif\nvar set = cpu_set_t()\n"
        #expect(Self.problems(in: "c.swift", glibcOnlyName).map(\.line) == [4])
        let noDarwin = "#if canImport(Glibc)\nimport Glibc\n#endif\n"
        #expect(Self.problems(in: "d.swift", noDarwin).map(\.line) == [1])
        let good = "#if canImport(Glibc)\nimport Glibc\n#elseif canImport(Musl)\nimport Musl\n#elseif canImport(Darwin)\nimport Darwin\n#endif\n"
        #expect(Self.problems(in: "e.swift", good).isEmpty)
    }
}
