import Autodiff

/// A lookup table of `count` vectors of width `dimension`, PyTorch's `nn.Embedding`:
/// ids `[B·T]` → `[B, T, dimension]`. Initialised uniform in ±√(3 / dimension) (unit variance
/// per vector, as Lample et al. 2016 initialise theirs).
public struct Embedding: Module {
    public let count: Int
    public let dimension: Int
    public let table: Parameter
    let store: ParameterStore

    public init(count: Int, dimension: Int, name: String, store: ParameterStore, rng: inout SplitMix64) {
        self.count = count
        self.dimension = dimension
        self.store = store
        table = store.add(qualifiedName(name, "weight"), shape: [count, dimension],
                          initializer: .uniform(bound: (3 / Float(dimension)).squareRoot()), rng: &rng)
    }

    public var parameters: [Parameter] { [table] }

    /// `ids` (row-major `[B, T]`, each in `0..<count`) → `[B, T, dimension]`.
    public func callAsFunction(_ ids: [Int32], batch: Int, steps: Int, tape: Tape?) -> Tensor {
        precondition(ids.count == batch * steps, "Embedding: \(ids.count) ids for [\(batch), \(steps)]")
        return embedding(store.tensor(table, tape: tape), indices: ids).reshaped([batch, steps, dimension])
    }
}
