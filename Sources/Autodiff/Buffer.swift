/// An owned, fixed-size allocation of floats. Tensors and the parameter store hold their
/// values and gradients in buffers; views keep the buffer alive by holding a reference.
///
/// A buffer either owns its memory (freed with it) or was taken from a `Workspace`, which is
/// told when the buffer is freed and reuses the memory once all its neighbours are freed too.
public final class Buffer {
    /// First element.
    public let base: UnsafeMutablePointer<Float>
    /// Number of floats.
    public let count: Int
    /// The workspace and slab the memory was taken from, told on deinit; nil: deallocated.
    private let origin: (workspace: Workspace, slab: Int)?

    /// Allocates `count` floats set to zero.
    public convenience init(count: Int) {
        self.init(uninitializedCount: count)
        base.update(repeating: 0, count: count)
    }

    /// Allocates `count` floats with unspecified values, for callers that write every element
    /// before reading any.
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "negative buffer size \(count)")
        self.count = count
        base = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        origin = nil
    }

    /// A buffer over `count` floats of slab `slab` of `workspace`.
    init(count: Int, lentBy workspace: Workspace, slab: Int, base: UnsafeMutablePointer<Float>) {
        self.count = count
        self.base = base
        origin = (workspace, slab)
    }

    /// Allocates a copy of `values`.
    public convenience init(copying values: [Float]) {
        self.init(uninitializedCount: values.count)
        values.withUnsafeBufferPointer { src in
            if let s = src.baseAddress { base.update(from: s, count: values.count) }
        }
    }

    deinit {
        if let origin { origin.workspace.recycle(slab: origin.slab, base: base, count: count) } else { base.deallocate() }
    }

    /// Sets every element to zero, in place.
    public func zero() { base.update(repeating: 0, count: count) }

    /// The elements as a buffer pointer, valid while `self` is alive.
    public var pointer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: base, count: count) }
}
