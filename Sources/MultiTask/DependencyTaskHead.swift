import Autodiff
import Layers

/// A dependency-parsing task's head as the model routes it: the head's own optional BiLSTM and
/// dropout (`HeadLSTM`, as every head starts), then the biaffine parser (`DependencyHead`).
///
/// Targets: a relation id per word (`TaskRows.tags`) and a head per word (`TaskRows.heads`, 0 the
/// root). Decoding gives each row's L words' heads followed by their L relation ids (`2L` ids), so
/// a parser's prediction travels the paths the taggers' tag ids travel.
public struct DependencyTaskHead: OutputHead {
    public let spec: HeadSpec
    let lstm: HeadLSTM
    let parser: DependencyHead

    /// A head for `spec`, whose `parser` must be set; `tagCount` is the number of relations.
    public init(spec: HeadSpec, index: Int, inputWidth: Int, dropout: Float, store: ParameterStore, rng: inout SplitMix64) {
        guard let sizes = spec.parser else { preconditionFailure("DependencyTaskHead for head \(spec.name) without parser sizes") }
        self.spec = spec
        lstm = HeadLSTM(spec: spec, index: index, inputWidth: inputWidth, dropout: dropout, store: store, rng: &rng)
        parser = DependencyHead(name: spec.name, index: index, inputWidth: lstm.outputWidth, relationCount: spec.tagCount,
                                arcSize: sizes.arcSize, relationSize: sizes.relationSize, dropout: dropout, store: store, rng: &rng)
    }

    public var parameters: [Parameter] { lstm.parameters + parser.parameters }

    /// The parser's summed arc and relation loss over the rows' words: `targets` the relation ids,
    /// `heads` the gold heads, both row-major `[R, T]`.
    public func loss(_ x: Tensor, lengths: [Int], keys: [UInt64], targets: [Int32], heads: [Int32], tape: Tape?, training: Bool) -> Tensor {
        let h = lstm(x, lengths: lengths, keys: keys, tape: tape, training: training)
        return parser.loss(h, heads: heads, relations: targets, lengths: lengths, keys: keys, tape: tape, training: training)
    }

    /// Each row's L heads (0 the root) then its L relation ids; throws `ParsingError` on NaN or +∞ scores.
    public func decode(_ x: Tensor, lengths: [Int], keys: [UInt64]) throws -> [[Int32]] {
        try decodeWithPosteriors(x, lengths: lengths, keys: keys).map(\.tags)
    }

    /// Each row's heads then relations, with the posterior over each word's relations at its decoded head.
    public func decodeWithPosteriors(_ x: Tensor, lengths: [Int], keys: [UInt64]) throws -> [(tags: [Int32], posterior: TagPosterior)] {
        let h = lstm(x, lengths: lengths, keys: keys, tape: nil, training: false)
        let (parses, scores) = try parser.decodeScored(h, lengths: lengths)
        let t = h.shape[1], l = spec.tagCount, values = scores.scalars
        return parses.enumerated().map { r, parse in
            let logits = values[(r * t * l)..<((r + 1) * t * l)]
            return (tags: parse.heads.map(Int32.init) + parse.relations,
                    posterior: SoftmaxPosterior(logits: logits, length: lengths[r], tagCount: l))
        }
    }
}
