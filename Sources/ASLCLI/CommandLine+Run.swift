import Foundation

extension CommandLine {
    /// Runs the `aslx` command line with `arguments` (without the program name) and returns the exit status.
    public static func run(arguments: [String]) -> Int32 {
        FileHandle.standardError.write("aslx: not yet implemented\n".data(using: .utf8)!)
        return 2
    }
}
