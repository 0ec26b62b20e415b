/// The memory of a training loop's steps: op outputs, their gradients and kernel scratch come
/// from a few large slabs, handed out by bumping an offset (llm.c sizes one activation block per
/// (B, T); this finds the size by use). The last buffer handed out gives its room back as soon
/// as it is freed, and a slab starts over from its beginning once every buffer taken from it has
/// been freed, which a step's tape does when its graph is dropped: so every
/// step reuses the memory of the previous one, already faulted in, whatever its (B, T), and no
/// buffer still alive is ever handed out twice.
///
/// When a request does not fit, a new slab as large as everything reserved so far is added; the
/// first time no buffer is out at all, the slabs are merged into one of their total size. After
/// the largest step, one slab of that step's size serves every step.
///
/// A `Tape` carries a workspace and ops recorded on it allocate from it (`Tensor.scratch`); a
/// model keeps one and lends it to each step's tape. Not thread-safe: one workspace, one thread.
public final class Workspace {
    private struct Slab {
        let base: UnsafeMutablePointer<Float>
        let capacity: Int
        /// The next free float; reset to 0 when `live` drops to 0.
        var top = 0
        /// Buffers taken from this slab and not yet freed.
        var live = 0
    }

    private var slabs: [Slab] = []
    private var current = 0
    private var live = 0
    /// Floats reserved from the system, in all slabs.
    public private(set) var reservedCount = 0
    /// Slabs allocated from the system so far (merging counts one).
    public private(set) var allocationCount = 0

    /// Buffers start on 64-byte boundaries: every request is rounded up to 16 floats.
    public static let alignment = 16
    /// The smallest slab, in floats (256 KiB).
    public static let minimumSlab = 1 << 16

    public init() {}

    deinit {
        for slab in slabs { release(slab) }
    }

    /// A buffer of `count` floats: zeros when `zeroed`, unspecified values otherwise (the caller
    /// writes every element before reading it).
    public func buffer(count: Int, zeroed: Bool) -> Buffer {
        precondition(count >= 0, "negative buffer size \(count)")
        let size = Workspace.rounded(count)
        if slabs.isEmpty || slabs[current].top + size > slabs[current].capacity {
            if let i = slabs.indices.first(where: { slabs[$0].live == 0 && slabs[$0].capacity >= size }) {
                current = i
            } else {
                slabs.append(allocate(max(size, reservedCount, Workspace.minimumSlab)))
                current = slabs.count - 1
            }
        }
        let base = slabs[current].base + slabs[current].top
        slabs[current].top += size
        slabs[current].live += 1
        live += 1
        if zeroed { base.update(repeating: 0, count: count) }
        return Buffer(count: count, lentBy: self, slab: current, base: base)
    }

    /// Overwrites all memory waiting to be handed out with `value` (NaN, say): afterwards an op
    /// that reads an element of its output or scratch before writing it gives a visibly wrong
    /// result. For tests of the ops' write-before-read contract.
    public func fillFreeMemory(with value: Float) {
        for s in slabs { (s.base + s.top).update(repeating: value, count: s.capacity - s.top) }
    }

    /// The floats taken for a request of `count`: a multiple of `alignment`, at least one.
    static func rounded(_ count: Int) -> Int {
        (max(count, 1) + alignment - 1) / alignment * alignment
    }

    /// Takes back the freed buffer `base` of `count` floats from slab `i`. The slab's last buffer
    /// gives its room back at once (a kernel's backward scratch, freed before the next node
    /// runs, is reused by it); the rest waits until the slab is empty.
    func recycle(slab i: Int, base: UnsafeMutablePointer<Float>, count: Int) {
        slabs[i].live -= 1
        live -= 1
        let size = Workspace.rounded(count)
        if base + size == slabs[i].base + slabs[i].top { slabs[i].top -= size }
        if slabs[i].live == 0 { slabs[i].top = 0 }
        if live == 0 && slabs.count > 1 {
            // nothing is out: one slab of the total size replaces them all
            let total = reservedCount
            for slab in slabs { release(slab) }
            slabs = [allocate(total)]
            current = 0
        }
    }

    private func allocate(_ capacity: Int) -> Slab {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<Float>.stride,
                                                   alignment: Workspace.alignment * MemoryLayout<Float>.stride)
        reservedCount += capacity
        allocationCount += 1
        return Slab(base: raw.bindMemory(to: Float.self, capacity: capacity), capacity: capacity)
    }

    private func release(_ slab: Slab) {
        reservedCount -= slab.capacity
        UnsafeMutableRawPointer(slab.base).deallocate()
    }
}
