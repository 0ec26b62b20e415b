/// Records the ops of one forward pass and runs their backward rules in reverse order.
///
/// Ops append a node when an input requires a gradient; creation order is a topological
/// order, so `backward` walks the nodes from last to first (micrograd's scheme, with the
/// `_backward` closure of each op accumulating into its inputs' gradients with `+=`).
/// Without a tape (inference) nothing is recorded and no gradient storage is allocated.
///
/// The tape also notes, for every parameter view an op reads, the first node that reads it.
/// Backward runs that node last among the parameter's readers, so once it has run the
/// parameter's gradient is final: `backward(from:seed:store:onParameterReady:)` reports it then,
/// which lets a data-parallel trainer start summing gradients over ranks while backward goes on
/// (PyTorch DDP's gradient-ready hooks, https://pytorch.org/docs/stable/notes/ddp.html).
public final class Tape {
    struct Node {
        let output: Tensor
        let backward: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void
    }

    /// A parameter and the first node reading it.
    struct ParameterUse {
        let key: ParameterKey
        let firstNode: Int
    }

    /// A parameter: its store's gradient buffer and its range there.
    struct ParameterKey: Hashable {
        let grads: ObjectIdentifier
        let range: Range<Int>
    }

    private var nodes: [Node] = []
    /// Parameters read by recorded ops, in order of first use (so `firstNode` ascends).
    private var parameterUses: [ParameterUse] = []
    private var seenParameters: Set<ParameterKey> = []

    /// Where ops recorded on this tape allocate their outputs, gradients and scratch. Set it
    /// before recording (a model lends its own, so every step reuses the same memory).
    public var workspace: Workspace {
        willSet { precondition(nodes.isEmpty, "a tape's workspace is replaced only before recording") }
    }

    /// An empty tape allocating from `workspace` (a new one by default).
    public init(workspace: Workspace = Workspace()) {
        self.workspace = workspace
    }

    /// Number of recorded ops.
    public var nodeCount: Int { nodes.count }

    func record(_ output: Tensor, inputs: [Tensor],
                _ backward: @escaping (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        for x in inputs where x.isParameterView {
            guard let grads = x.gradStorage else { continue }
            let key = ParameterKey(grads: ObjectIdentifier(grads), range: x.gradOffset ..< x.gradOffset + x.count)
            if seenParameters.insert(key).inserted {
                parameterUses.append(ParameterUse(key: key, firstNode: nodes.count))
            }
        }
        nodes.append(Node(output: output, backward: backward))
    }

    /// Back-propagates from a scalar `loss` (seeded with gradient `seed`, 1 by default) through
    /// every recorded op, then drops the recorded graph. Gradients accumulate into existing ones.
    public func backward(from loss: Tensor, seed: Float = 1) {
        precondition(loss.count == 1, "backward needs a scalar loss, got shape \(loss.shape)")
        precondition(loss.tape === self, "the loss was not recorded on this tape")
        loss.grad[0] += seed
        for node in nodes.reversed() where node.output.hasGrad {
            node.backward(node.output.grad, node.output.data)
        }
        reset()
    }

    /// Back-propagates like `backward(from:seed:)` and reports each parameter of `store` as soon
    /// as its gradient is final: `onParameterReady(p.offset ..< p.offset + p.count)` once per
    /// parameter, a range of `store.grads`.
    ///
    /// Parameters that no recorded op reads are reported first, before any node runs (their
    /// gradient is whatever it was: zero after `zeroGrad()`); every other parameter right after
    /// the first node that reads it has run, so the order is reverse order of first use in the
    /// forward pass. Views of other stores' parameters are back-propagated but not reported.
    /// When `onParameterReady` throws, backward stops there and the graph is dropped.
    public func backward(from loss: Tensor, seed: Float = 1, store: ParameterStore,
                         onParameterReady: (Range<Int>) throws -> Void) rethrows {
        precondition(loss.count == 1, "backward needs a scalar loss, got shape \(loss.shape)")
        precondition(loss.tape === self, "the loss was not recorded on this tape")
        defer { reset() }
        loss.grad[0] += seed
        let grads = ObjectIdentifier(store.grads)
        for p in store.parameters {
            let range = p.offset ..< p.offset + p.count
            if !seenParameters.contains(ParameterKey(grads: grads, range: range)) { try onParameterReady(range) }
        }
        var next = parameterUses.count - 1
        for i in nodes.indices.reversed() {
            let node = nodes[i]
            if node.output.hasGrad { node.backward(node.output.grad, node.output.data) }
            // node i was the first reader of parameterUses[next...]: nothing else adds to them
            while next >= 0 && parameterUses[next].firstNode == i {
                let use = parameterUses[next]
                next -= 1
                if use.key.grads == grads { try onParameterReady(use.key.range) }
            }
        }
    }

    /// Drops the recorded graph without back-propagating.
    public func reset() {
        nodes.removeAll(keepingCapacity: true)
        parameterUses.removeAll(keepingCapacity: true)
        seenParameters.removeAll(keepingCapacity: true)
    }
}
