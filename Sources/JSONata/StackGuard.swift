import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Guards the recursive parser and evaluator against overflowing the thread's stack,
/// whatever its size: recursion stops with `U1001` while a safety margin remains.
enum StackGuard {
    /// Kept free below the deepest check: room for the non-recursive work done between checks.
    static let margin = 160 * 1024

    #if canImport(Glibc)
    private typealias GetAttr = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32
    /// `pthread_getattr_np` (a GNU extension the Glibc module does not export).
    private static let getattr: GetAttr? = {
        guard let symbol = dlsym(nil, "pthread_getattr_np") else { return nil }
        return unsafeBitCast(symbol, to: GetAttr.self)
    }()

    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()
    #endif

    /// The lowest stack address recursion may reach on this thread (0 when unknown).
    static func limit() -> UInt {
        #if canImport(Glibc)
        if let cached = pthread_getspecific(key) { return UInt(bitPattern: cached) &- 1 }
        var limit: UInt = 0
        var attr = pthread_attr_t()
        if let getattr, getattr(pthread_self(), &attr) == 0 {
            var base: UnsafeMutableRawPointer? = nil
            var size = 0
            if pthread_attr_getstack(&attr, &base, &size) == 0, let base {
                limit = UInt(bitPattern: base) + UInt(min(margin, size / 2))
            }
            pthread_attr_destroy(&attr)
        }
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: limit &+ 1))
        return limit
        #elseif canImport(Darwin)
        let thread = pthread_self()
        let top = UInt(bitPattern: pthread_get_stackaddr_np(thread))
        let size = UInt(pthread_get_stacksize_np(thread))
        guard top > size else { return 0 }
        return top - size + UInt(min(margin, Int(size / 2)))
        #else
        return 0
        #endif
    }

    /// The current stack position (approximately).
    @inline(__always) static func current() -> UInt {
        var marker: UInt8 = 0
        return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
    }
}
