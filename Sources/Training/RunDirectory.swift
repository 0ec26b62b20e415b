import Foundation
import RunConfig
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The output folder of a run: refused when it already holds files, so an earlier run's model and
/// metrics are never overwritten, except for what a start writes before training has produced
/// anything (`resolved-config.yaml`, an empty `metrics.jsonl`): a start that failed or was killed
/// then must not block the same command line from being run again. Checked before any work (on
/// rank 0, before the ranks agree), so a folder that cannot be written stops the run with the
/// reason, not after training.
public enum RunDirectory {
    /// What a start writes into the output folder before the first logged step or saved model.
    static let startFiles = [ResolvedConfig.fileName, "metrics.jsonl"]

    /// Throws `TrainingError.cannotWrite` naming `url` and the reason when `url` is a file, a
    /// folder that holds anything but the files of a start that never trained or that this user may
    /// not write, a symbolic link to nothing, or a new folder whose nearest existing parent is not a
    /// writable folder. Returns a failed start's files ("metrics.jsonl (empty)"), which `create`
    /// replaces.
    @discardableResult
    public static func check(_ url: URL) throws -> [String] {
        if let problem = problem(url) { throw TrainingError.cannotWrite(url.path, reason: problem) }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return startFiles.filter(contents.contains).map { $0 == "metrics.jsonl" ? "metrics.jsonl (empty)" : $0 }
    }

    /// Creates `url` (and its parents) and, unless `continuing` (a `--resume auto` run in its own
    /// folder), removes a failed start's files from it; returns whether the folder itself was created.
    public static func create(_ url: URL, continuing: Bool = false) throws -> Bool {
        let existed = FileManager.default.fileExists(atPath: url.path)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.cannotWrite(url.path, reason: problem(url) ?? error.localizedDescription)
        }
        if !continuing { discardStart(url, removingFolder: false) }
        return !existed
    }

    /// True when `url` is a folder holding nothing but a start's files, with `metrics.jsonl` empty:
    /// no step was logged, no model saved.
    public static func holdsOnlyStartFiles(_ url: URL) -> Bool {
        guard let contents = try? FileManager.default.contentsOfDirectory(atPath: url.path) else { return false }
        return contents.allSatisfy { name in
            guard startFiles.contains(name) else { return false }
            guard name == "metrics.jsonl" else { return true }
            let size = (try? FileManager.default.attributesOfItem(atPath: url.appendingPathComponent(name).path))?[.size] as? Int
            return size == 0
        }
    }

    /// Removes a start's files from `url`, and the folder too when `removingFolder` and it is then empty.
    public static func discardStart(_ url: URL, removingFolder: Bool) {
        for name in startFiles { try? FileManager.default.removeItem(at: url.appendingPathComponent(name)) }
        if removingFolder, (try? FileManager.default.contentsOfDirectory(atPath: url.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: url)
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
            if !contents.isEmpty && !holdsOnlyStartFiles(url) {
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
