import Autodiff

/// A linear-chain conditional random field over tag sequences (Lafferty, McCallum & Pereira
/// 2001), the output layer of a BiLSTM-CRF tagger (Lample et al. 2016).
///
/// Parameters: `transitions [K, K]` (row i = from tag, column j = to tag: the score of tag i
/// followed by tag j), `start [K]` and `stop [K]` (scores of the first and last tag), all
/// initialised uniform in ±0.1. For emissions `E [B, T, K]` and a sentence of length `L`, the
/// score of tags `y` is
/// `s(y) = start[y_0] + Σ_{t<L} E[t, y_t] + Σ_{1≤t<L} trans[y_{t−1}, y_t] + stop[y_{L−1}]`
/// and `P(y) = exp(s(y)) / Z` with `Z = Σ_y' exp(s(y'))` over all `K^L` paths.
///
/// Every call validates its shapes; a length must lie in `1...T` (a precondition).
public struct CRF: Module {
    /// K, the number of tags.
    public let tagCount: Int
    /// `[K, K]`, row = from tag, column = to tag.
    public let transitions: Parameter
    /// `[K]`: score of each tag at position 0.
    public let start: Parameter
    /// `[K]`: score of each tag at position `L − 1`.
    public let stop: Parameter
    let store: ParameterStore

    /// Registers `name.transitions [K, K]`, `name.start [K]` and `name.stop [K]` in `store`.
    public init(tagCount: Int, name: String, store: ParameterStore, rng: inout SplitMix64) {
        precondition(tagCount >= 1, "CRF needs at least one tag, got \(tagCount)")
        self.tagCount = tagCount
        self.store = store
        transitions = store.add(qualifiedName(name, "transitions"), shape: [tagCount, tagCount],
                                initializer: .uniform(bound: 0.1), rng: &rng)
        start = store.add(qualifiedName(name, "start"), shape: [tagCount], initializer: .uniform(bound: 0.1), rng: &rng)
        stop = store.add(qualifiedName(name, "stop"), shape: [tagCount], initializer: .uniform(bound: 0.1), rng: &rng)
    }

    public var parameters: [Parameter] { [transitions, start, stop] }

    /// The training loss `Σ_b (log Z_b − s_b(gold))`, a scalar `[]`, as one fused op whose
    /// gradient flows into the emissions and, with a tape, into the CRF's parameters.
    ///
    /// - `emissions`: `[B, T, K]`, the per-position tag scores.
    /// - `tags`: the gold tags, `[B·T]` row-major; entries at `t ≥ lengths[b]` are ignored.
    /// - `lengths`: `B` sentence lengths, each in `1...T`.
    /// See `crfNegativeLogLikelihood(emissions:transitions:start:stop:tags:lengths:)`.
    public func negativeLogLikelihood(emissions: Tensor, tags: [Int32], lengths: [Int], tape: Tape?) -> Tensor {
        crfNegativeLogLikelihood(emissions: emissions, transitions: store.tensor(transitions, tape: tape),
                                 start: store.tensor(start, tape: tape), stop: store.tensor(stop, tape: tape),
                                 tags: tags, lengths: lengths)
    }

    /// `log Z_b = log Σ_y exp(s_b(y))` per sentence (forward algorithm): emissions `[B, T, K]` → `B` values.
    public func logPartition(emissions: Tensor, lengths: [Int]) -> [Float] {
        let kernel = kernel(emissions, lengths)
        let ws = CRFWorkspace(batch: kernel.B, steps: kernel.T, tagCount: tagCount, backward: false, for: [emissions])
        kernel.forward(ws)
        return (0..<kernel.B).map { Float(ws.logZ[$0]) }
    }

    /// The score `s_b(y)` of the given tags per sentence: emissions `[B, T, K]`, tags `[B·T]`
    /// row-major (padding ignored) → `B` values.
    public func score(emissions: Tensor, tags: [Int32], lengths: [Int]) -> [Float] {
        let kernel = kernel(emissions, lengths)
        validateTags(tags, lengths: lengths, steps: kernel.T, tagCount: tagCount)
        return kernel.goldScore(tags: tags).map { Float($0) }
    }

    /// The most likely tag path per sentence, `argmax_y s_b(y)` (Viterbi): emissions `[B, T, K]`
    /// → `B` paths, path `b` of length `lengths[b]`.
    public func viterbi(emissions: Tensor, lengths: [Int]) -> [[Int32]] {
        viterbiWithScores(emissions: emissions, lengths: lengths).paths
    }

    /// The Viterbi paths and their scores `max_y s_b(y)`, which never exceed `log Z_b`.
    public func viterbiWithScores(emissions: Tensor, lengths: [Int]) -> (paths: [[Int32]], scores: [Float]) {
        let kernel = kernel(emissions, lengths)
        let delta = Buffer(count: 2 * tagCount)
        let backPointers = UnsafeMutablePointer<Int32>.allocate(capacity: kernel.T * tagCount)
        defer { backPointers.deallocate() }
        return withExtendedLifetime(delta) { kernel.viterbi(delta: delta.base, backPointers: backPointers) }
    }

