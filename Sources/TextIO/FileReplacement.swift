#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A file written as a stream and put in place only once complete. The text goes to a hidden
/// sibling, `.NAME.partial-PID`, through `writer`; `commit()` flushes it to disk and renames it over
/// `path` (then flushes the folder, so the rename survives a crash); `discard()` removes it. Until
/// `commit()` an earlier file at `path` is untouched, so a run that fails or is stopped half-way
/// never leaves a truncated file under the name a reader expects, nor destroys the last good one.
public final class FileReplacement {
    /// The file's final path.
    public let path: String
    /// The writer of the file's text (named by `path` in its errors).
    public let writer: TextWriter
    private let partial: String
    private var descriptor: Int32
    private var finished = false

    /// Creates the hidden sibling of `path` (replacing one a killed run left). Throws
    /// `OutputError.cannotReplace` when the folder does not exist or cannot be written.
    public init(path: String) throws {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        partial = folder + ".\(name).partial-\(getpid())"
        descriptor = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw OutputError.cannotReplace(path: path, step: "create \(partial)", errno: errno) }
        writer = TextWriter(descriptor: descriptor, name: path)
    }

    deinit { discard() }

    /// Writes out what `writer` holds, flushes the file to disk and renames it over `path`.
    /// On a failure the partial file is removed and `path` is as it was.
    public func commit() throws {
        guard !finished else { return }
        do {
            try writer.flush()
            guard fsync(descriptor) == 0 else { throw OutputError.cannotReplace(path: path, step: "fsync", errno: errno) }
            guard close(descriptor) == 0 else { throw OutputError.cannotReplace(path: path, step: "close", errno: errno) }
            descriptor = -1
            guard rename(partial, path) == 0 else { throw OutputError.cannotReplace(path: path, step: "rename from \(partial)", errno: errno) }
        } catch {
            discard()
            throw error
        }
        finished = true
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    /// Removes the partial file (nothing after `commit()`); `path` is as it was before.
    public func discard() {
        guard !finished else { return }
        finished = true
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(partial)
    }
}
