#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#else
import Darwin
private let systemWrite = Darwin.write
#endif

/// Text output that reports every failure: the one writer of every command's standard output.
///
/// Foundation's `FileHandle.write(_:)` traps on a failed write (`try!` inside), and `print` drops
/// the failure silently, so a command writing to a full disk or a closed descriptor either crashed
/// or exited 0 having written nothing. This writer goes through `write(2)`, retries `EINTR` and
/// partial writes, and throws `OutputError`: `brokenPipe` when the reader is gone (`EPIPE`; the
/// process ignores `SIGPIPE`, see `ignoreBrokenPipeSignal()`), `closed` for a descriptor closed at
/// start (`StandardStreams`), `writeFailed` with errno otherwise.
///
/// Text is buffered up to `bufferLimit` bytes; `flush()` writes the rest and must end every
/// command (a failure surfaces there at the latest).
public final class TextWriter {
    /// Standard output.
    public static let standardOutput = TextWriter(descriptor: STDOUT_FILENO, name: "standard output")
    /// Standard error (unbuffered: messages go out as they are written).
    public static let standardError = TextWriter(descriptor: STDERR_FILENO, name: "standard error", bufferLimit: 0)

    /// The exit status of a command whose standard output was a pipe closed by its reader: 141
    /// (128 + SIGPIPE), what a shell reports for `cat` or `yes` killed by SIGPIPE, so a pipeline
    /// under `set -o pipefail` sees the same as with any other Unix tool. No message is printed.
    public static let brokenPipeExitStatus: Int32 = 128 + SIGPIPE

    /// Turns off SIGPIPE's default action (ending the process), so a write to a pipe without a
    /// reader returns `EPIPE` and reaches `OutputError.brokenPipe`.
    public static func ignoreBrokenPipeSignal() { signal(SIGPIPE, SIG_IGN) }

    /// The descriptor written to.
    public let descriptor: Int32
    /// How the output is named in messages ("standard output", a file's path).
    public let name: String
    private let bufferLimit: Int
    private var buffer: [UInt8] = []
    private var written = 0

    /// A writer of `descriptor` (not owned: never closed here), named `name` in messages, holding
    /// up to `bufferLimit` bytes before writing.
    public init(descriptor: Int32, name: String, bufferLimit: Int = 1 << 16) {
        self.descriptor = descriptor
        self.name = name
        self.bufferLimit = bufferLimit
    }

    /// Appends `text`; writes the buffer out once it holds more than `bufferLimit` bytes.
    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count > bufferLimit { try flush() }
    }

    /// Appends `text` and a line end.
    public func writeLine(_ text: String) throws {
        try write(text + "\n")
    }

    /// Writes out everything buffered.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        try buffer.withUnsafeBytes { try writeAll($0) }
    }

    /// `write(2)` until every byte of `bytes` is out: a partial write continues after what was
    /// written, `EINTR` retries, any other failure throws.
    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        if StandardStreams.wasClosed(descriptor) { throw OutputError.closed(name: name) }
        var offset = 0
        while offset < bytes.count {
            let n = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EPIPE { throw OutputError.brokenPipe(name: name) }
                if code == EBADF { throw OutputError.closed(name: name) }
                throw OutputError.writeFailed(name: name, errno: code, written: written)
            }
            offset += n
            written += n
        }
    }
}
