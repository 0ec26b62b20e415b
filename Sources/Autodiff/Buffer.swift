/// An owned, fixed-size allocation of floats. Tensors and the parameter store hold their
/// values and gradients in buffers; views keep the buffer alive by holding a reference.
public final class Buffer {
    /// First element.
    public let base: UnsafeMutablePointer<Float>
    /// Number of floats.
    public let count: Int

    /// Allocates `count` floats set to zero.
    public init(count: Int) {
        precondition(count >= 0, "negative buffer size \(count)")
        self.count = count
        base = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }

    /// Allocates a copy of `values`.
    public convenience init(copying values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let s = src.baseAddress { base.update(from: s, count: values.count) }
        }
    }

    deinit { base.deallocate() }

    /// Sets every element to zero, in place.
    public func zero() { base.update(repeating: 0, count: count) }

    /// The elements as a buffer pointer, valid while `self` is alive.
    public var pointer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: base, count: count) }
}
