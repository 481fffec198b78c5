#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

import ASLJSON

/// A failure to read the input stream (exit status 74).
typealias InputError = NDJSONReadError

/// Positions `fd` at absolute `offset`: a seek on a regular file (also to 0: a restarted
/// `--supervise` child shares the file position its predecessor moved), otherwise reads and discards.
func skipInput(_ fd: Int32, to offset: Int64) throws(InputError) {
    if lseek(fd, off_t(offset), SEEK_SET) >= 0 { return }
    guard offset > 0 else { return }
    try skipInput(fd, count: offset)
}

/// Reads and discards `count` bytes of `fd`.
func skipInput(_ fd: Int32, count: Int64) throws(InputError) {
    var remaining = count
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while remaining > 0 {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, Int(min(Int64($0.count), remaining))) }
        if n < 0 { if errno == EINTR { continue }; throw InputError(errno: errno) }
        if n == 0 { return }
        remaining -= Int64(n)
    }
}
