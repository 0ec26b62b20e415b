/// Errors of running training (its files, its checkpoints, its ranks), each naming where, what and how to fix it.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A file or folder that could not be written.
    case cannotWrite(String, reason: String)
    /// A saved model that is missing, incomplete or inconsistent.
    case invalidModel(String, reason: String)
    /// A rank could not start; every rank reports the same message.
    case failedOnRank(rank: Int, worldSize: Int, message: String)

    public var description: String {
        switch self {
        case let .cannotWrite(path, reason):
            return "cannot write \(path): \(reason)"
        case let .invalidModel(path, reason):
            return "\(path): not a usable model: \(reason)"
        case let .failedOnRank(rank, worldSize, message):
            return worldSize == 1 ? message : "rank \(rank) of \(worldSize): \(message)"
        }
    }
}
