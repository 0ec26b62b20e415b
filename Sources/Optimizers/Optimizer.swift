import Autodiff

/// One named flat buffer of optimizer state (`"m"`, `"v"`, `"momentum"`), laid out like the
/// parameter range the optimizer updates: `values[i]` belongs to parameter `i` of the range.
public struct StateBuffer: Equatable, Sendable {
    public var name: String
    public var values: [Float]

    /// A buffer named `name` holding `values`.
    public init(name: String, values: [Float]) {
        self.name = name
        self.values = values
    }
}

/// Everything an optimizer needs to continue exactly where it stopped: its kind, the number
/// of steps taken, and its flat state buffers (each as long as the parameter range, or empty
/// when `stepCount == 0` and nothing was allocated yet). Checkpoints store it per shard.
public struct OptimizerState: Equatable, Sendable {
    /// `"sgd"`, `"adam"` or `"adamw"`.
    public var kind: String
    /// Updates applied so far (PyTorch's `state["step"]`).
    public var stepCount: Int
    /// The state buffers, in the optimizer's fixed order.
    public var buffers: [StateBuffer]

    /// A state of `kind` after `stepCount` steps.
    public init(kind: String, stepCount: Int, buffers: [StateBuffer]) {
        self.kind = kind
        self.stepCount = stepCount
        self.buffers = buffers
    }
}

/// A first-order optimizer over one contiguous range of a flat parameter buffer.
///
/// `step` is purely elementwise: element `i` of the parameters changes as a function of
/// gradient `i`, state `i` and the step count only. So data-parallel ranks can each update
/// their own contiguous slice `[lo, hi)` with an optimizer whose state covers that slice,
/// and the result equals one optimizer over the whole buffer. State is allocated on the
/// first step (or by `restore`) with the length of the range and keeps it.
public protocol Optimizer {
    /// `"sgd"`, `"adam"`, `"adamw"`: recorded in the state so a checkpoint can't be restored
    /// into another optimizer.
    var kind: String { get }
    /// Updates applied so far.
    var stepCount: Int { get }
    /// The state, copied out, for a checkpoint.
    var state: OptimizerState { get }

    /// Replaces the state by `state`, which must come from an optimizer of the same kind and
    /// settings and hold buffers of exactly `count` values (the length of the range this
    /// optimizer will update), or none at step 0. Throws `OptimizerError` otherwise and then
    /// leaves the optimizer unchanged.
    mutating func restore(_ state: OptimizerState, count: Int) throws

    /// Applies one update in place to `parameters[0..<count]` given `gradients[0..<count]`.
    /// `count` must equal the length of the state once it is allocated.
    mutating func step(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
                       count: Int, learningRate: Float)

    /// The same update as `step(parameters:gradients:count:learningRate:)`, counted as one
    /// step, when only `gradients[r]` for the ranges r of `nonZero` (sorted, disjoint, within
    /// `0..<count`) may be non-zero: an optimizer whose update leaves a parameter with a zero
    /// gradient unchanged (SGD without momentum or weight decay) visits those ranges only, as a
    /// sparse embedding update does; the others update all `count`.
    mutating func step(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
                       count: Int, nonZero: [Range<Int>], learningRate: Float)
}

extension Optimizer {
    /// Updates all `count` parameters: a zero gradient still moves state and parameters.
    public mutating func step(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
                              count: Int, nonZero: [Range<Int>], learningRate: Float) {
        step(parameters: parameters, gradients: gradients, count: count, learningRate: learningRate)
    }

    /// One update of every parameter in `store` from its gradient buffer.
    public mutating func step(store: ParameterStore, learningRate: Float) {
        step(parameters: store.values.base, gradients: store.grads.base, count: store.count,
             learningRate: learningRate)
    }

    /// One update of the flat range `range` of `store` (a data-parallel rank's shard); the
    /// optimizer's state covers that range only.
    public mutating func step(store: ParameterStore, range: Range<Int>, learningRate: Float) {
        precondition(range.lowerBound >= 0 && range.upperBound <= store.count,
                     "optimizer range \(range) outside the store's \(store.count) parameters")
        step(parameters: store.values.base + range.lowerBound, gradients: store.grads.base + range.lowerBound,
             count: range.count, learningRate: learningRate)
    }
}

/// Checks a saved state against what an optimizer of `kind` with buffers `names` over `count`
/// parameters expects, and returns the buffers' values in the order of `names`.
func validatedBuffers(_ state: OptimizerState, kind: String, names: [String], count: Int) throws -> [[Float]] {
    precondition(count >= 0, "optimizer range of negative length \(count)")
    guard state.kind == kind else { throw OptimizerError.stateKindMismatch(expected: kind, found: state.kind) }
    guard state.stepCount >= 0 else {
        throw OptimizerError.invalidState(field: "stepCount", found: "\(state.stepCount)", expected: "≥ 0")
    }
    let found = state.buffers.map(\.name)
    guard found == names else { throw OptimizerError.stateBuffersMismatch(expected: names, found: found) }
    var result: [[Float]] = []
    for buffer in state.buffers {
        if buffer.values.isEmpty && state.stepCount == 0 {
            // nothing allocated before the first step: the step allocates zeros
            result.append([])
            continue
        }
        guard buffer.values.count == count else {
            throw OptimizerError.stateSizeMismatch(buffer: buffer.name, expected: count, found: buffer.values.count)
        }
        result.append(buffer.values)
    }
    return result
}

/// Allocates `buffer` with `count` zeros on first use, and checks the length afterwards.
@inline(__always)
func prepare(_ buffer: inout [Float], count: Int, name: String) {
    if buffer.isEmpty && count > 0 { buffer = [Float](repeating: 0, count: count) }
    precondition(buffer.count == count, "optimizer state '\(name)' holds \(buffer.count) values, step got \(count)")
}
