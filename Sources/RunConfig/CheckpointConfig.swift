/// Checkpointing of a run config (`checkpoint:` in YAML): every `every` steps the trainer writes a
/// sharded checkpoint `DIRECTORY/step-<N>/` (see `ResolvedConfig.checkpointDirectory(output:)`), and after each one
/// deletes all but the newest `keep`. A stop signal (SIGTERM, SIGUSR1) also writes one.
public struct CheckpointConfig: Codable, Equatable {
    // The keys, in YAML order; what each means is in `meanings` below.
    public var directory: String?
    public var every = 0
    public var keep = 3

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case directory, every, keep
    }
}

extension CheckpointConfig: ConfigSection {
    /// What each key means: the text `mtl-dist config reference` and docs/CONFIG.md print beside
    /// its type and default (the one place it is written).
    static let meanings: [CodingKeys: String] = [
        .directory:
            "Where checkpoints go, as written: `null` = OUTPUT/checkpoints; a relative path resolves against the config file's folder, `~` to the home folder.",
        .every:
            "Steps between periodic checkpoints; 0 = none.",
        .keep:
            "How many of the most recent checkpoints to keep (>= 1).",
    ]
    static let defaults = CheckpointConfig()

    func validate(_ rules: ConfigRules<CodingKeys>) throws {
        try rules.path(.directory, directory, allowed: "a directory path, or null", hint: "write a directory, or null for OUTPUT/checkpoints.")
        try rules.integer(.every, every, atLeast: 0, hint: "set \(rules.keyPath(.every)) >= 0 (0 = no periodic checkpoints).")
        try rules.integer(.keep, keep, atLeast: 1, hint: "set \(rules.keyPath(.keep)) >= 1: the newest checkpoint is always kept.")
    }
}
