import Autodiff
import Layers

/// What the model asks of a task's head, whatever its kind: a loss over the rows routed to it and
/// a decoding of rows into label ids with their posterior. A new task kind is one more head type
/// conforming to this (and its metric in `Evaluator`); `MultiTaskModel` routes, normalises and
/// sums every head alike.
public protocol OutputHead: Module {
    var spec: HeadSpec { get }

    /// The loss summed over the rows of `x [R, T, C]` (lengths `lengths`, dropout keys `keys`) for
    /// the gold label ids `targets`, row-major `[R, T]`: one per token for a token head (a relation
    /// per word for a parser), the sentence's label at `[r, 0]` for a sentence head. `heads` are a
    /// parser's gold heads, row-major `[R, T]` (`TaskRows.heads`); the other heads ignore them.
    func loss(_ x: Tensor, lengths: [Int], keys: [UInt64], targets: [Int32], heads: [Int32], tape: Tape?, training: Bool) -> Tensor

    /// The best label ids per row (inference, nothing recorded): one per token for a token head,
    /// one per row for a sentence head, and for a parser the L words' heads followed by their L
    /// relation ids (`DependencyTaskHead`).
    /// Throws `ParsingError` when a parser's scores hold NaN or +∞.
    func decode(_ x: Tensor, lengths: [Int], keys: [UInt64]) throws -> [[Int32]]

    /// `decode` with each row's posterior over its labels (position 0 of a sentence head's; a
    /// parser's over each word's relations at its decoded head).
    func decodeWithPosteriors(_ x: Tensor, lengths: [Int], keys: [UInt64]) throws -> [(tags: [Int32], posterior: TagPosterior)]
}

extension TaskHead: OutputHead {
    public func loss(_ x: Tensor, lengths: [Int], keys: [UInt64], targets: [Int32], heads: [Int32], tape: Tape?, training: Bool) -> Tensor {
        let e = emissions(x, lengths: lengths, keys: keys, tape: tape, training: training)
        return loss(emissions: e, tags: targets, lengths: lengths, tape: tape)
    }

    public func decode(_ x: Tensor, lengths: [Int], keys: [UInt64]) -> [[Int32]] {
        decode(emissions: emissions(x, lengths: lengths, keys: keys, tape: nil, training: false), lengths: lengths)
    }

    public func decodeWithPosteriors(_ x: Tensor, lengths: [Int], keys: [UInt64]) -> [(tags: [Int32], posterior: TagPosterior)] {
        let e = emissions(x, lengths: lengths, keys: keys, tape: nil, training: false)
        return zip(decode(emissions: e, lengths: lengths), posteriors(emissions: e, lengths: lengths)).map { (tags: $0, posterior: $1) }
    }
}
