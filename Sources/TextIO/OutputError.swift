#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Why text could not be written to, or read from, a standard stream or a file descriptor.
public enum OutputError: Error, CustomStringConvertible, Equatable {
    /// The reader went away (`EPIPE`: `mtl-dist predict ... | head -1`). Not a failure of the
    /// command: it stops quietly (see `TextWriter.brokenPipeExitStatus`).
    case brokenPipe(name: String)
    /// `write(2)` failed with `errno` after `written` bytes of this command's output had gone out.
    case writeFailed(name: String, errno: Int32, written: Int)
    /// The descriptor was closed before the program started (`mtl-dist ... >&-` or `<&-`).
    case closed(name: String)
    /// `read(2)` failed with `errno` after `read` bytes.
    case readFailed(name: String, errno: Int32, read: Int)
    /// An output file could not be made, flushed or put in place (`FileReplacement`): `step` says
    /// which call failed, on `path`.
    case cannotReplace(path: String, step: String, errno: Int32)

    /// Whether this is the quiet end of a pipe whose reader is gone.
    public var isBrokenPipe: Bool {
        if case .brokenPipe = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .brokenPipe(let name):
            return "\(name): the reader of the pipe has gone away"
        case .writeFailed(let name, let code, let written):
            let hint = code == ENOSPC ? " (the disk or device is full: free space or write elsewhere)" : ""
            return "cannot write to \(name) after \(written) bytes: \(String(cString: strerror(code)))\(hint)"
        case .closed(let name):
            return "\(name) is closed: give the command somewhere to \(name.hasSuffix("input") ? "read from (a file, a pipe or /dev/null)" : "write to (a file, a pipe or /dev/null)")"
        case .readFailed(let name, let code, let read):
            return "cannot read \(name) after \(read) bytes: \(String(cString: strerror(code)))"
        case .cannotReplace(let path, let step, let code):
            let hint = code == ENOSPC ? " (the disk is full: free space or write elsewhere)"
                : code == EACCES || code == EROFS ? " (choose a folder you can write to)"
                : code == ENOENT || code == ENOTDIR ? " (its folder does not exist: create it or write elsewhere)" : ""
            return "cannot write \(path): \(step): \(String(cString: strerror(code)))\(hint)"
        }
    }
}
