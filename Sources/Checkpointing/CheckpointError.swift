/// What can be wrong with a checkpoint on disk or with saving one; each message names the file
/// (and the field, shard or byte range), what was expected, what was found, and what to do.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// A file or folder that is missing or cannot be read.
    case cannotRead(path: String, reason: String)
    /// A file or folder that could not be written.
    case cannotWrite(path: String, reason: String)
    /// A manifest field that is malformed, out of its limits or inconsistent with another field.
    case invalidManifest(path: String, field: String, found: String, expected: String)
    /// A shard whose size or checksum is not what the manifest records.
    case corruptShard(path: String, part: String, found: String, expected: String)
    /// No complete checkpoint where one was asked for.
    case noCheckpoint(path: String, hint: String)
    /// A save that failed on some rank; every rank reports the same message.
    case saveFailed(rank: Int, message: String)

    public var description: String {
        switch self {
        case let .cannotRead(path, reason):
            return "cannot read \(path): \(reason)"
        case let .cannotWrite(path, reason):
            return "cannot write \(path): \(reason)"
        case let .invalidManifest(path, field, found, expected):
            return "\(path): \(field) is \(found), expected \(expected); the manifest is corrupt or from another program"
        case let .corruptShard(path, part, found, expected):
            return "\(path) (\(part)): found \(found), expected \(expected); the shard is damaged: resume from an older checkpoint (checkpoint.keep keeps several)"
        case let .noCheckpoint(path, hint):
            return "\(path): no complete checkpoint. \(hint)"
        case let .saveFailed(rank, message):
            return "saving the checkpoint failed on rank \(rank): \(message)"
        }
    }
}
