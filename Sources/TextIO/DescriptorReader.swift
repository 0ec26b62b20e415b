#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
#else
import Darwin
private let systemRead = Darwin.read
#endif

/// Reading a descriptor to its end with `read(2)`, reporting failures as `OutputError` instead of
/// trapping (Foundation's `FileHandle.readDataToEndOfFile()` traps on a closed standard input).
public enum DescriptorReader {
    /// The bytes of `descriptor` until end of file, named `name` in messages. `inspect(chunk,
    /// offset)` sees each chunk as it arrives (with the offset of its first byte) and may throw to
    /// stop early, before the rest is read: a reader that refuses binary input does not first take
    /// a gigabyte of it into memory.
    public static func readAll(descriptor: Int32, name: String,
                               inspect: (UnsafeRawBufferPointer, Int) throws -> Void = { _, _ in }) throws -> [UInt8] {
        if StandardStreams.wasClosed(descriptor) { throw OutputError.closed(name: name) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EBADF { throw OutputError.closed(name: name) }
                throw OutputError.readFailed(name: name, errno: code, read: result.count)
            }
            if n == 0 { return result }
            try chunk.withUnsafeBytes { try inspect(UnsafeRawBufferPointer(rebasing: $0[0..<n]), result.count) }
            result.append(contentsOf: chunk[0..<n])
        }
    }
}
