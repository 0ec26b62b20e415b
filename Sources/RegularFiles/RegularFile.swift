import Foundation
#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
#else
import Darwin
private let systemRead = Darwin.read
#endif

/// The one way this program opens a file it reads: the path must name a regular file, checked on
/// the open descriptor before a byte is read, so a named pipe never blocks a loader, a device such
/// as `/dev/zero` is never read until memory runs out, and a folder, a device or a pipe is
/// described as what it is instead of "no such file" or "You don't have permission".
///
/// The descriptor is opened with `O_NONBLOCK` (opening a pipe for reading would otherwise wait for
/// a writer), checked with `fstat(2)` (no window between the check and the open), and only then
/// switched back to blocking reads. Every failure throws `FileProblem` with the path and the reason.
public enum RegularFile {
    /// Why `path` is not a readable regular file (following symbolic links), or nil when it is.
    public static func problem(at path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            switch errno {
            case ENOENT:
                var link = stat()
                return lstat(path, &link) == 0 ? "a symbolic link to a missing file" : "no such file"
            case ENOTDIR: return "no such file (a part of the path is not a folder)"
            case EACCES: return "a folder on the path may not be searched by this user (permission denied)"
            default: return errnoText()
            }
        }
        if let kind = kindProblem(info.st_mode) { return kind }
        return access(path, R_OK) == 0 ? nil : "a file this user may not read (permission denied)"
    }

    /// What a non-regular file is, from its `st_mode`; nil for a regular file.
    static func kindProblem(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a folder, not a file"
        case S_IFCHR: return "a character device (like /dev/null or /dev/zero), not a data file"
        case S_IFBLK: return "a block device, not a data file"
        case S_IFIFO: return "a pipe, not a data file (write the data to a file first)"
        case S_IFSOCK: return "a socket, not a data file"
        default: return "not a regular file"
        }
    }

    /// True when something (of any kind) is at `path`, without following a final symbolic link.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Opens the regular file `path` for reading and returns the descriptor and its size in bytes.
    /// The caller closes the descriptor. Throws `FileProblem` when `path` is missing, not a regular
    /// file (checked on the descriptor) or not readable.
    public static func openForReading(_ path: String) throws -> (descriptor: Int32, size: Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let reason = errno == EACCES ? "a file this user may not read (permission denied)" : (problem(at: path) ?? errnoText())
            throw FileProblem(path: path, reason: reason)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = errnoText()
            close(fd)
            throw FileProblem(path: path, reason: reason)
        }
        if let kind = kindProblem(info.st_mode) {
            close(fd)
            throw FileProblem(path: path, reason: kind)
        }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
        return (fd, Int(info.st_size))
    }

    /// The size in bytes of the regular file `path`; throws `FileProblem` for anything else.
    public static func size(_ path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileProblem(path: path, reason: problem(at: path) ?? errnoText()) }
        if let kind = kindProblem(info.st_mode) { throw FileProblem(path: path, reason: kind) }
        return Int(info.st_size)
    }

    /// The whole regular file `path`, refusing one larger than `limit` bytes before reading it.
    public static func read(_ path: String, limit: Int) throws -> Data {
        let (fd, size) = try openForReading(path)
        defer { close(fd) }
        guard size <= limit else {
            throw FileProblem(path: path, reason: "\(size) bytes, more than the \(limit) a file of this kind may have")
        }
        var data = Data(count: size)
        var filled = 0
        try data.withUnsafeMutableBytes { raw in
            while filled < size {
                let n = systemRead(fd, raw.baseAddress! + filled, size - filled)
                if n < 0 && errno == EINTR { continue }
                guard n >= 0 else { throw FileProblem(path: path, reason: "reading failed after \(filled) bytes: " + errnoText()) }
                if n == 0 { break }
                filled += n
            }
        }
        // a file that shrank while it was read ends where it ended
        if filled < size { data.removeSubrange(filled..<size) }
        return data
    }

    /// Reads bytes `bytes` of the regular file `path` in chunks of at most `chunk` bytes, calling
    /// `body(chunk, offset)` with each chunk's offset in the file (a multiple of 4 from the range's
    /// start); throws `FileProblem` when the file ends before the range does.
    public static func forEachChunk(of path: String, bytes: Range<Int>, chunk: Int = 8 << 20,
                                    _ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        let (fd, _) = try openForReading(path)
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(4, min(chunk, bytes.count)), alignment: 16)
        defer { buffer.deallocate() }
        var offset = bytes.lowerBound
        var filled = 0
        while offset < bytes.upperBound {
            // fill the buffer (a short read leaves it partly filled), then pass it on
            let want = min(buffer.count - filled, bytes.upperBound - offset - filled)
            let n = pread(fd, buffer.baseAddress! + filled, want, off_t(offset + filled))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw FileProblem(path: path, reason: n == 0 ? "ends at byte \(offset + filled), expected \(bytes.upperBound)" : errnoText())
            }
            filled += n
            if filled == buffer.count || offset + filled == bytes.upperBound {
                try body(UnsafeRawBufferPointer(rebasing: buffer[0..<filled]), offset)
                offset += filled
                filled = 0
            }
        }
    }

    /// Streams the regular file `path` line by line (split at LF; a CR before it is kept), calling
    /// `body(lineNumber, bytes)` for each line with its 1-based number; memory stays bounded by the
    /// longest line, which may be at most `maxLineBytes` (longer throws `FileProblem` naming the line).
    public static func forEachLine(of path: String, maxLineBytes: Int,
                                   _ body: (Int, UnsafeRawBufferPointer) throws -> Void) throws {
        let (fd, _) = try openForReading(path)
        defer { close(fd) }
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var pending: [UInt8] = []
        var line = 1
        while true {
            let n = systemRead(fd, buffer.baseAddress!, chunk)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw FileProblem(path: path, reason: "reading line \(line) failed: " + errnoText()) }
            if n == 0 { break }
            var start = 0
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            while let end = bytes[start...].firstIndex(of: 0x0A) {
                if pending.isEmpty {
                    try body(line, UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                } else {
                    pending.append(contentsOf: bytes[start..<end])
                    guard pending.count <= maxLineBytes else { throw tooLong(path, line, maxLineBytes) }
                    try pending.withUnsafeBytes { try body(line, $0) }
                    pending.removeAll(keepingCapacity: true)
                }
                line += 1
                start = end + 1
            }
            pending.append(contentsOf: bytes[start...])
            guard pending.count <= maxLineBytes else { throw tooLong(path, line, maxLineBytes) }
        }
        if !pending.isEmpty { try pending.withUnsafeBytes { try body(line, $0) } }
    }

    private static func tooLong(_ path: String, _ line: Int, _ limit: Int) -> FileProblem {
        FileProblem(path: path, reason: "line \(line) is longer than \(limit) bytes")
    }

    /// `strerror(errno)` and the number, e.g. "Input/output error (errno 5)".
    public static func errnoText() -> String {
        let code = errno
        return String(cString: strerror(code)) + " (errno \(code))"
    }
}
