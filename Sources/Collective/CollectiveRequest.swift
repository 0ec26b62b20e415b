/// A handle to a non-blocking collective started by `Communicator.startAllReduceSum(_:)`; pass it
/// to `Communicator.wait(_:)` to complete it. Only the communicator that issued it can complete it.
public struct CollectiveRequest: Hashable, Sendable {
    /// The issuing communicator's number for this request (ascending in start order).
    public let id: Int

    /// A request numbered `id`; communicators number the requests they start.
    public init(id: Int) {
        self.id = id
    }
}
