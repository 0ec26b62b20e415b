import Transformer

/// One step's sentences in the form the model reads: padded id arrays, no strings.
///
/// Rows are sentences, `b` in `0..<size`; `T = steps` is the longest length. Padding ids are 0
/// and never read for t ≥ lengths[b].
public struct Batch {
    public let size: Int
    public let steps: Int
    public let lengths: [Int]
    /// Word ids, row-major `[B, T]`.
    public let wordIDs: [Int32]
    /// Casing-class ids, row-major `[B, T]`.
    public let caseIDs: [Int32]
    /// Character ids of every real token, sentence by sentence (Σ lengths entries, none empty).
    public let characters: [[Int32]]
    /// A stable key per row (derived from seed, epoch, step and the sentence), from which the
    /// row's dropout masks are drawn: a sentence gets the same masks on whichever rank it lands.
    public let rowKeys: [UInt64]
    /// Per head (task order): which rows train it, and their gold tags.
    public let tasks: [TaskRows]
    /// The rows as subword windows, for an encoder with a transformer (nil otherwise).
    public let subwords: SubwordBatch?

    public init(lengths: [Int], wordIDs: [Int32], caseIDs: [Int32], characters: [[Int32]],
                rowKeys: [UInt64], tasks: [TaskRows], subwords: SubwordBatch? = nil) {
        size = lengths.count
        steps = lengths.max() ?? 0
        precondition(wordIDs.count == size * steps && caseIDs.count == size * steps,
                     "Batch: \(wordIDs.count) word ids / \(caseIDs.count) case ids for [\(size), \(steps)]")
        precondition(characters.count == lengths.reduce(0, +),
                     "Batch: \(characters.count) character lists for \(lengths.reduce(0, +)) tokens")
        precondition(rowKeys.count == size, "Batch: \(rowKeys.count) row keys for \(size) rows")
        self.lengths = lengths
        self.wordIDs = wordIDs
        self.caseIDs = caseIDs
        self.characters = characters
        self.rowKeys = rowKeys
        self.tasks = tasks
        precondition(subwords == nil || subwords!.wordCounts == lengths,
                     "Batch: subword word counts \(subwords!.wordCounts) for lengths \(lengths)")
        self.subwords = subwords
    }
}

/// The rows of a batch that train one task, with their gold tags.
public struct TaskRows {
    /// Batch rows, ascending.
    public let rows: [Int]
    /// Gold tag ids, row-major `[rows.count, T]` (padding ignored): one per token for a token task,
    /// the sentence's label at `[r, 0]` for a sentence task; empty when decoding only.
    public let tags: [Int32]
    /// Gold head of each word, row-major `[rows.count, T]` like `tags` (0 the root, w word w of the
    /// row; padding ignored): a dependency task's, whose `tags` are the relations. Empty otherwise.
    public let heads: [Int32]
    /// The number of this task's sentences in the whole global batch (all ranks): the task's loss
    /// is divided by it, so the gradient does not depend on how the batch is split.
    public let globalCount: Int

    public init(rows: [Int], tags: [Int32], heads: [Int32] = [], globalCount: Int) {
        self.rows = rows
        self.tags = tags
        self.heads = heads
        self.globalCount = globalCount
    }
}
