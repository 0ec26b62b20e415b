import Autodiff

/// The input layer of a BERT-family encoder, BERT's `BertEmbeddings`, over packed sequences:
///
///     x[r] = LayerNorm(word[id_r] + position[pos_r] + tokenType[type_r]),  then dropout
///
/// where `pos_r` counts from 0 within each sequence. Parameters in BERT's names under `<name>`:
/// `word_embeddings.weight [V, C]`, `position_embeddings.weight [P, C]`,
/// `token_type_embeddings.weight [types, C]`, `LayerNorm.{weight, bias}` (normal(0, 0.02) tables,
/// as BERT initialises them; a pretrained model overwrites them).
public struct TransformerEmbeddings: Module {
    public let vocabularySize: Int
    public let maxPositions: Int
    public let typeCount: Int
    public let width: Int
    public let words: Parameter
    public let positions: Parameter
    public let types: Parameter
    public let norm: LayerNorm
    let dropout: Dropout
    let store: ParameterStore

    public init(vocabularySize: Int, maxPositions: Int, typeCount: Int, width: Int, layerNormEps: Float,
                dropout: Float, site: UInt64, name: String, store: ParameterStore, rng: inout SplitMix64) {
        self.vocabularySize = vocabularySize
        self.maxPositions = maxPositions
        self.typeCount = typeCount
        self.width = width
        self.store = store
        words = store.add(qualifiedName(name, "word_embeddings.weight"), shape: [vocabularySize, width],
                          initializer: .normal(std: 0.02), rng: &rng)
        positions = store.add(qualifiedName(name, "position_embeddings.weight"), shape: [maxPositions, width],
                              initializer: .normal(std: 0.02), rng: &rng)
        types = store.add(qualifiedName(name, "token_type_embeddings.weight"), shape: [typeCount, width],
                          initializer: .normal(std: 0.02), rng: &rng)
        norm = LayerNorm(width: width, eps: layerNormEps, name: qualifiedName(name, "LayerNorm"), store: store, rng: &rng)
        self.dropout = Dropout(probability: dropout, site: site)
    }

    public var parameters: [Parameter] { [words, positions, types] + norm.parameters }

    /// Ids `[N]` of sequences packed by `lengths` (each at most `maxPositions`; token types all 0)
    /// → `[N, width]`.
    public func callAsFunction(_ ids: [Int32], lengths: [Int], keys: [UInt64], training: Bool, tape: Tape?) -> Tensor {
        precondition(lengths.reduce(0, +) == ids.count && lengths.allSatisfy { $0 >= 0 && $0 <= maxPositions },
                     "TransformerEmbeddings: lengths \(lengths) for \(ids.count) ids (at most \(maxPositions) each)")
        var position = [Int32]()
        position.reserveCapacity(ids.count)
        for l in lengths { for t in 0..<l { position.append(Int32(t)) } }
        let x = embedding(store.tensor(words, tape: tape), indices: ids)
            + embedding(store.tensor(positions, tape: tape), indices: position)
            + embedding(store.tensor(types, tape: tape), indices: [Int32](repeating: 0, count: ids.count))
        return dropout(norm(x, tape: tape), lengths: lengths, keys: keys, training: training)
    }
}
