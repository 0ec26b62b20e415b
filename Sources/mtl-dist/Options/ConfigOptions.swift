import ArgumentParser
import Foundation
import RunConfig
import Training

/// The run config a command reads: `--config FILE`, `--data-dir DIR`, `--set key=value`. Shared by
/// `train`, `plan` and `bench step`.
struct ConfigOptions: ParsableArguments {
    @Option(help: "YAML run config (see configs/). Without it: the embedded English UPOS + NER corpus.")
    var config: String?

    @Option(name: .customLong("data-dir"), help: "Folder that relative corpus paths resolve against (overrides data_dir).")
    var dataDir: String?

    @Option(name: .customLong("set"), parsing: .singleValue,
            help: ArgumentHelp("Override a config key, e.g. --set training.max_steps=30 (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    /// The config file, nil for the built-in default.
    var configFile: URL? { config.map { URL(fileURLWithPath: $0) } }

    /// `--data-dir`, else the embedded corpus folder when no `--config` is given (the built-in
    /// default config's corpus paths are relative to it), else nil (the config's `data_dir`).
    func dataDirectory() throws -> URL? {
        try dataDir.map { URL(fileURLWithPath: $0) } ?? (config == nil ? DefaultCorpus.directory() : nil)
    }

    /// The config loaded, overridden, validated and its corpus files resolved.
    func load() throws -> ResolvedConfig {
        try ConfigLoader.load(file: configFile, overrides: overrides, dataDir: dataDirectory())
    }

    /// A training request for this config writing into `output`.
    func request(output: URL, resume: String? = nil) throws -> TrainingSession.Request {
        TrainingSession.Request(configFile: configFile, overrides: overrides, dataDir: try dataDirectory(),
                                output: output, resume: resume)
    }
}
