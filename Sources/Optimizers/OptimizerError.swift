/// Errors of the `Optimizers` module: bad hyperparameters (from a config) and optimizer or
/// scheduler state that does not fit (from a checkpoint).
public enum OptimizerError: Error, Equatable, CustomStringConvertible {
    /// A hyperparameter outside its valid range, e.g. `beta2 = 1.5` (expected `0 ≤ beta2 < 1`).
    case invalidHyperparameter(name: String, value: Double, expected: String)
    /// A state saved by one optimizer kind restored into another (`adam` into `sgd`).
    case stateKindMismatch(expected: String, found: String)
    /// The saved state holds other buffers than this optimizer keeps.
    case stateBuffersMismatch(expected: [String], found: [String])
    /// A saved buffer whose length differs from the parameter range it must cover.
    case stateSizeMismatch(buffer: String, expected: Int, found: Int)
    /// A saved field with an impossible value (a negative step count, a zero learning rate).
    case invalidState(field: String, found: String, expected: String)
    /// A learning-rate schedule state saved by one kind restored into another (`plateau` into `cosine`).
    case scheduleKindMismatch(expected: String, found: String)

    public var description: String {
        switch self {
        case let .invalidHyperparameter(name, value, expected):
            return "optimizer: \(name) = \(value) is invalid, expected \(expected); check the training section of the config"
        case let .stateKindMismatch(expected, found):
            return "optimizer state: saved by '\(found)', but the current optimizer is '\(expected)'; "
                + "resume with the optimizer the checkpoint was trained with"
        case let .stateBuffersMismatch(expected, found):
            return "optimizer state: expected buffers \(expected), found \(found); "
                + "the checkpoint was written with other optimizer settings (momentum on/off?)"
        case let .stateSizeMismatch(buffer, expected, found):
            return "optimizer state: buffer '\(buffer)' holds \(found) values, expected \(expected) "
                + "(one per parameter in the range); the checkpoint belongs to another model or shard layout"
        case let .invalidState(field, found, expected):
            return "optimizer state: \(field) = \(found) is invalid, expected \(expected); the checkpoint is corrupt"
        case let .scheduleKindMismatch(expected, found):
            return "learning-rate schedule state: saved by a '\(found)' schedule, but the current schedule is '\(expected)'; "
                + "resume with the training.schedule the checkpoint was trained with"
        }
    }
}

/// Throws `invalidHyperparameter` unless `value` is finite and `valid(value)` holds.
func require<F: BinaryFloatingPoint>(_ name: String, _ value: F, _ expected: String, _ valid: (F) -> Bool) throws {
    guard value.isFinite, valid(value) else {
        throw OptimizerError.invalidHyperparameter(name: name, value: Double(value), expected: expected)
    }
}
