import Foundation
import RegularFiles
#if canImport(Glibc)
import Glibc
#endif

/// The file-system calls of checkpointing, each throwing `CheckpointError` with the path: whole
/// writes flushed with fsync, directory flushes (so a rename survives a crash), atomic replacement
/// by rename, sizes from stat, and reading a file in bounded chunks.
public enum DurableFile {
    /// Creates (or truncates) `url`, writes `parts` one after another, flushes it to disk, closes it.
    public static func write(_ parts: [UnsafeRawBufferPointer], to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CheckpointError.cannotWrite(path: url.path, reason: errnoText()) }
        defer { close(fd) }
        for part in parts {
            guard var p = part.baseAddress else { continue }
            var left = part.count
            while left > 0 {
                let n = Glibc.write(fd, p, left)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw CheckpointError.cannotWrite(path: url.path, reason: errnoText()) }
                p += n
                left -= n
            }
        }
        guard fsync(fd) == 0 else { throw CheckpointError.cannotWrite(path: url.path, reason: "fsync: " + errnoText()) }
    }

    /// Writes `data` to `url` by way of a temporary sibling, flushed, renamed over `url`, and the
    /// folder flushed: readers see the old file or the new one, never a part.
    public static func replace(_ url: URL, with data: Data) throws {
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        try data.withUnsafeBytes { try write([$0], to: temp) }
        try rename(temp, to: url)
        try syncDirectory(url.deletingLastPathComponent())
    }

    /// Renames `from` to `to` (a file over a file, or a folder to a name that does not exist).
    public static func rename(_ from: URL, to: URL) throws {
        guard Glibc.rename(from.path, to.path) == 0 else {
            throw CheckpointError.cannotWrite(path: to.path, reason: "rename from \(from.lastPathComponent): " + errnoText())
        }
    }

    /// Writes the folder `url` anew: `build` fills a temporary sibling folder, whose entries are
    /// then flushed, and the folder takes the place of `url` in one step: swapped with the old one
    /// by `renameat2(RENAME_EXCHANGE)` (so `url` is never missing or half-written), which is then
    /// removed. Only where the file system cannot swap does the old folder move aside first.
    public static func replaceFolder(_ url: URL, build: (URL) throws -> Void) throws {
        let parent = url.deletingLastPathComponent()
        let temp = parent.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let fm = FileManager.default
        do {
            try? fm.removeItem(at: temp)
            try fm.createDirectory(at: temp, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.cannotWrite(path: temp.path, reason: "\(error)")
        }
        do { try build(temp) } catch {
            try? fm.removeItem(at: temp)   // a failed write leaves nothing behind
            throw error
        }
        try syncDirectory(temp)
        if fm.fileExists(atPath: url.path) {
            if exchange(temp, url) {
                try syncDirectory(parent)
                try? fm.removeItem(at: temp)
                return
            }
            let old = parent.appendingPathComponent(".\(url.lastPathComponent).old-\(getpid())")
            try? fm.removeItem(at: old)
            try rename(url, to: old)
            try rename(temp, to: url)
            try? fm.removeItem(at: old)
        } else {
            try rename(temp, to: url)
        }
        try syncDirectory(parent)
    }

    /// Swaps the entries `a` and `b` atomically (Linux `renameat2` with `RENAME_EXCHANGE`, looked
    /// up at run time since Glibc's Swift module does not declare it); false when unavailable.
    static func exchange(_ a: URL, _ b: URL) -> Bool {
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        guard let symbol = renameat2Symbol else { return false }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let renameExchange: UInt32 = 1 << 1
        return renameat2(AT_FDCWD, a.path, AT_FDCWD, b.path, renameExchange) == 0
    }

    private static let renameat2Symbol: UnsafeMutableRawPointer? = dlsym(dlopen(nil, RTLD_NOW), "renameat2")

    /// Flushes the folder `url` (its entries: created, renamed, removed files) to disk.
    public static func syncDirectory(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw CheckpointError.cannotWrite(path: url.path, reason: errnoText()) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw CheckpointError.cannotWrite(path: url.path, reason: "fsync: " + errnoText()) }
    }

    /// The size of the regular file `url`, or nil when it is missing or not a regular file.
    public static func size(of url: URL) -> Int? {
        var st = stat()
        guard stat(url.path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(st.st_size)
    }

    /// Reads the regular file `url` whole, refusing anything larger than `limit` bytes before
    /// reading it (`RegularFile.read`: a pipe, a folder or a device is refused as what it is).
    public static func contents(of url: URL, limit: Int) throws -> Data {
        do { return try RegularFile.read(url.path, limit: limit) } catch let problem as FileProblem {
            throw CheckpointError.cannotRead(path: url.path, reason: problem.reason)
        }
    }

    /// Reads the regular file `url` from the start in chunks of at most `chunk` bytes, calling
    /// `body(bytes, offset)` for each; throws when the file ends before `size` bytes.
    public static func forEachChunk(of url: URL, size: Int, chunk: Int = 8 << 20,
                                    _ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        try forEachChunk(of: url, bytes: 0..<size, chunk: chunk, body)
    }

    /// Reads bytes `bytes` of the regular file `url` in chunks of at most `chunk` bytes, calling
    /// `body(bytes, offset)` for each, with the chunk's offset in the file (a multiple of 4 from the
    /// range's start, so floats never straddle two chunks when the range starts on a float); throws
    /// when the file ends before the range does (`RegularFile.forEachChunk`).
    public static func forEachChunk(of url: URL, bytes: Range<Int>, chunk: Int = 8 << 20,
                                    _ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        do { try RegularFile.forEachChunk(of: url.path, bytes: bytes, chunk: chunk, body) } catch let problem as FileProblem {
            throw CheckpointError.cannotRead(path: url.path, reason: problem.reason)
        }
    }

    /// Why `url` is not a readable regular file, or nil (`RegularFile.problem(at:)`).
    public static func problem(at url: URL) -> String? { RegularFile.problem(at: url.path) }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
