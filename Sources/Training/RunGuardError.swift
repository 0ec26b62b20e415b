/// Why a run may not start or continue in its folder: each case keeps an earlier run's files intact
/// and says how to go on.
public enum RunGuardError: Error, CustomStringConvertible, Equatable {
    /// Another training holds the run folder's lock (its PID, when the lock file names one).
    case folderLocked(String, holder: Int32?)
    /// `--resume auto` on a folder that holds a run's results but no checkpoint to continue from.
    case nothingToResume(String, holds: String, checkpointDirectory: String)
    /// The checkpoint to continue from, or the checkpoint directory, is another run's.
    case anotherRun(String, reason: String)

    public var description: String {
        switch self {
        case let .folderLocked(path, holder):
            return "\(path) is in use by another training (\(holder.map { "PID \($0)" } ?? "PID unknown") holds \(path)/\(RunFolderLock.fileName)); "
                + "two runs in one folder would interleave metrics.jsonl and overwrite best/. Wait for it to end, or choose another --output"
        case let .nothingToResume(path, holds, directory):
            return "--resume auto: \(path) holds a run (\(holds)) but no complete checkpoint under \(directory) to continue it from; "
                + "starting over would overwrite it, so nothing was changed. To train again, choose a new --output "
                + "(with checkpoint.every > 0, e.g. --set checkpoint.every=500, the run can be resumed after a stop); "
                + "to train on from this model, no state was saved: only a checkpoint can be continued"
        case let .anotherRun(path, reason):
            return "\(path): \(reason)"
        }
    }
}
