import CMPI

/// A float buffer of every rank in memory that all the ranks of a host can address (an MPI-3
/// shared window), summed in place without MPI's copies: after a barrier each rank sums its slice
/// (`shardRange`) over every rank's buffer, in rank order, and writes the sum into every buffer;
/// a second barrier ends the sum. Each element is summed once, so every rank holds the same bits.
///
/// The CoNLL config's 11.7 MB gradient took 0.8–2.8 ms a training step this way where
/// `MPI_Allreduce` took 3.2–4.2 ms (BENCHMARKS.md): OpenMPI copies each rank's buffer through its
/// shared-memory transport, here a rank reads the others' buffers where they are. Made by
/// `MPICommunicator.makeSharedSum(count:)` when every rank runs on one host; freed by
/// `MPICommunicator.finalize()` (freeing a window is collective).
public final class SharedSum {
    /// This rank's buffer: `count` floats, zero when made.
    public let buffer: UnsafeMutableBufferPointer<Float>
    private let window: SharedWindow
    /// Every rank's buffer, in rank order (optional, as C's `float *const *` imports).
    private let buffers: [UnsafeMutablePointer<Float>?]
    private let slice: Range<Int>
    private(set) var isFreed = false

    init(buffer: UnsafeMutableBufferPointer<Float>, buffers: [UnsafeMutablePointer<Float>?], window: SharedWindow, rank: Int) {
        self.buffer = buffer
        self.buffers = buffers
        self.window = window
        slice = shardRange(total: buffer.count, rank: rank, worldSize: buffers.count)
    }

    /// Replaces every rank's `buffer` with the elementwise sum over all ranks, `Σ_r buffer_r[i]`
    /// (in rank order). Collective over the ranks of the host.
    public func sum() throws {
        guard !isFreed else { throw CollectiveError.finalized(operation: "SharedSum.sum") }
        try window.synchronize("before the shared sum")
        buffers.withUnsafeBufferPointer { p in
            cmpi_sum_into_all(p.baseAddress, Int32(p.count), slice.lowerBound, slice.upperBound)
        }
        try window.synchronize("after the shared sum")
    }

    /// Unlocks and frees the window and the host's communicator (collective); later sums throw.
    func free() throws {
        guard !isFreed else { return }
        isFreed = true
        try window.free()
    }
}
