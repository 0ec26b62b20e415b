/// A float32 tensor: contiguous row-major values with a shape, and, when it takes part in a
/// recorded computation, a gradient of the same shape.
///
/// A tensor either owns its values or views a range of a larger buffer (a parameter views
/// the flat `ParameterStore` buffer, so its gradient lands directly in the flat gradient
/// buffer). Ops always write new contiguous outputs; there are no strided views. Op outputs and
/// gradients recorded on a tape live in the tape's `Workspace`.
public final class Tensor {
    /// The shape of the stored values.
    public let shape: Shape
    let storage: Buffer
    let offset: Int
    var gradStorage: Buffer?
    var gradOffset: Int = 0
    /// True for a view of a `ParameterStore` parameter: its gradient is the range
    /// `gradOffset ..< gradOffset + count` of the store's flat gradient buffer.
    private(set) var isParameterView = false
    /// True when a gradient flows back into this tensor during `Tape.backward`.
    public let requiresGrad: Bool
    /// The tape that records ops on this tensor; nil in inference mode and for constants.
    public private(set) weak var tape: Tape?

    /// A constant (no gradient) with the given values.
    public convenience init(shape: Shape, scalars: [Float]) {
        precondition(shape.count == scalars.count,
                     "Tensor(shape: \(shape)) needs \(shape.count) values, got \(scalars.count)")
        self.init(shape: shape, storage: Buffer(copying: scalars), offset: 0, tape: nil, requiresGrad: false)
    }

    /// A constant of zeros.
    public convenience init(zeros shape: Shape) {
        self.init(shape: shape, storage: Buffer(count: shape.count), offset: 0, tape: nil, requiresGrad: false)
    }

    /// A scalar constant.
    public convenience init(scalar: Float) {
        self.init(shape: [], scalars: [scalar])
    }

    init(shape: Shape, storage: Buffer, offset: Int, tape: Tape?, requiresGrad: Bool) {
        precondition(offset >= 0 && offset + shape.count <= storage.count,
                     "view of \(shape) at offset \(offset) exceeds a buffer of \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.offset = offset
        self.tape = requiresGrad ? tape : nil
        self.requiresGrad = requiresGrad && tape != nil
    }

    /// A tensor that is a leaf of `tape`: gradients accumulate into its own gradient buffer.
    /// Use it for inputs whose gradient a test or caller wants to read.
    public static func variable(shape: Shape, scalars: [Float], tape: Tape) -> Tensor {
        precondition(shape.count == scalars.count,
                     "Tensor.variable(shape: \(shape)) needs \(shape.count) values, got \(scalars.count)")
        return Tensor(shape: shape, storage: Buffer(copying: scalars), offset: 0, tape: tape, requiresGrad: true)
    }

    /// Number of elements.
    public var count: Int { shape.count }

    /// First value; valid while `self` is alive.
    public var data: UnsafeMutablePointer<Float> { storage.base + offset }

    /// The values, copied out.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// The value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item needs one element, shape is \(shape)")
        return data[0]
    }

    /// The gradient, copied out (zeros when no gradient has reached this tensor).
    public var gradScalars: [Float] {
        guard let g = gradStorage else { return [Float](repeating: 0, count: count) }
        return Array(UnsafeBufferPointer(start: g.base + gradOffset, count: count))
    }

    /// True once some op has written a gradient into this tensor.
    public var hasGrad: Bool { gradStorage != nil }

    /// The gradient buffer, allocated (zeroed, from the tape's workspace) on first use. Backward
    /// rules accumulate into it with `+=`.
    public var grad: UnsafeMutablePointer<Float> {
        if let g = gradStorage { return g.base + gradOffset }
        let g = tape?.workspace.buffer(count: count, zeroed: true) ?? Buffer(count: count)
        gradStorage = g
        gradOffset = 0
        return g.base
    }

    /// Binds this tensor's gradient to its parameter's range of the flat gradient store, making it
    /// a parameter view (the tape tracks when such gradients are final).
    func bindGrad(to buffer: Buffer, offset: Int) {
        precondition(offset + count <= buffer.count, "gradient view exceeds its buffer")
        gradStorage = buffer
        gradOffset = offset
        isParameterView = true
    }

    /// The tape of the first input that requires a gradient, if any.
    static func tape(of inputs: [Tensor]) -> Tape? {
        for x in inputs where x.requiresGrad {
            if let t = x.tape { return t }
        }
        return nil
    }

    /// A scratch buffer of `count` floats for an op on `inputs` (a mask, saved activations),
    /// from the workspace of the inputs' tape, or a fresh allocation without one. Values are
    /// unspecified unless `zeroed`: the op writes every element before reading it.
    public static func scratch(count: Int, zeroed: Bool = false, for inputs: [Tensor]) -> Buffer {
        if let tape = tape(of: inputs) { return tape.workspace.buffer(count: count, zeroed: zeroed) }
        return zeroed ? Buffer(count: count) : Buffer(uninitializedCount: count)
    }

    /// Creates the output of a custom op and, when it requires a gradient, records its backward
    /// rule. `backward` receives the output's gradient `dOut` and must accumulate (`+=`) into the
    /// `grad` of each input that `requiresGrad`; it also receives the output's values `y`.
    /// Layers use this to add fused ops (LSTM, CRF).
    ///
    /// The output's values are unspecified (memory reused from the tape's workspace) unless
    /// `zeroed`: the op must write every element of it, or ask for zeros.
    public static func makeResult(shape: Shape, inputs: [Tensor], zeroed: Bool = false,
                                  backward: @escaping (_ dOut: UnsafeMutablePointer<Float>,
                                                       _ y: UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        let tape = tape(of: inputs)
        let out = Tensor(shape: shape, storage: scratch(count: shape.count, zeroed: zeroed, for: inputs), offset: 0,
                         tape: tape, requiresGrad: tape != nil)
        if out.requiresGrad, let tape = out.tape {
            tape.record(out, inputs: inputs, backward)
        }
        return out
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor\(shape)(\(shown)\(count > 8 ? ", ..." : ""))"
    }
}
