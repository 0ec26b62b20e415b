import Autodiff

/// A layer: it registers its parameters in a `ParameterStore` when built, under a dotted name
/// prefix (`encoder.lstm.weight_ih`), and reads them as tensors in each forward pass.
///
/// Forward passes take the `Tape` to record on, or nil for inference (nothing recorded, no
/// gradient storage), and are spelled `callAsFunction`.
public protocol Module {
    /// The parameters this module (and its children) registered, in registration order.
    var parameters: [Parameter] { get }
}

extension Module {
    /// Number of scalar parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// Joins a name prefix and a parameter name with a dot (an empty prefix adds nothing).
@inline(__always)
public func qualifiedName(_ prefix: String, _ name: String) -> String {
    prefix.isEmpty ? name : prefix + "." + name
}
