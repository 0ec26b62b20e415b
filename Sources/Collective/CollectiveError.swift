/// Errors of the `Collective` module: failed MPI calls (as return codes, never aborts) and
/// collectives called with arguments no communicator can honour.
public enum CollectiveError: Error, Equatable, CustomStringConvertible {
    /// An MPI call returned `code` instead of `MPI_SUCCESS`; `message` is `MPI_Error_string(code)`.
    /// `operation` names the call and its arguments, e.g. `MPI_Bcast(MPI_FLOAT, count: 4, root: 2)`.
    case mpi(operation: String, code: Int32, message: String)
    /// `MPICommunicator.initialize()` found MPI already initialised or finalised in this process;
    /// MPI can be initialised once per process only.
    case alreadyInitialized(finalized: Bool)
    /// A collective called after `finalize()`.
    case finalized(operation: String)
    /// A broadcast root outside `0..<worldSize`.
    case invalidRoot(operation: String, root: Int, worldSize: Int)
    /// A bucket size below one element for a bucketed all-reduce.
    case invalidBucketSize(Int)
    /// A broadcast message longer than the receivers accept.
    case messageTooLong(root: Int, count: UInt64, limit: Int)
    /// A buffer longer than one MPI call can lay out (its displacements are C ints).
    case bufferTooLarge(operation: String, count: Int, limit: Int)
    /// Only some ranks run OpenMPI with mtl-dist's rules for rings across hosts (`OpenMPIDefaults`):
    /// the others could not write the rules file, so the same large sum would run two algorithms.
    case collectiveRulesDiffer(ranksWithRules: Int, worldSize: Int)

    public var description: String {
        switch self {
        case let .mpi(operation, code, message):
            return "\(operation) failed with MPI error \(code): \(message) "
                + "(every rank must call the same collectives with the same counts and roots)"
        case let .alreadyInitialized(finalized):
            return "MPI was already \(finalized ? "finalized" : "initialized") in this process; "
                + "create one MPICommunicator per process and finalize it once, at exit"
        case let .finalized(operation):
            return "\(operation) called after finalize(); the communicator can no longer be used"
        case let .invalidRoot(operation, root, worldSize):
            return "\(operation): root \(root) is not a rank, expected 0..<\(worldSize)"
        case let .invalidBucketSize(size):
            return "all-reduce bucket size \(size) is invalid, expected at least 1 element"
        case let .messageTooLong(root, count, limit):
            return "rank \(root) broadcast a message of \(count) bytes, more than the \(limit) accepted "
                + "(do all ranks run the same mtl-dist build?)"
        case let .bufferTooLarge(operation, count, limit):
            return "\(operation): \(count) floats, more than the \(limit) one call can address; "
                + "use the replicated update (training.sharded_update: false) for a model this large"
        case let .collectiveRulesDiffer(with, worldSize):
            return "only \(with) of \(worldSize) ranks could write OpenMPI's rules file for large sums across hosts "
                + "(in $TMPDIR, else /tmp), and ranks with and without it would run one sum two ways; make that folder "
                + "writable on every host, or set MTL_DIST_OPENMPI_DEFAULTS=off (OpenMPI's own choices everywhere)"
        }
    }
}
