import Autodiff
import Layers

/// One task's head over the shared encoding: its own optional BiLSTM, dropout, a linear map to
/// the task's tags, and a softmax or CRF output.
public struct TaskHead: Module {
    public let spec: HeadSpec
    let lstm: HeadLSTM
    let projection: Linear
    let crf: CRF?

    public init(spec: HeadSpec, index: Int, inputWidth: Int, dropout: Float,
                store: ParameterStore, rng: inout SplitMix64) {
        self.spec = spec
        let prefix = "heads.\(spec.name)"
        lstm = HeadLSTM(spec: spec, index: index, inputWidth: inputWidth, dropout: dropout, store: store, rng: &rng)
        projection = Linear(inputSize: lstm.outputWidth, outputSize: spec.tagCount,
                            name: prefix + ".projection", store: store, rng: &rng)
        crf = spec.kind == .crf ? CRF(tagCount: spec.tagCount, name: prefix + ".crf", store: store, rng: &rng) : nil
    }

    public var parameters: [Parameter] {
        lstm.parameters + projection.parameters + (crf?.parameters ?? [])
    }

    /// Tag scores `[R, T, K]` for the encoded rows `x [R, T, C]` of lengths `lengths`.
    public func emissions(_ x: Tensor, lengths: [Int], keys: [UInt64], tape: Tape?, training: Bool) -> Tensor {
        projection(lstm(x, lengths: lengths, keys: keys, tape: tape, training: training), tape: tape)
    }

    /// The loss summed over the rows: CRF negative log-likelihood, or cross-entropy summed over
    /// the real tokens. `tags` is row-major `[R, T]`.
    public func loss(emissions: Tensor, tags: [Int32], lengths: [Int], tape: Tape?) -> Tensor {
        if let crf {
            return crf.negativeLogLikelihood(emissions: emissions, tags: tags, lengths: lengths, tape: tape)
        }
        let t = emissions.shape[1]
        var mask = [Bool](repeating: false, count: lengths.count * t)
        for (r, len) in lengths.enumerated() { for i in 0..<len { mask[r * t + i] = true } }
        return softmaxCrossEntropy(logits: emissions, targets: tags, mask: mask)
    }

    /// The best tag sequence per row: Viterbi with a CRF, per-token argmax otherwise.
    public func decode(emissions: Tensor, lengths: [Int]) -> [[Int32]] {
        if let crf { return crf.viterbi(emissions: emissions, lengths: lengths) }
        let t = emissions.shape[1], k = emissions.shape[2], e = emissions.data
        return lengths.enumerated().map { r, len in
            (0..<len).map { i in
                let row = e + (r * t + i) * k
                var best = 0
                for j in 1..<k where row[j] > row[best] { best = j }
                return Int32(best)
            }
        }
    }

    /// The posterior over each row's tag paths, for confidence: the CRF's (forward–backward) or
    /// the softmax's, from emissions `[R, T, K]` and `R` lengths in `1...T`.
    public func posteriors(emissions: Tensor, lengths: [Int]) -> [TagPosterior] {
        if let crf { return crf.posteriors(emissions: emissions, lengths: lengths) }
        let t = emissions.shape[1], k = emissions.shape[2]
        let values = emissions.scalars
        return lengths.enumerated().map { r, len in
            SoftmaxPosterior(logits: values[(r * t * k)..<((r * t + len) * k)], length: len, tagCount: k)
        }
    }
}
