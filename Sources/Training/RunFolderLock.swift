import Foundation
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// An exclusive lock on a run folder, held by the training that writes it (rank 0 under mpirun):
/// `flock(LOCK_EX)` on `OUTPUT/.lock`, which holds the holder's process id. The kernel releases it
/// when the process ends, however it ends, so a killed run never leaves the folder locked; a
/// second training on the same `--output` is refused with the holder's PID instead of
/// interleaving `metrics.jsonl` and overwriting `best/`.
public final class RunFolderLock {
    /// The lock file's name in the run folder.
    public static let fileName = ".lock"

    /// The run folder.
    public let folder: URL
    /// Whether taking the lock created the folder (a start that fails then removes it).
    public let createdFolder: Bool
    private var descriptor: Int32

    /// Takes the lock on `folder`, creating the folder (and its parents) when missing. Throws
    /// `RunGuardError.folderLocked` with the holder's PID when another process holds it, and
    /// `TrainingError.cannotWrite` when the folder or the lock file cannot be created.
    public init(_ folder: URL) throws {
        self.folder = folder
        let existed = FileManager.default.fileExists(atPath: folder.path)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.cannotWrite(folder.path, reason: RunDirectory.problem(folder) ?? error.localizedDescription)
        }
        createdFolder = !existed
        let path = folder.appendingPathComponent(Self.fileName).path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            if createdFolder { try? FileManager.default.removeItem(at: folder) }
            throw TrainingError.cannotWrite(path, reason: RunDirectory.problem(folder) ?? reason)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let reason = String(cString: strerror(errno))
            let holder = Self.holder(fd)
            close(fd)
            guard busy else { throw TrainingError.cannotWrite(path, reason: "flock: \(reason)") }
            throw RunGuardError.folderLocked(folder.path, holder: holder)
        }
        descriptor = fd
        // the holder's PID, for the message of a second run (replacing a dead holder's)
        let text = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit { release() }

    /// Gives the lock up (the process's end does the same).
    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    /// Gives the lock up and, when taking it created the folder, removes the lock file and the
    /// folder if nothing else is in it: what a start that failed before writing anything leaves.
    public func discard() {
        release()
        guard createdFolder else { return }
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(Self.fileName))
        if (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: folder)
        }
    }

    /// The PID written in the lock file open as `fd`, nil when it holds none.
    private static func holder(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buffer, 31, 0)
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let pid = Int32(text), pid > 0 else { return nil }
        return pid
    }
}
