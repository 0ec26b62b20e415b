import CoNLL

/// Errors of a trained model's files and of the text it reads: a model folder, export or
/// checkpoint that is missing, incomplete or inconsistent, a file that could not be written, a
/// corpus file its reader refused. Each names the file, what is wrong and how to fix it.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    /// A file or folder that could not be written.
    case cannotWrite(String, reason: String)
    /// A saved model that is missing, incomplete or inconsistent.
    case invalidModel(String, reason: String)
    /// A corpus file the reader refused; the hint names the corpus's config key that would accept it.
    case corpusFile(corpus: String, error: CoNLLError)
    /// A corpus file larger than `corpora.<corpus>.max_file_mb`, refused before it is read.
    case fileTooLarge(String, corpus: String, bytes: Int, maxBytes: Int)
    /// Prediction input that does not fit the `--input-format` asked for.
    case inputFormat(file: String, line: Int, reason: String, hint: String)
    /// Predictions sent between ranks that arrived damaged (a broken MPI transfer or build mismatch).
    case transfer(String)
    /// Ranks that loaded different models (their `ModelFingerprint`s differ).
    case rankModelMismatch(rank: Int, mine: String, rankZero: String, model: String)
    /// What rank `rank` failed with, as every rank reports it (so all stop together).
    case failedOnRank(rank: Int, message: String)

    public var description: String {
        switch self {
        case let .cannotWrite(path, reason):
            return "cannot write \(path): \(reason)"
        case let .invalidModel(path, reason):
            return "\(path): not a usable model: \(reason)"
        case let .inputFormat(file, line, reason, hint):
            return "\(file):\(line): \(reason). Hint: \(hint)"
        case let .transfer(what):
            return "predictions received from another rank are damaged: \(what). Hint: run every rank with the same mtl-dist build"
        case let .rankModelMismatch(rank, mine, rankZero, model):
            return "rank \(rank) loaded a different model from \(model) than rank 0 (fingerprint \(mine), rank 0's \(rankZero)). "
                + "Hint: give every rank the same model folder (a copy per host must be byte-identical)"
        case let .failedOnRank(_, message):
            return message
        case let .corpusFile(corpus, error):
            guard let setting = error.acceptingSetting else { return error.description }
            return (error.location.map { "\($0): " } ?? "") + "expected \(error.expected), found \(error.found). Hint: "
                + "\(setting.edit), or set corpora.\(corpus).\(setting.key): \(setting.value) in the config."
        case let .fileTooLarge(path, corpus, bytes, maxBytes):
            return "\(path): the file has \(bytes >> 20) MiB, more than corpora.\(corpus).max_file_mb (\(maxBytes >> 20) MiB), so none of it "
                + "was read: reading holds several times a file's size in memory. Check that it is the data file meant (not a binary "
                + "or several files in one), split it, or raise the bound: --set corpora.\(corpus).max_file_mb=\((bytes >> 20) + 1)"
        }
    }
}
