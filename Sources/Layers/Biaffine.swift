import Autodiff

/// The biaffine arc scorer of Dozat & Manning (2017, "Deep Biaffine Attention for Neural
/// Dependency Parsing", eq. 3; https://arxiv.org/abs/1611.01734): every dependent of a sentence
/// scored against every candidate head of the same sentence,
/// `s[r, i, j] = d[r, i] · U · h[r, j] + h[r, j] · u`.
/// The term `d · U · h` says how well head j suits dependent i; `h · u` is the prior of j being a
/// head at all. Without a term in `d` alone, which would not change a dependent's softmax over heads.
///
/// Parameters (`name.weight` `U [A, B]`, `name.head_bias` `u [B]`) start at zero, as in the
/// authors' parser and SuPar's `Biaffine`, so every head starts equally likely.
public struct Biaffine: Module {
    /// Width A of a dependent's vector.
    public let dependentSize: Int
    /// Width B of a head's vector.
    public let headSize: Int
    /// `U [A, B]`.
    public let weight: Parameter
    /// `u [B]`.
    public let headBias: Parameter
    let store: ParameterStore

    /// A scorer of A-wide dependents against B-wide heads, registered under `name`.
    public init(dependentSize: Int, headSize: Int, name: String, store: ParameterStore, rng: inout SplitMix64) {
        self.dependentSize = dependentSize
        self.headSize = headSize
        self.store = store
        weight = store.add(qualifiedName(name, "weight"), shape: [dependentSize, headSize], initializer: .zeros, rng: &rng)
        headBias = store.add(qualifiedName(name, "head_bias"), shape: [headSize], initializer: .zeros, rng: &rng)
    }

    /// The parameters this module registered, in registration order.
    public var parameters: [Parameter] { [weight, headBias] }

    /// `dependents [R, N1, A]`, `heads [R, N2, B]` → arc scores `[R, N1, N2]`,
    /// `s[r, i, j] = (dependents[r, i] · U + u) · heads[r, j]` (one `gemm` for the bracket, one per
    /// sentence for the products, `pairScores`).
    public func callAsFunction(dependents: Tensor, heads: Tensor, tape: Tape?) -> Tensor {
        precondition(dependents.shape.rank == 3 && dependents.shape[2] == dependentSize && heads.shape.rank == 3
                     && heads.shape[2] == headSize && heads.shape[0] == dependents.shape[0],
                     "Biaffine(\(dependentSize)×\(headSize)) got dependents \(dependents.shape), heads \(heads.shape)")
        let query = matmul(dependents, store.tensor(weight, tape: tape)) + store.tensor(headBias, tape: tape)
        return pairScores(query, heads)
    }
}

/// The biaffine label scorer of Dozat & Manning (2017, eq. 6) on aligned (dependent, head) pairs:
/// for L labels, `s[m, l] = d[m] · U_l · h[m] + W_l · [d[m]; h[m]] + b_l`, where `h[m]` is the
/// vector of the head chosen for dependent m (the gold head in training, the decoded one after).
/// Scoring only the chosen pairs costs M·L·B instead of all pairs' T·M·L·B.
///
/// Parameters: `name.weight` `U [A, L, B]` (zeros at the start, as the authors' parser has it), and
/// `name.linear.weight` `W [L, A + B]`, `name.linear.bias` `b [L]` (a `Linear`).
public struct BiaffineLabeler: Module {
    /// Width A of a dependent's vector.
    public let dependentSize: Int
    /// Width B of a head's vector.
    public let headSize: Int
    /// Number L of labels.
    public let labelCount: Int
    /// `U [A, L, B]`.
    public let weight: Parameter
    /// The linear term over `[d; h]` and the label bias.
    public let linear: Linear
    let store: ParameterStore

    /// A scorer of `labelCount` labels for A-wide dependents with B-wide heads, registered under `name`.
    public init(dependentSize: Int, headSize: Int, labelCount: Int, name: String, store: ParameterStore,
                rng: inout SplitMix64) {
        self.dependentSize = dependentSize
        self.headSize = headSize
        self.labelCount = labelCount
        self.store = store
        weight = store.add(qualifiedName(name, "weight"), shape: [dependentSize, labelCount, headSize],
                           initializer: .zeros, rng: &rng)
        linear = Linear(inputSize: dependentSize + headSize, outputSize: labelCount, name: qualifiedName(name, "linear"),
                        store: store, rng: &rng)
    }

    /// The parameters this module registered, in registration order.
    public var parameters: [Parameter] { [weight] + linear.parameters }

    /// `dependents [..., A]` and `heads [..., B]` (the head of each dependent, same leading axes) →
    /// label scores `[..., L]`.
    public func callAsFunction(dependents: Tensor, heads: Tensor, tape: Tape?) -> Tensor {
        precondition(dependents.shape.last == dependentSize && heads.shape.last == headSize
                     && dependents.shape.dims.dropLast() == heads.shape.dims.dropLast(),
                     "BiaffineLabeler(\(dependentSize)×\(headSize)→\(labelCount)) got dependents \(dependents.shape), heads \(heads.shape)")
        return bilinear(dependents, heads, weight: store.tensor(weight, tape: tape))
            + linear(concatLastAxis([dependents, heads]), tape: tape)
    }
}
