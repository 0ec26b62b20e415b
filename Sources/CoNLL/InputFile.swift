import Foundation
import RegularFiles
#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
#else
import Darwin
private let systemRead = Darwin.read
#endif

/// Reading a whole data file, with the true reason when it cannot be read.
///
/// Foundation's `Data(contentsOf:)` reports "You don't have permission" for `/dev/null` (and
/// would read `/dev/zero` until memory runs out), so the file is checked with `stat(2)` first and
/// read with `open(2)`/`read(2)`, and each failure names what the path is and what errno said.
public enum InputFile {
    /// The bytes of the regular file at `path` (or of a named pipe, such as `/dev/stdin` or a
    /// shell's `<(…)`, when `acceptPipes`). Throws `CoNLLError.unreadableFile(file: path, …)`
    /// saying why when `path` does not exist, is a folder, a device, a socket or an unaccepted
    /// pipe, or cannot be opened or read (permissions, I/O errors).
    public static func read(path: String, acceptPipes: Bool = false) throws -> Data {
        var data = Data()
        try forEachChunk(path: path, size: 1 << 20, acceptPipes: acceptPipes) { data.append(contentsOf: $0) }
        return data
    }

    /// Reads the file at `path` (checked as `read` checks it) in chunks of at most `size` bytes,
    /// handing each to `body` as it arrives; an error thrown by `body` stops the read there.
    public static func forEachChunk(path: String, size: Int, acceptPipes: Bool = false,
                                    _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let fd: Int32
        if acceptPipes && isPipe(path) {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw CoNLLError.unreadableFile(file: path, reason: "cannot open it: " + errnoText()) }
        } else {
            // a regular file, checked on the descriptor (`RegularFile`)
            do { fd = try RegularFile.openForReading(path).descriptor } catch let problem as FileProblem {
                throw CoNLLError.unreadableFile(file: path, reason: problem.reason)
            }
        }
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: max(size, 1))
        var total = 0
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CoNLLError.unreadableFile(file: path, reason: "reading failed after \(total) bytes: " + errnoText())
            }
            if n == 0 { return }
            total += n
            try chunk.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// `data` as a String; throws `CoNLLError.invalidUTF8` with the line and byte offset of the first
    /// byte that is not UTF-8. `fileName` names the input in the message.
    public static func text(_ data: Data, fileName: String) throws -> String {
        guard let text = String(validating: data, as: UTF8.self) else {
            let (offset, byte) = data.withUnsafeBytes { firstInvalidUTF8($0.bindMemory(to: UInt8.self)) }
            let line = data.prefix(offset).reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            throw CoNLLError.invalidUTF8(file: fileName, line: line, byteOffset: offset, byte: byte)
        }
        return text
    }

    /// Why `path` is not a readable regular file (following symbolic links), or nil when it is
    /// (`RegularFile.problem(at:)`).
    public static func problem(at path: String) -> String? { RegularFile.problem(at: path) }

    /// Whether `path` is a named pipe (following symbolic links).
    public static func isPipe(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO
    }

    /// `strerror(errno)` and the errno name's number, e.g. "Input/output error (errno 5)".
    static func errnoText() -> String {
        let code = errno
        return String(cString: strerror(code)) + " (errno \(code))"
    }
}
