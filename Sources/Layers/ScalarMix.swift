import Autodiff
import Foundation

/// A learned mix of N same-shaped layer outputs, the scalar mix of ELMo (Peters et al. 2018, eq. 1)
/// that MaChAmp and UDify put over BERT's layers: `out = γ · Σ_i softmax(w)_i · h_i`.
/// Parameters `<name>.weights [N]` (zeros: the mix starts as the plain mean) and `<name>.scale [1]`
/// (γ, one). The layer outputs may come from a frozen model (no gradient): the weights and the scale
/// still learn.
public struct ScalarMix: Module {
    /// N, the number of layer outputs mixed.
    public let count: Int
    public let weights: Parameter
    public let scale: Parameter
    let store: ParameterStore

    public init(count: Int, name: String, store: ParameterStore, rng: inout SplitMix64) {
        precondition(count > 0, "ScalarMix needs at least one layer, got \(count)")
        self.count = count
        self.store = store
        weights = store.add(qualifiedName(name, "weights"), shape: [count], initializer: .zeros, rng: &rng)
        scale = store.add(qualifiedName(name, "scale"), shape: [1], initializer: .constant(1), rng: &rng)
    }

    public var parameters: [Parameter] { [weights, scale] }

    /// The normalised weights `softmax(w)` as they stand in the store (for logs and inspection).
    public var normalizedWeights: [Float] {
        softmaxWeights(store.scalars(of: weights))
    }

    /// `states`: N tensors of one shape → their mix, of that shape.
    public func callAsFunction(_ states: [Tensor], tape: Tape?) -> Tensor {
        precondition(states.count == count, "ScalarMix(\(count)) got \(states.count) layer outputs")
        return scalarMix(states, weights: store.tensor(weights, tape: tape), scale: store.tensor(scale, tape: tape))
    }
}

/// `softmax(w)` of a short vector, the largest subtracted first.
func softmaxWeights(_ w: [Float]) -> [Float] {
    let top = w.max() ?? 0
    let e = w.map { Foundation.exp($0 - top) }
    let sum = e.reduce(0, +)
    return e.map { $0 / sum }
}

/// `out = γ · Σ_i s_i · h_i` with `s = softmax(weights)`, `γ = scale[0]`; `states` share one shape,
/// `weights [N]`, `scale [1]`.
public func scalarMix(_ states: [Tensor], weights: Tensor, scale: Tensor) -> Tensor {
    let n = states.count
    precondition(n > 0 && weights.shape == [n] && scale.count == 1,
                 "scalarMix: \(n) states, weights \(weights.shape), scale \(scale.shape)")
    let shape = states[0].shape, m = shape.count
    precondition(states.allSatisfy { $0.shape == shape }, "scalarMix: states of different shapes \(states.map(\.shape))")
    let s = softmaxWeights(weights.scalars), gamma = scale.data[0]
    let out = Tensor.makeResult(shape: shape, inputs: states + [weights, scale]) { dOut, _ in
        // forward: out[j] = γ Σ_i s_i h_i[j]
        // dh_i[j] += γ s_i dOut[j];  a_i = <h_i, dOut>;  dγ += Σ_i s_i a_i
        // ds_i = γ a_i;  dw_k += s_k (ds_k − Σ_i s_i ds_i)   (the softmax's Jacobian)
        var a = [Float](repeating: 0, count: n)
        for (i, h) in states.enumerated() {
            let x = h.data
            var dot: Float = 0
            for j in 0..<m { dot += x[j] * dOut[j] }
            a[i] = dot
            if h.requiresGrad {
                let g = h.grad, c = gamma * s[i]
                for j in 0..<m { g[j] += c * dOut[j] }
            }
        }
        if scale.requiresGrad {
            var dGamma: Float = 0
            for i in 0..<n { dGamma += s[i] * a[i] }
            scale.grad[0] += dGamma
        }
        if weights.requiresGrad {
            let ds = a.map { gamma * $0 }
            var mean: Float = 0
            for i in 0..<n { mean += s[i] * ds[i] }
            let g = weights.grad
            for k in 0..<n { g[k] += s[k] * (ds[k] - mean) }
        }
    }
    let o = out.data
    for j in 0..<m { o[j] = 0 }
    for (i, h) in states.enumerated() {
        let x = h.data, c = gamma * s[i]
        for j in 0..<m { o[j] += c * x[j] }
    }
    return out
}
