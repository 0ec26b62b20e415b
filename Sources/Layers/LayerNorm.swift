import Autodiff

/// Layer normalisation over the last axis with a learned gain and bias, PyTorch's `nn.LayerNorm`:
/// `x [..., C]` → `y = (x − μ) / √(σ² + eps) · weight + bias` (μ, σ² per row, biased).
/// Parameters `<name>.weight [C]` (ones) and `<name>.bias [C]` (zeros), the names BERT uses.
public struct LayerNorm: Module {
    public let width: Int
    public let eps: Float
    public let weight: Parameter
    public let bias: Parameter
    let store: ParameterStore

    public init(width: Int, eps: Float = 1e-5, name: String, store: ParameterStore, rng: inout SplitMix64) {
        self.width = width
        self.eps = eps
        self.store = store
        weight = store.add(qualifiedName(name, "weight"), shape: [width], initializer: .constant(1), rng: &rng)
        bias = store.add(qualifiedName(name, "bias"), shape: [width], initializer: .zeros, rng: &rng)
    }

    public var parameters: [Parameter] { [weight, bias] }

    /// `x [..., width]` → `[..., width]`.
    public func callAsFunction(_ x: Tensor, tape: Tape?) -> Tensor {
        precondition(x.shape.last == width, "LayerNorm(\(width)) got input \(x.shape)")
        return layerNorm(x, gamma: store.tensor(weight, tape: tape), beta: store.tensor(bias, tape: tape), eps: eps)
    }
}
