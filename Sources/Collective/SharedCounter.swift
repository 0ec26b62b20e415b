import CMPI

/// A number every rank of a host takes from at once (an atomic fetch-and-add in an MPI-3 shared
/// window): the ranks deal work among themselves as each becomes free, with no message and no
/// rank waiting for another. `predict` deals a block's batches this way (`PredictionRun`).
///
/// Made by `MPICommunicator.makeSharedCounter()` when every rank runs on one host, at 0; freed by
/// `MPICommunicator.finalize()` (freeing a window is collective).
public final class SharedCounter {
    private let value: UnsafeMutablePointer<Int64>
    private let window: SharedWindow
    private(set) var isFreed = false

    init(value: UnsafeMutablePointer<Int64>, window: SharedWindow) {
        self.value = value
        self.window = window
    }

    /// The counter's value, which goes up by one: each value is taken by exactly one rank.
    public func next() throws -> Int {
        guard !isFreed else { throw CollectiveError.finalized(operation: "SharedCounter.next") }
        return Int(cmpi_counter_next(value))
    }

    /// Sets the counter to 0. No rank may be taking a number meanwhile: the caller orders this
    /// before the message after which the ranks take numbers again.
    public func reset() throws {
        guard !isFreed else { throw CollectiveError.finalized(operation: "SharedCounter.reset") }
        cmpi_counter_store(value, 0)
    }

    /// Unlocks and frees the window and the host's communicator (collective); later calls throw.
    func free() throws {
        guard !isFreed else { return }
        isFreed = true
        try window.free()
    }
}
