import CMPI

/// An MPI-3 shared window, locked for every rank, and the communicator of the host's ranks it was
/// made over (`MPICommunicator.sharedWindow`): what `SharedSum` and `SharedCounter` hold.
struct SharedWindow {
    let window: MPI_Win?
    let node: MPI_Comm?

    /// Every rank's writes to the window are seen by all: a memory barrier around a barrier of the
    /// host's ranks. `what` names the caller in errors.
    func synchronize(_ what: String) throws {
        try MPICommunicator.call(MPI_Win_sync(window), "MPI_Win_sync (\(what))")
        try MPICommunicator.call(MPI_Barrier(node), "MPI_Barrier (\(what))")
        try MPICommunicator.call(MPI_Win_sync(window), "MPI_Win_sync (\(what))")
    }

    /// Unlocks and frees the window and the host's communicator (collective).
    func free() throws {
        var w = window, n = node
        try MPICommunicator.call(MPI_Win_unlock_all(window), "MPI_Win_unlock_all")
        try MPICommunicator.call(MPI_Win_free(&w), "MPI_Win_free")
        try MPICommunicator.call(MPI_Comm_free(&n), "MPI_Comm_free")
    }
}
