/// The dimensions of a contiguous row-major tensor, outermost first: `[B, T, C]` stores
/// `C` contiguous floats per `(b, t)`.
public struct Shape: Equatable, Hashable, CustomStringConvertible, ExpressibleByArrayLiteral, Sendable {
    /// The size of each axis, outermost first. A scalar has no axes.
    public var dims: [Int]

    public init(_ dims: [Int]) {
        precondition(dims.allSatisfy { $0 >= 0 }, "negative dimension in shape \(dims)")
        self.dims = dims
    }

    public init(arrayLiteral elements: Int...) { self.init(elements) }

    /// Number of axes.
    public var rank: Int { dims.count }

    /// Number of elements (1 for a scalar).
    public var count: Int { dims.reduce(1, *) }

    /// Size of the last axis (1 for a scalar): the feature width `C` of `[..., C]`.
    public var last: Int { dims.last ?? 1 }

    /// Product of all axes but the last: the number of rows of `[..., C]` seen as a matrix.
    public var rows: Int { rank == 0 ? 1 : dims.dropLast().reduce(1, *) }

    public subscript(axis: Int) -> Int { dims[axis] }

    /// The same shape with the last axis replaced by `width`.
    public func replacingLast(with width: Int) -> Shape {
        precondition(rank > 0, "a scalar has no last axis")
        var d = dims
        d[d.count - 1] = width
        return Shape(d)
    }

    /// True when `other` equals the trailing axes of `self` (`[B, T, C]` ends with `[C]` and `[T, C]`).
    public func hasSuffix(_ other: Shape) -> Bool {
        other.rank <= rank && Array(dims.suffix(other.rank)) == other.dims
    }

    public var description: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }
}
