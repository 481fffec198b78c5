// libFuzzer entry point for every aslx fuzz target (built by Tests/Fuzz/build.sh, never by
// SwiftPM). One binary holds all targets; `ASLX_FUZZ_TARGET` picks the one a run drives.
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The targets, by the name `ASLX_FUZZ_TARGET` (and Tests/Fuzz/run.sh) uses.
nonisolated(unsafe) let fuzzTargets: [String: ([UInt8]) -> Void] = [
    "json": FuzzJSON.run,
    "definition": FuzzDefinition.run,
    "aslc": FuzzProgramFile.run,
    "intrinsic": FuzzIntrinsic.run,
    "jsonata": FuzzJSONata.run,
    "execution": FuzzExecution.run,
]

nonisolated(unsafe) var selectedTarget: (([UInt8]) -> Void)?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    let name = ProcessInfo.processInfo.environment["ASLX_FUZZ_TARGET"] ?? ""
    guard let target = fuzzTargets[name] else {
        let names = fuzzTargets.keys.sorted().joined(separator: ", ")
        FileHandle.standardError.write(Data("aslx-fuzz: set ASLX_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(2)
    }
    selectedTarget = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedTarget?(bytes)
    return 0
}

/// A property the target checks failed: report it and abort so libFuzzer keeps the input.
func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        FileHandle.standardError.write(Data("aslx-fuzz: property violated: \(message())\n".utf8))
        abort()
    }
}