    /// The per-position tag probabilities `P(y_t = k | E)` (forward–backward), a constant
    /// `[B, T, K]` with zeros at padding; each unpadded row sums to 1. Useful as tag confidence.
    public func marginals(emissions: Tensor, lengths: [Int]) -> Tensor {
        let kernel = kernel(emissions, lengths)
        let ws = CRFWorkspace(batch: kernel.B, steps: kernel.T, tagCount: tagCount, backward: true, for: [emissions])
        kernel.forward(ws)
        kernel.backward(ws)
        let out = Tensor(zeros: emissions.shape)
        kernel.marginals(ws, into: out.data)
        return out
    }

    /// A kernel over `emissions` and the stored parameters (read without a tape; the store
    /// keeps their values alive).
    private func kernel(_ emissions: Tensor, _ lengths: [Int]) -> CRFKernel {
        crfKernel(emissions: emissions, transitions: store.tensor(transitions, tape: nil),
                  start: store.tensor(start, tape: nil), stop: store.tensor(stop, tape: nil), lengths: lengths)
    }
}

/// The linear-chain CRF negative log-likelihood summed over a padded batch, as one fused op
/// with its gradient from forward–backward marginals (Lafferty et al. 2001; the semantics of
/// PyTorch's "Bi-LSTM CRF" tutorial, with start and stop scores as vectors):
/// `loss = Σ_b (log Z_b − s_b(gold_b))`, a scalar `[]`, ≥ 0.
///
/// - `emissions`: `[B, T, K]`; `transitions`: `[K, K]` (row = from tag); `start`, `stop`: `[K]`.
/// - `tags`: gold tags `[B·T]` row-major, each in `0..<K` for `t < lengths[b]`, ignored after.
/// - `lengths`: `B` values in `1...T`.
/// - Backward, for upstream gradient `d`:
///   `dE[b,t,k] = d·(P(y_t = k) − [gold_t = k])` for `t < L_b`, 0 at padding;
///   `dTrans[i,j] = d·Σ_b Σ_{1≤t<L_b} (P(y_{t−1} = i, y_t = j) − [gold_{t−1} = i, gold_t = j])`;
///   `dStart[k] = d·Σ_b (P(y_0 = k) − [gold_0 = k])`, `dStop` likewise at `t = L_b − 1`.
public func crfNegativeLogLikelihood(emissions: Tensor, transitions: Tensor, start: Tensor, stop: Tensor,
                                     tags: [Int32], lengths: [Int]) -> Tensor {
    let kernel = crfKernel(emissions: emissions, transitions: transitions, start: start, stop: stop, lengths: lengths)
    validateTags(tags, lengths: lengths, steps: kernel.T, tagCount: kernel.K)
    let operands = [emissions, transitions, start, stop]
    let needsGradient = operands.contains { $0.requiresGrad }
    let ws = CRFWorkspace(batch: kernel.B, steps: kernel.T, tagCount: kernel.K, backward: needsGradient, for: operands)
    kernel.forward(ws)
    let gold = kernel.goldScore(tags: tags)
    // loss = Σ_b (logZ[b] − score[b]), in Double
    var loss: Double = 0
    for b in 0..<kernel.B { loss += ws.logZ[b] - gold[b] }

    let out = Tensor.makeResult(shape: [], inputs: operands) { dOut, _ in
        // the kernel's pointers stay valid: the closure holds every tensor it reads, and `ws`
        kernel.backward(ws)
        kernel.accumulateGradients(ws, d: dOut[0], tags: tags,
                                   dE: emissions.requiresGrad ? emissions.grad : nil,
                                   dTrans: transitions.requiresGrad ? transitions.grad : nil,
                                   dStart: start.requiresGrad ? start.grad : nil,
                                   dStop: stop.requiresGrad ? stop.grad : nil)
    }
    out.data[0] = Float(loss)
    return out
}

/// Checks the shapes of a CRF call and builds the kernel over the tensors' values.
func crfKernel(emissions: Tensor, transitions: Tensor, start: Tensor, stop: Tensor, lengths: [Int]) -> CRFKernel {
    precondition(emissions.shape.rank == 3, "CRF: emissions must be [B, T, K], got \(emissions.shape)")
    let B = emissions.shape[0], T = emissions.shape[1], K = emissions.shape[2]
    precondition(transitions.shape == [K, K] && start.shape == [K] && stop.shape == [K],
                 "CRF: emissions \(emissions.shape) need transitions [\(K), \(K)], start and stop [\(K)]; got "
                 + "\(transitions.shape), \(start.shape), \(stop.shape)")
    precondition(lengths.count == B, "CRF: \(lengths.count) lengths for emissions \(emissions.shape)")
    for (b, len) in lengths.enumerated() {
        precondition(len >= 1 && len <= T, "CRF: length \(len) of sentence \(b) outside 1...\(T) (emissions \(emissions.shape))")
    }
    return CRFKernel(B: B, T: T, K: K, emissions: emissions.data, transitions: transitions.data,
                     start: start.data, stop: stop.data, lengths: lengths)
}

/// Checks that `tags` is `[B·T]` with every unpadded entry in `0..<K`.
func validateTags(_ tags: [Int32], lengths: [Int], steps T: Int, tagCount K: Int) {
    precondition(tags.count == lengths.count * T, "CRF: \(tags.count) tags for [\(lengths.count), \(T)]")
    for (b, len) in lengths.enumerated() {
        for t in 0..<len {
            let y = tags[b * T + t]
            precondition(y >= 0 && Int(y) < K, "CRF: tag \(y) at [\(b), \(t)] outside 0..<\(K)")
        }
    }
}
