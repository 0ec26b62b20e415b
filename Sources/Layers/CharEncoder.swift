import Autodiff

/// Character-level word vectors, Flair's `CharacterEmbeddings` (Lample et al. 2016): each word
/// is a sequence of character ids, embedded (`characterDimension` wide) and read by a
/// character BiLSTM; the word's vector is the last state of each direction,
///
///     out[w, :] = [ →h_{L_w − 1} ; ←h_0 ]          (L_w = number of characters of word w)
///
/// →h after reading the whole word left to right, ←h after reading it right to left.
/// Shapes: N words → `[N, 2·hiddenSize]`. Parameters: `<name>.embedding.weight
/// [vocabularySize, characterDimension]` and the BiLSTM's `<name>.lstm.forward.*`,
/// `<name>.lstm.backward.*`. All words of a call run as one padded batch.
public struct CharEncoder: Module {
    /// V, the number of character ids.
    public let vocabularySize: Int
    /// D, the width of a character vector.
    public let characterDimension: Int
    /// H, the state width of each direction of the character BiLSTM.
    public let hiddenSize: Int
    /// The character table `[V, D]`.
    public let embedding: Embedding
    /// The character BiLSTM; it runs as one fused op that keeps only each direction's last state.
    public let lstm: BiLSTM

    /// Registers the character table and the character BiLSTM under `name`. Flair's defaults:
    /// 25-dimensional characters, 25 hidden units per direction.
    public init(vocabularySize: Int, characterDimension: Int = 25, hiddenSize: Int = 25,
                name: String, store: ParameterStore, rng: inout SplitMix64) {
        self.vocabularySize = vocabularySize
        self.characterDimension = characterDimension
        self.hiddenSize = hiddenSize
        embedding = Embedding(count: vocabularySize, dimension: characterDimension,
                              name: qualifiedName(name, "embedding"), store: store, rng: &rng)
        lstm = BiLSTM(inputSize: characterDimension, hiddenSize: hiddenSize,
                      name: qualifiedName(name, "lstm"), store: store, rng: &rng)
    }

    /// The character table, then the BiLSTM's parameters.
    public var parameters: [Parameter] { embedding.parameters + lstm.parameters }

    /// Width of a word vector, 2H.
    public var outputSize: Int { 2 * hiddenSize }

    /// `words`: N non-empty lists of character ids (each in `0..<vocabularySize`) →
    /// `[N, 2·hiddenSize]`, row w the vector of word w.
    public func callAsFunction(words: [[Int32]], tape: Tape?) -> Tensor {
        let n = words.count
        let lengths = words.map(\.count)
        precondition(lengths.allSatisfy { $0 > 0 },
                     "CharEncoder: empty word at index \(lengths.firstIndex(of: 0) ?? -1) (tokens must be non-empty)")
        let steps = lengths.max() ?? 0
        // ids[w, t] = words[w][t], padded with 0 (padded steps are never read)
        var ids = [Int32](repeating: 0, count: n * steps)
        for (w, word) in words.enumerated() {
            for (t, id) in word.enumerated() { ids[w * steps + t] = id }
        }
        let chars = embedding(ids, batch: n, steps: steps, tape: tape)   // [N, L, D]
        // →h after the last character; ←h after reading the reversed word to its end: one op
        return LSTM.fused(chars, lengths: lengths,
                          directions: [lstm.forwardLSTM.direction(reversed: false, tape: tape),
                                       lstm.backwardLSTM.direction(reversed: true, tape: tape)],
                          output: .lastStep)
    }
}
