/// Errors of running training (its files and its ranks; a refused resume is a `ResumeError`), each naming where, what and how to fix it.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A file or folder that could not be written.
    case cannotWrite(String, reason: String)
    /// A rank could not start; every rank reports the same message.
    case failedOnRank(rank: Int, worldSize: Int, message: String)
    /// The loss (of `tasks`) or the parameters became NaN or infinite at `step`; every rank stops.
    case diverged(step: Int, quantity: String, tasks: [String])

    public var description: String {
        switch self {
        case let .cannotWrite(path, reason):
            return "cannot write \(path): \(reason)"
        case let .failedOnRank(rank, worldSize, message):
            return worldSize == 1 ? message : "rank \(rank) of \(worldSize): \(message)"
        case let .diverged(step, quantity, tasks):
            return "\(quantity) became NaN/inf at step \(step)" + (tasks.isEmpty ? "" : " (task \(tasks.joined(separator: ", ")))")
                + "; training stopped and nothing of this step was saved (best/ and the checkpoints hold earlier, finite states). "
                + "Lower training.learning_rate, set training.clip_norm, or resume from an earlier checkpoint"
        }
    }
}
