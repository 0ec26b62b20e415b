import CoNLL

/// Errors of assembling data and running training, each naming where, what and how to fix it.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// Sentences of a corpus that no task would train.
    case sentencesWithoutTask(corpus: String, split: String, count: Int, hint: String)
    /// A task that gets no training sentence.
    case taskWithoutSentences(task: String, corpus: String, hint: String)
    /// A file or folder that could not be written.
    case cannotWrite(String, reason: String)
    /// A file that could not be read.
    case cannotRead(String, reason: String)
    /// A saved model that is missing, incomplete or inconsistent.
    case invalidModel(String, reason: String)
    /// A corpus file the reader refused; the hint names the corpus's config key that would accept it.
    case corpusFile(corpus: String, error: CoNLLError)
    /// A rank could not start; every rank reports the same message.
    case failedOnRank(rank: Int, worldSize: Int, message: String)
    /// The loss (of `tasks`) or the parameters became NaN or infinite at `step`; every rank stops.
    case diverged(step: Int, quantity: String, tasks: [String])

    public var description: String {
        switch self {
        case let .sentencesWithoutTask(corpus, split, count, hint):
            return "corpus '\(corpus)' (\(split)): \(count) sentence\(count == 1 ? "" : "s") would train no task. \(hint)"
        case let .taskWithoutSentences(task, corpus, hint):
            return "task '\(task)' gets no training sentence from corpus '\(corpus)'. \(hint)"
        case let .cannotWrite(path, reason):
            return "cannot write \(path): \(reason)"
        case let .cannotRead(path, reason):
            return "cannot read \(path): \(reason)"
        case let .invalidModel(path, reason):
            return "\(path): not a usable model: \(reason)"
        case let .corpusFile(corpus, error):
            guard let setting = error.acceptingSetting else { return error.description }
            return (error.location.map { "\($0): " } ?? "") + "expected \(error.expected), found \(error.found). Hint: "
                + "\(setting.edit), or set corpora.\(corpus).\(setting.key): \(setting.value) in the config."
        case let .failedOnRank(rank, worldSize, message):
            return worldSize == 1 ? message : "rank \(rank) of \(worldSize): \(message)"
        case let .diverged(step, quantity, tasks):
            return "\(quantity) became NaN/inf at step \(step)" + (tasks.isEmpty ? "" : " (task \(tasks.joined(separator: ", ")))")
                + "; training stopped and nothing of this step was saved (best/ and the checkpoints hold earlier, finite states). "
                + "Lower training.learning_rate, set training.clip_norm, or resume from an earlier checkpoint"
        }
    }
}
