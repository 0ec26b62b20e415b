import Autodiff

/// An affine map over the last axis, PyTorch's `nn.Linear`: `[..., inputSize]` →
/// `[..., outputSize]`, `y = x · Wᵀ + b`, with `W` stored `[outputSize, inputSize]`
/// (Glorot-uniform initialised) and `b` `[outputSize]` (zeros).
public struct Linear: Module {
    public let inputSize: Int
    public let outputSize: Int
    public let weight: Parameter
    public let bias: Parameter?
    let store: ParameterStore

    public init(inputSize: Int, outputSize: Int, bias: Bool = true,
                name: String, store: ParameterStore, rng: inout SplitMix64) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.store = store
        weight = store.add(qualifiedName(name, "weight"), shape: [outputSize, inputSize],
                           initializer: .xavierUniform, rng: &rng)
        self.bias = bias ? store.add(qualifiedName(name, "bias"), shape: [outputSize], initializer: .zeros, rng: &rng) : nil
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// `x [..., inputSize]` → `[..., outputSize]`.
    public func callAsFunction(_ x: Tensor, tape: Tape?) -> Tensor {
        precondition(x.shape.last == inputSize, "Linear(\(inputSize)→\(outputSize)) got input \(x.shape)")
        return linear(x, weight: weightTensor(tape: tape), bias: biasTensor(tape: tape))
    }

    /// The weight `[outputSize, inputSize]` as a tensor for one forward pass (for ops that fuse
    /// several maps, such as attention's stacked query, key and value projections).
    public func weightTensor(tape: Tape?) -> Tensor { store.tensor(weight, tape: tape) }

    /// The bias `[outputSize]` as a tensor for one forward pass, nil without one.
    public func biasTensor(tape: Tape?) -> Tensor? { bias.map { store.tensor($0, tape: tape) } }
}
