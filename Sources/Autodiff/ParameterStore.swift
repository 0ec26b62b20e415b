import Foundation

/// A handle to one parameter: its name and its range `[offset, offset + shape.count)` in the
/// flat buffers of a `ParameterStore`.
public struct Parameter: Equatable, Sendable {
    public let name: String
    public let offset: Int
    public let shape: Shape
    public var count: Int { shape.count }
}

/// How a parameter's initial values are drawn.
public enum Initializer: Sendable {
    case zeros
    case constant(Float)
    /// Uniform in [-bound, bound].
    case uniform(bound: Float)
    /// Normal with mean 0 and the given standard deviation.
    case normal(std: Float)
    /// Glorot/Xavier uniform: bound = sqrt(6 / (fanIn + fanOut)), with the fans of a
    /// `[fanOut, fanIn]` weight (PyTorch's `nn.init.xavier_uniform_`).
    case xavierUniform
}

/// All parameters of a model in one flat buffer, and all their gradients in another of the
/// same layout (llm.c's `malloc_and_point_parameters`). An all-reduce, the optimizer step and a
/// checkpoint shard each touch one contiguous range; a parameter is a view by offset.
///
/// Register every parameter while building the model, then use `tensor(_:tape:)` in each
/// forward pass. Registration order fixes the layout, so equal code builds equal layouts.
/// Registering only lays out and initialises values in a growing list; the two flat buffers are
/// allocated once, on first use of `values`, `grads` or a tensor view, so building a model of
/// P floats costs O(P). (Registering after that first use copies the values out and back once.)
public final class ParameterStore {
    public private(set) var parameters: [Parameter] = []
    /// The initial values of the parameters registered since the buffers were last allocated
    /// (all of them, until the first use); nil once `storage` holds them.
    private var pending: [Float]? = []
    private var storage = (values: Buffer(count: 0), grads: Buffer(count: 0))
    private var index: [String: Int] = [:]
    /// True for a store that records the layout only (see `init(layoutOnly:)`).
    public let isLayoutOnly: Bool

    /// An empty store. With `layoutOnly`, `add` records each parameter's name, shape and offset
    /// but allocates and initialises nothing: loaders build a model's layout this way to compare
    /// it with a file's before allocating anything the file's numbers ask for.
    public init(layoutOnly: Bool = false) {
        isLayoutOnly = layoutOnly
    }

    /// Total number of floats.
    public private(set) var count = 0

    /// Flat parameter values, in registration order.
    public var values: Buffer { allocated().values }
    /// Flat gradients, laid out like `values`.
    public var grads: Buffer { allocated().grads }

    /// The flat buffers, allocated from the registered values on first use.
    private func allocated() -> (values: Buffer, grads: Buffer) {
        precondition(!isLayoutOnly, "a layout-only store holds no values")
        if let values = pending {
            storage = (Buffer(copying: values), Buffer(count: values.count))
            pending = nil
        }
        return storage
    }

    /// Moves the gradients into `memory` (`count` floats, kept alive by `lender`), where something
    /// other than this store can reach them (MPI shared memory, summed in place over the ranks of a
    /// host): their values are copied there and every later tensor binds its gradient to it.
    /// Call it between steps, when no tensor of the store is alive.
    public func moveGradients(to memory: UnsafeMutableBufferPointer<Float>, lender: AnyObject) {
        precondition(memory.count == count, "gradients of \(count) floats moved into \(memory.count)")
        let (values, grads) = allocated()
        if let target = memory.baseAddress, count > 0 { target.update(from: grads.base, count: count) }
        storage = (values, Buffer(borrowing: memory.baseAddress ?? grads.base, count: count, from: lender))
    }

    /// Calls `body` with the first value: in the pending list while building, in `values` after.
    private func withValues<R>(_ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        precondition(!isLayoutOnly, "a layout-only store holds no values")
        guard pending != nil else { return body(storage.values.base) }
        return pending!.withUnsafeMutableBufferPointer { body($0.baseAddress ?? storage.values.base) }
    }

    /// Registers a parameter named `name` (unique within the store) and initialises it with
    /// values drawn from `rng`.
    @discardableResult
    public func add(_ name: String, shape: Shape, initializer: Initializer,
                    rng: inout SplitMix64) -> Parameter {
        precondition(index[name] == nil, "parameter '\(name)' registered twice")
        let p = Parameter(name: name, offset: count, shape: shape)
        let n = shape.count
        if isLayoutOnly {
            count += n
            index[name] = parameters.count
            parameters.append(p)
            return p
        }
        if pending == nil { pending = Array(storage.values.pointer) }
        var initial = [Float](repeating: 0, count: n)
        switch initializer {
        case .zeros:
            break
        case .constant(let c):
            for i in 0..<n { initial[i] = c }
        case .uniform(let bound):
            for i in 0..<n { initial[i] = (2 * rng.nextUniform() - 1) * bound }
        case .normal(let std):
            for i in 0..<n { initial[i] = rng.nextNormal() * std }
        case .xavierUniform:
            let fanOut = shape.rank >= 1 ? shape[0] : 1
            let fanIn = shape.rank >= 2 ? shape.count / fanOut : 1
            let bound = Float((6.0 / Double(fanIn + fanOut)).squareRoot())
            for i in 0..<n { initial[i] = (2 * rng.nextUniform() - 1) * bound }
        }
        pending!.append(contentsOf: initial)
        count += n
        index[name] = parameters.count
        parameters.append(p)
        return p
    }

    /// The parameter named `name`, if registered.
    public func parameter(named name: String) -> Parameter? {
        index[name].map { parameters[$0] }
    }

    /// A view of `p` for one forward pass. With a tape it requires a gradient, which
    /// accumulates straight into the flat gradient buffer; without one it is a constant.
    public func tensor(_ p: Parameter, tape: Tape?) -> Tensor {
        let (values, grads) = allocated()
        let t = Tensor(shape: p.shape, storage: values, offset: p.offset, tape: tape, requiresGrad: tape != nil)
        if t.requiresGrad { t.bindGrad(to: grads, offset: p.offset) }
        return t
    }

    /// The values of `p`, copied out.
    public func scalars(of p: Parameter) -> [Float] {
        withValues { Array(UnsafeBufferPointer(start: $0 + p.offset, count: p.count)) }
    }

    /// The gradient of `p`, copied out.
    public func gradScalars(of p: Parameter) -> [Float] {
        Array(UnsafeBufferPointer(start: grads.base + p.offset, count: p.count))
    }

    /// Overwrites the values of `p`.
    public func setScalars(_ scalars: [Float], of p: Parameter) {
        precondition(scalars.count == p.count, "parameter '\(p.name)' has \(p.count) values, got \(scalars.count)")
        withValues { dst in scalars.withUnsafeBufferPointer { (dst + p.offset).update(from: $0.baseAddress!, count: p.count) } }
    }

    /// Sets every gradient to zero, in place.
    public func zeroGrad() { grads.zero() }

    /// Sets the gradients in `ranges` (of the flat buffer) to zero, in place: all of `zeroGrad()`'s
    /// work when every other gradient is known to be zero already.
    public func zeroGrad(ranges: [Range<Int>]) {
        let g = grads
        for r in ranges {
            precondition(r.lowerBound >= 0 && r.upperBound <= count, "zeroGrad: range \(r) outside the store's \(count) parameters")
            (g.base + r.lowerBound).update(repeating: 0, count: r.count)
        }
    }
}
