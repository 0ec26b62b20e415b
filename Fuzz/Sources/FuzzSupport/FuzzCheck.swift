#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// What every fuzz target asserts about one input: `body` returns, or throws an error that is a
/// typed, printable error of the project (`CustomStringConvertible` with a non-empty message).
/// A trap inside `body` (a precondition, an index out of range, an overflow) is what libFuzzer
/// reports as a crash; an error of another kind aborts here, so it is reported the same way.
/// Leaks and over-large allocations are caught by the sanitizer and libFuzzer's `-malloc_limit_mb`
/// (launch/fuzz.sh sets it from the largest input size).
public func fuzzCheck(_ body: () throws -> Void) {
    do {
        try body()
    } catch let error as Error & CustomStringConvertible {
        if error.description.isEmpty { fail("a \(type(of: error)) with an empty message") }
    } catch {
        fail("an untyped error: \(error)")
    }
}

/// The bytes libFuzzer hands over, as an array.
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

private func fail(_ message: String) -> Never {
    fputs("fuzz check failed: \(message)\n", stderr)
    abort()
}
