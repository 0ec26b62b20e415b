import Autodiff
import MultiTask
import TaskSampling
import Transformer

/// A sentence in ids: what the model reads, computed once when the data is loaded.
public struct EncodedSentence: Sendable {
    public let wordIDs: [Int32]
    public let caseIDs: [Int32]
    public let characters: [[Int32]]
    /// Gold tag ids per task index, for the tasks whose labels the sentence carries.
    public let tags: [Int: [Int32]]
    /// Gold heads per dependency task index (0 the root, w word w), for the parsers it trains.
    public let heads: [Int: [Int32]]
    /// The words as WordPiece subwords, for a model with a transformer (nil otherwise).
    public let subwords: SubwordSentence?

    public init(wordIDs: [Int32], caseIDs: [Int32], characters: [[Int32]], tags: [Int: [Int32]], heads: [Int: [Int32]] = [:],
                subwords: SubwordSentence? = nil) {
        self.wordIDs = wordIDs
        self.caseIDs = caseIDs
        self.characters = characters
        self.tags = tags
        self.heads = heads
        self.subwords = subwords
    }

    public var count: Int { wordIDs.count }
}

/// Lample et al.'s (2016) unknown-word training: singletons replaced by `<unk>` with a probability.
public struct UnkReplacement {
    public let probability: Float
    /// Per word id: whether it is a singleton.
    public let singletons: [Bool]
    public let unknownID: Int32

    public init(probability: Float, singletons: [Bool], unknownID: Int32) {
        self.probability = probability
        self.singletons = singletons
        self.unknownID = unknownID
    }
}

/// Assembles model batches from encoded sentences.
public enum BatchBuilder {
    /// The dropout key of a training row: a function of (seed, epoch, step, corpus, sentence)
    /// only, never of the rank or the row's position, so masks do not depend on the world size.
    public static func rowKey(seed: UInt64, epoch: Int, step: Int, corpus: Int, sentence: Int) -> UInt64 {
        var g = SplitMix64(keys: seed, UInt64(epoch), UInt64(step), UInt64(corpus), UInt64(sentence))
        return g.next()
    }

    /// A training batch: `items` are this rank's sentences with the tasks they train, `sentences`
    /// looks up an item's encoded sentence, `globalCounts[t]` is task t's number of sentences in the
    /// whole global batch (the loss normaliser).
    /// With `unkReplacement`, each occurrence of a singleton word becomes `<unk>` with the given
    /// probability, drawn from the row's key (so independent of the rank).
    /// With `packing` (a model with a transformer), the batch carries the sentences' subword windows.
    public static func training(items: [SampledItem], taskCount: Int, globalCounts: [Int],
                                keys: [UInt64], unkReplacement: UnkReplacement? = nil, packing: SubwordPacking? = nil,
                                sentence: (SampledItem) -> EncodedSentence) -> Batch {
        var encoded = items.map(sentence)
        if let u = unkReplacement, u.probability > 0 {
            for r in encoded.indices {
                var rng = SplitMix64(keys: keys[r], 0x756E_6B)
                var ids = encoded[r].wordIDs
                for j in ids.indices where u.singletons[Int(ids[j])] && rng.nextUniform() < u.probability { ids[j] = u.unknownID }
                encoded[r] = EncodedSentence(wordIDs: ids, caseIDs: encoded[r].caseIDs, characters: encoded[r].characters,
                                             tags: encoded[r].tags, heads: encoded[r].heads, subwords: encoded[r].subwords)
            }
        }
        var taskRows = [[Int]](repeating: [], count: taskCount)
        for (r, item) in items.enumerated() { for t in item.tasks { taskRows[t].append(r) } }
        let steps = encoded.map(\.count).max() ?? 0
        let tasks = (0..<taskCount).map { t -> TaskRows in
            var tags = [Int32](repeating: 0, count: taskRows[t].count * steps)
            // a parser's rows carry heads; its first row says whether this task is one
            let parser = taskRows[t].first.map { encoded[$0].heads[t] != nil } ?? false
            var heads = [Int32](repeating: 0, count: parser ? tags.count : 0)
            for (i, r) in taskRows[t].enumerated() {
                guard let gold = encoded[r].tags[t], (encoded[r].heads[t] != nil) == parser else {
                    preconditionFailure("item routed to task \(t) without its tags or heads (routing checks this at load time)")
                }
                for (j, tag) in gold.enumerated() { tags[i * steps + j] = tag }
                if let goldHeads = encoded[r].heads[t] { for (j, head) in goldHeads.enumerated() { heads[i * steps + j] = head } }
            }
            return TaskRows(rows: taskRows[t], tags: tags, heads: heads, globalCount: globalCounts[t])
        }
        return assemble(encoded, keys: keys, tasks: tasks, packing: packing)
    }

    /// A batch for decoding only (no gold tags, no task rows).
    public static func inference(_ encoded: [EncodedSentence], packing: SubwordPacking? = nil) -> Batch {
        assemble(encoded, keys: [UInt64](repeating: 0, count: encoded.count), tasks: [], packing: packing)
    }

    static func assemble(_ encoded: [EncodedSentence], keys: [UInt64], tasks: [TaskRows], packing: SubwordPacking?) -> Batch {
        let lengths = encoded.map(\.count)
        let steps = lengths.max() ?? 0
        var words = [Int32](repeating: 0, count: encoded.count * steps)
        var cases = [Int32](repeating: 0, count: encoded.count * steps)
        var characters: [[Int32]] = []
        characters.reserveCapacity(lengths.reduce(0, +))
        for (r, s) in encoded.enumerated() {
            for j in 0..<s.count {
                words[r * steps + j] = s.wordIDs[j]
                cases[r * steps + j] = s.caseIDs[j]
            }
            characters.append(contentsOf: s.characters)
        }
        var subwords: SubwordBatch? = nil
        if let packing {
            let sentences = encoded.map { s -> SubwordSentence in
                guard let sub = s.subwords else { preconditionFailure("a transformer batch from sentences encoded without subwords") }
                return sub
            }
            subwords = SubwordBatch(sentences: sentences, rowKeys: keys, packing: packing)
        }
        return Batch(lengths: lengths, wordIDs: words, caseIDs: cases, characters: characters,
                     rowKeys: keys, tasks: tasks, subwords: subwords)
    }
}
