/// Checkpointing of a run config (`checkpoint:` in YAML). Periodic sharded checkpoints are not built
/// yet: the loader refuses `every > 0` or a `directory` instead of ignoring them.
public struct CheckpointConfig: Codable, Equatable {
    /// Where checkpoints go, as written; `nil` lets the trainer use its output directory.
    public var directory: String?
    /// Steps between periodic checkpoints; 0 = none.
    public var every = 0
    /// How many of the most recent checkpoints to keep (>= 1).
    public var keep = 3

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case directory, every, keep
    }
}

extension CheckpointConfig: ConfigSection {
    static let defaults = CheckpointConfig()

    func validate(_ rules: ConfigRules<CodingKeys>) throws {
        try rules.path(.directory, directory, allowed: "a directory path, or null", hint: "write a directory, or null for the output directory.")
        try rules.integer(.every, every, atLeast: 0, hint: "set \(rules.keyPath(.every)) >= 0 (0 = no periodic checkpoints).")
        try rules.integer(.keep, keep, atLeast: 1, hint: "set \(rules.keyPath(.keep)) >= 1: the newest checkpoint is always kept.")
        // periodic sharded checkpoints are not built yet: refuse the settings rather than ignore them
        let notBuilt = "checkpoint.every: 0 and checkpoint.directory: null (periodic checkpoints are not available in this "
            + "version; the best model is saved to OUTPUT/best)"
        try rules.check(every == 0, .every, found: "\(every)", allowed: notBuilt, hint: "remove the checkpoint section.")
        try rules.check(directory == nil, .directory, found: directory ?? "", allowed: notBuilt, hint: "remove the checkpoint section.")
    }
}
