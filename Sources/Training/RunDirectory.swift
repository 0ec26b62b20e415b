import Foundation
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The output folder of a run: refused when it already holds files, so an earlier run's model and
/// metrics are never overwritten, and checked before any work (on rank 0, before the ranks agree)
/// so that a folder that cannot be written stops the run with the reason, not after training.
public enum RunDirectory {
    /// Throws `TrainingError.cannotWrite` naming `url` and the reason when `url` is a file, a folder
    /// that is not empty or not writable, a symbolic link to nothing, or a new folder whose nearest
    /// existing parent is not a writable folder.
    public static func check(_ url: URL) throws {
        if let problem = problem(url) { throw TrainingError.cannotWrite(url.path, reason: problem) }
    }

    /// Creates `url` (and its parents).
    public static func create(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.cannotWrite(url.path, reason: problem(url) ?? error.localizedDescription)
        }
    }

    /// Why the run cannot write into `url`, or nil.
    static func problem(_ url: URL) -> String? {
        let path = url.path
        var info = stat()
        if lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK && stat(path, &info) != 0 {
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
            return "--output is a symbolic link to \(target), which does not exist; create that folder or name another output folder"
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { return "--output names a file; name a folder" }
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            if !contents.isEmpty {
                return "--output already holds files (\(contents.sorted().prefix(3).joined(separator: ", "))); choose a new folder so the earlier run is kept"
            }
            return writable(path) ? nil : "this user may not write into the folder (permission denied); choose an output folder you can write to"
        }
        // a new folder: it is created inside its nearest existing ancestor
        var ancestor = url.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) && ancestor.path != "/" {
            ancestor = ancestor.deletingLastPathComponent()
        }
        guard isDirectory.boolValue else {
            return "\(ancestor.path) is a file, so no folder can be created below it; name another output folder"
        }
        return writable(ancestor.path) ? nil
            : "the folder \(ancestor.path) is not writable by this user (permission denied), so \(url.lastPathComponent) cannot be created in it; choose an output folder you can write to"
    }

    /// Whether this process may create entries in the folder `path`.
    private static func writable(_ path: String) -> Bool { access(path, W_OK | X_OK) == 0 }
}
