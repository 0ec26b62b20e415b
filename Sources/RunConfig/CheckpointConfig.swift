/// Checkpointing of a run config (`checkpoint:` in YAML): every `every` steps the trainer writes a
/// sharded checkpoint `DIRECTORY/step-<N>/` (see `Trainer.checkpointDirectory`), and after each one
/// deletes all but the newest `keep`. A stop signal (SIGTERM, SIGUSR1) also writes one.
///
/// ```yaml
/// checkpoint:
///   directory: null   # null = OUTPUT/checkpoints; a relative path resolves against the config file's folder
///   every: 0          # steps between periodic checkpoints; 0 = none
///   keep: 3           # keep the last K checkpoints (>= 1)
/// ```
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
        try rules.path(.directory, directory, allowed: "a directory path, or null", hint: "write a directory, or null for OUTPUT/checkpoints.")
        try rules.integer(.every, every, atLeast: 0, hint: "set \(rules.keyPath(.every)) >= 0 (0 = no periodic checkpoints).")
        try rules.integer(.keep, keep, atLeast: 1, hint: "set \(rules.keyPath(.keep)) >= 1: the newest checkpoint is always kept.")
    }
}
