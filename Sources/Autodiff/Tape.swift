/// Records the ops of one forward pass and runs their backward rules in reverse order.
///
/// Ops append a node when an input requires a gradient; creation order is a topological
/// order, so `backward` walks the nodes from last to first (micrograd's scheme, with the
/// `_backward` closure of each op accumulating into its inputs' gradients with `+=`).
/// Without a tape (inference) nothing is recorded and no gradient storage is allocated.
public final class Tape {
    struct Node {
        let output: Tensor
        let backward: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void
    }

    private var nodes: [Node] = []

    public init() {}

    /// Number of recorded ops.
    public var nodeCount: Int { nodes.count }

    func record(_ output: Tensor, _ backward: @escaping (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
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
        nodes.removeAll()
    }

    /// Drops the recorded graph without back-propagating.
    public func reset() { nodes.removeAll() }
}
