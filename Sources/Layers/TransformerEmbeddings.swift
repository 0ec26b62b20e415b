import Autodiff

/// The input layer of a BERT-family encoder, BERT's `BertEmbeddings`, over packed sequences:
///
///     x[r] = LayerNorm(word[id_r] + position[pos_r] + tokenType[type_r]),  then dropout
///
/// where `pos_r` counts from 0 within each sequence. With a `paddingIndex` p (RoBERTa's
/// `create_position_ids_from_input_ids`) positions count from p + 1 over the tokens that are not p,
/// and a token p sits at position p. Without token types (`typeCount` 0, DistilBERT) the term is
/// left out. Parameters in BERT's names under `<name>`: `word_embeddings.weight [V, C]`,
/// `position_embeddings.weight [P, C]`, `token_type_embeddings.weight [types, C]`,
/// `LayerNorm.{weight, bias}` (normal(0, 0.02) tables, as BERT initialises them; a pretrained model
/// overwrites them).
public struct TransformerEmbeddings: Module {
    public let vocabularySize: Int
    public let maxPositions: Int
    public let typeCount: Int
    public let width: Int
    public let words: Parameter
    public let positions: Parameter
    /// The token-type table (nil when `typeCount` is 0).
    public let types: Parameter?
    /// RoBERTa's padding index (nil: positions count from 0).
    public let paddingIndex: Int32?
    public let norm: LayerNorm
    let dropout: Dropout
    let store: ParameterStore

    public init(vocabularySize: Int, maxPositions: Int, typeCount: Int, width: Int, layerNormEps: Float,
                dropout: Float, paddingIndex: Int32? = nil, site: UInt64, name: String, store: ParameterStore, rng: inout SplitMix64) {
        precondition(paddingIndex.map { $0 >= 0 && Int($0) + 1 < maxPositions } ?? true,
                     "TransformerEmbeddings: padding index \(paddingIndex.map(String.init) ?? "nil") for \(maxPositions) positions")
        self.vocabularySize = vocabularySize
        self.paddingIndex = paddingIndex
        self.maxPositions = maxPositions
        self.typeCount = typeCount
        self.width = width
        self.store = store
        words = store.add(qualifiedName(name, "word_embeddings.weight"), shape: [vocabularySize, width],
                          initializer: .normal(std: 0.02), rng: &rng)
        positions = store.add(qualifiedName(name, "position_embeddings.weight"), shape: [maxPositions, width],
                              initializer: .normal(std: 0.02), rng: &rng)
        types = typeCount == 0 ? nil : store.add(qualifiedName(name, "token_type_embeddings.weight"), shape: [typeCount, width],
                                                 initializer: .normal(std: 0.02), rng: &rng)
        norm = LayerNorm(width: width, eps: layerNormEps, name: qualifiedName(name, "LayerNorm"), store: store, rng: &rng)
        self.dropout = Dropout(probability: dropout, site: site)
    }

    public var parameters: [Parameter] { [words, positions] + (types.map { [$0] } ?? []) + norm.parameters }

    /// The longest sequence: `maxPositions`, less `paddingIndex + 1` when positions start past it.
    public var maxSequenceLength: Int { maxPositions - (paddingIndex.map { Int($0) + 1 } ?? 0) }

    /// Ids `[N]` of sequences packed by `lengths` (each at most `maxSequenceLength`; token types all 0)
    /// → `[N, width]`.
    public func callAsFunction(_ ids: [Int32], lengths: [Int], keys: [UInt64], training: Bool, tape: Tape?) -> Tensor {
        precondition(lengths.reduce(0, +) == ids.count && lengths.allSatisfy { $0 >= 0 && $0 <= maxSequenceLength },
                     "TransformerEmbeddings: lengths \(lengths) for \(ids.count) ids (at most \(maxSequenceLength) each)")
        var position = [Int32]()
        position.reserveCapacity(ids.count)
        if let p = paddingIndex {
            // pos[t] = p + (tokens ≠ p among 0...t) for a token ≠ p, else p
            var r = 0
            for l in lengths {
                var seen: Int32 = 0
                for _ in 0..<l {
                    if ids[r] != p { seen += 1; position.append(p + seen) } else { position.append(p) }
                    r += 1
                }
            }
        } else {
            for l in lengths { for t in 0..<l { position.append(Int32(t)) } }
        }
        var x = embedding(store.tensor(words, tape: tape), indices: ids)
            + embedding(store.tensor(positions, tape: tape), indices: position)
        if let types { x = x + embedding(store.tensor(types, tape: tape), indices: [Int32](repeating: 0, count: ids.count)) }
        return dropout(norm(x, tape: tape), lengths: lengths, keys: keys, training: training)
    }
}
