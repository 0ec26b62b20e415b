/// An owned, fixed-size allocation of floats. Tensors and the parameter store hold their
/// values and gradients in buffers; views keep the buffer alive by holding a reference.
///
/// A buffer either owns its memory (freed with it), was taken from a `Workspace`, which is told
/// when the buffer is freed and reuses the memory once all its neighbours are freed too, or
/// borrows memory another object owns and keeps alive (a gradient buffer in MPI shared memory).
public final class Buffer {
    /// First element.
    public let base: UnsafeMutablePointer<Float>
    /// Number of floats.
    public let count: Int
    /// The workspace and slab the memory was taken from, told on deinit; nil: deallocated, unless borrowed.
    private let origin: (workspace: Workspace, slab: Int)?
    /// The owner of borrowed memory, kept alive by this buffer (nil: the memory is not borrowed).
    private let lender: AnyObject?

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
        lender = nil
    }

    /// A buffer over `count` floats at `base` that `lender` owns: kept alive with this buffer, never freed by it.
    public init(borrowing base: UnsafeMutablePointer<Float>, count: Int, from lender: AnyObject) {
        precondition(count >= 0, "negative buffer size \(count)")
        self.count = count
        self.base = base
        origin = nil
        self.lender = lender
    }

    /// A buffer over `count` floats of slab `slab` of `workspace`.
    init(count: Int, lentBy workspace: Workspace, slab: Int, base: UnsafeMutablePointer<Float>) {
        self.count = count
        self.base = base
        origin = (workspace, slab)
        lender = nil
    }

    /// Allocates a copy of `values`.
    public convenience init(copying values: [Float]) {
        self.init(uninitializedCount: values.count)
        values.withUnsafeBufferPointer { src in
            if let s = src.baseAddress { base.update(from: s, count: values.count) }
        }
    }

    deinit {
        if let origin { origin.workspace.recycle(slab: origin.slab, base: base, count: count) } else if lender == nil { base.deallocate() }
    }

    /// Sets every element to zero, in place.
    public func zero() { base.update(repeating: 0, count: count) }

    /// The elements as a buffer pointer, valid while `self` is alive.
    public var pointer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: base, count: count) }
}
