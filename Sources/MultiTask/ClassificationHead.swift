import Autodiff
import Layers

/// How a sentence head turns the encoder's token vectors into one sentence vector.
public enum SentencePooling: String, Codable, Sendable, CaseIterable {
    /// The mean of the real tokens' vectors.
    case mean
    /// The first token's vector.
    case first
    /// A learned attention: weights `softmax_t(v · x_t)` over the real tokens, then their weighted sum
    /// (Lin et al. 2017 with one head; Flair's `DocumentRNNEmbeddings` pooling options).
    case attention
}

/// A sentence classifier over the shared encoding: its own optional BiLSTM and dropout, pooling of
/// the tokens into one vector `[R, C]`, a linear map to the labels `[R, K]` and a softmax.
/// Loss: cross-entropy of each row's gold label, summed over the rows.
public struct ClassificationHead: OutputHead {
    public let spec: HeadSpec
    let lstm: HeadLSTM
    /// The attention scorer `v`, `[C] → [1]` (attention pooling only).
    let scorer: Linear?
    let projection: Linear

    /// A head for `spec`, whose `pooling` must be set.
    public init(spec: HeadSpec, index: Int, inputWidth: Int, dropout: Float, store: ParameterStore, rng: inout SplitMix64) {
        precondition(spec.pooling != nil, "ClassificationHead for head \(spec.name) without a pooling")
        self.spec = spec
        let prefix = "heads.\(spec.name)"
        lstm = HeadLSTM(spec: spec, index: index, inputWidth: inputWidth, dropout: dropout, store: store, rng: &rng)
        let width = lstm.outputWidth
        scorer = spec.pooling == .attention
            ? Linear(inputSize: width, outputSize: 1, name: prefix + ".attention", store: store, rng: &rng) : nil
        projection = Linear(inputSize: width, outputSize: spec.tagCount, name: prefix + ".projection", store: store, rng: &rng)
    }

    public var parameters: [Parameter] {
        lstm.parameters + (scorer?.parameters ?? []) + projection.parameters
    }

    /// Label scores `[R, K]` of the rows `x [R, T, C]`.
    public func logits(_ x: Tensor, lengths: [Int], keys: [UInt64], tape: Tape?, training: Bool) -> Tensor {
        let h = lstm(x, lengths: lengths, keys: keys, tape: tape, training: training)
        let r = h.shape[0], t = h.shape[1]
        let weights: Tensor
        switch spec.pooling ?? .mean {
        case .mean:
            // w[r, t] = 1 / lengths[r] on the real tokens
            var w = [Float](repeating: 0, count: r * t)
            for (row, len) in lengths.enumerated() { for i in 0..<len { w[row * t + i] = 1 / Float(len) } }
            weights = Tensor(shape: [r, t], scalars: w)
        case .first:
            var w = [Float](repeating: 0, count: r * t)
            for row in 0..<r { w[row * t] = 1 }
            weights = Tensor(shape: [r, t], scalars: w)
        case .attention:
            guard let scorer else { preconditionFailure("attention pooling without its scorer") }
            weights = scorer(h, tape: tape).reshaped([r, t]).maskedSoftmax(lengths: lengths)
        }
        return projection(h.weightedTokenSum(weights, lengths: lengths), tape: tape)
    }

    public func loss(_ x: Tensor, lengths: [Int], keys: [UInt64], targets: [Int32], heads: [Int32], tape: Tape?, training: Bool) -> Tensor {
        let t = x.shape[1]
        precondition(targets.count == lengths.count * t, "ClassificationHead: \(targets.count) targets for [\(lengths.count), \(t)]")
        let gold = lengths.indices.map { targets[$0 * t] }
        return softmaxCrossEntropy(logits: logits(x, lengths: lengths, keys: keys, tape: tape, training: training), targets: gold)
    }

    public func decode(_ x: Tensor, lengths: [Int], keys: [UInt64]) -> [[Int32]] {
        decodeWithPosteriors(x, lengths: lengths, keys: keys).map(\.tags)
    }

    public func decodeWithPosteriors(_ x: Tensor, lengths: [Int], keys: [UInt64]) -> [(tags: [Int32], posterior: TagPosterior)] {
        let scores = logits(x, lengths: lengths, keys: keys, tape: nil, training: false)
        let k = scores.shape[1], values = scores.scalars
        return lengths.indices.map { row in
            let slice = values[(row * k)..<((row + 1) * k)]
            var best = slice.startIndex
            for j in slice.indices where slice[j] > slice[best] { best = j }
            return (tags: [Int32(best - slice.startIndex)], posterior: SoftmaxPosterior(logits: slice, length: 1, tagCount: k))
        }
    }
}
