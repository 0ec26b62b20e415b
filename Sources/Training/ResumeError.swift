/// Why a run cannot continue from a checkpoint: each message starts with "cannot resume:", names
/// the checkpoint (or run folder) and says how to go on.
public enum ResumeError: Error, CustomStringConvertible, Equatable {
    /// The config stored in the checkpoint does not load.
    case storedConfigDoesNotLoad(checkpoint: String, reason: String)
    /// The config given (`--config`, `--set`) changes keys a resume must keep; `refused` lists them
    /// all, `safe` the key groups that may change.
    case configChanged(checkpoint: String, refused: [ResumeCheck.Difference], safe: [String])
    /// The data builds other vocabularies or label dictionaries than the checkpoint's.
    case dataChanged(checkpoint: String, what: String)
    /// The checkpoint's state does not fit the run it would continue (schedule, log window,
    /// sampler position, tensors, optimizer state).
    case stateDoesNotFit(checkpoint: String, reason: String)
    /// `--resume auto` without `--config` in a folder whose `resolved-config.yaml` cannot be read.
    case noStoredConfig(output: String)

    public var description: String {
        switch self {
        case let .storedConfigDoesNotLoad(checkpoint, reason):
            return "cannot resume: the config stored in \(checkpoint) does not load: \(reason). Give the run's config with --config."
        case let .configChanged(checkpoint, refused, safe):
            return "cannot resume: \(checkpoint) was trained with another config; resuming would change the model, data or optimisation: "
                + refused.map(\.description).joined(separator: "; ")
                + ". Resume without --config and --set (the checkpoint's config), change only \(safe.joined(separator: ", ")), or start a new run."
        case let .dataChanged(checkpoint, what):
            return "cannot resume: the training data builds other vocabularies or label dictionaries than \(checkpoint)'s (\(what)); "
                + "resume with the data the checkpoint was trained on."
        case let .stateDoesNotFit(checkpoint, reason):
            return "cannot resume: \(checkpoint): \(reason)."
        case let .noStoredConfig(output):
            return "cannot resume: \(output)/resolved-config.yaml cannot be read (larger than 1 MiB or not UTF-8 text), so there is "
                + "no stored config to continue with. Give --config (and the --set of the first start), or name a checkpoint folder with --resume."
        }
    }
}
