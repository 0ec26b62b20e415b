import Collective
import Reporting

extension Communicator {
    /// `operation` on `buffer`, as the exchange strategies call it: the blocking sum (dense and
    /// touched rows), the reduce-scatter then all-gather of the sharded update, or a non-blocking
    /// sum started and waited for (a bucket of the overlapped sum); the in-place sum over shared
    /// memory needs a `SharedSum` of its own and throws here. What `bench collective` and
    /// `exchange: auto` time. Collective: every rank passes the same operation and length.
    public func perform(_ operation: CollectiveOperation, on buffer: UnsafeMutableBufferPointer<Float>) throws {
        switch operation {
        case .allReduce:
            try allReduceSum(buffer)
        case .reduceScatterAllGather:
            try reduceScatterSum(buffer)
            try allGather(buffer)
        case .nonBlockingAllReduce:
            try wait([try startAllReduceSum(buffer)])
        case .sharedSum:
            // its buffer must be the window's own: `bench collective` times `SharedSum.sum()` itself
            throw CollectiveError.mpi(operation: "perform(shared_sum)", code: 0,
                                      message: "the in-place sum runs on a SharedSum's own buffer, not on \(buffer.count) floats elsewhere")
        }
    }
}
