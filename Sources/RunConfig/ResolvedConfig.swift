import Foundation

/// A loaded, validated config with every corpus path resolved to an absolute file that exists.
public struct ResolvedConfig: Equatable {
    /// The absolute files of one corpus.
    public struct CorpusFiles: Equatable {
        /// Training file; development and test files when configured.
        public var train: URL, dev: URL?, test: URL?
    }

    /// File name of the resolved config that a run writes into its output directory.
    public static let fileName = "resolved-config.yaml"

    /// The config as decoded (after `--set` overrides), paths as written.
    public var config: TrainConfig
    /// The config file, or `nil` for the built-in default config.
    public var file: URL?
    /// The folder relative corpus paths were resolved against.
    public var dataDirectory: URL
    /// Absolute corpus files, by corpus name in config order.
    public var corpusFiles: OrderedMap<CorpusFiles>
    /// The absolute folder of `encoder.transformer.path` (relative paths from the config file's
    /// folder), when set; whether it holds a model is checked when the data is loaded.
    public var transformerFolder: URL? = nil
    /// The absolute file of `encoder.word_vectors.path` (relative paths from the config file's
    /// folder), when set; it is read (and checked) when a fresh run loads its data.
    public var wordVectorsFile: URL? = nil

    /// The config with absolute corpus paths and no `data_dir`: what `resolved-config.yaml` holds, so a
    /// run can be repeated from its output directory alone.
    public var absoluteConfig: TrainConfig {
        var result = config
        result.dataDir = nil
        for (name, files) in corpusFiles {
            result.corpora[name]?.train = files.train.path
            result.corpora[name]?.dev = files.dev?.path
            result.corpora[name]?.test = files.test?.path
        }
        if let transformerFolder { result.encoder.transformer.path = transformerFolder.path }
        if let wordVectorsFile { result.encoder.wordVectors.path = wordVectorsFile.path }
        if let directory = result.checkpoint.directory { result.checkpoint.directory = resolvedCheckpointDirectory(directory).path }
        return result
    }

    /// The folder checkpoints of a run into `output` go to: `checkpoint.directory` (`~` expanded;
    /// relative to the config file's folder, or the working directory without a file), else
    /// `OUTPUT/checkpoints`. The one place training, resume and `resolved-config.yaml` take it from.
    public func checkpointDirectory(output: URL) -> URL {
        guard let directory = config.checkpoint.directory else { return output.appendingPathComponent("checkpoints") }
        return resolvedCheckpointDirectory(directory)
    }

    private func resolvedCheckpointDirectory(_ directory: String) -> URL {
        let base = file?.deletingLastPathComponent() ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        return ConfigLoader.resolve(directory, against: base)
    }

    /// `absoluteConfig` as YAML.
    public func yamlString() throws -> String {
        try absoluteConfig.yamlString()
    }

    /// Writes `resolved-config.yaml` (atomically) into `directory`, which must exist; returns its URL.
    @discardableResult
    public func write(toDirectory directory: URL) throws -> URL {
        let url = directory.appendingPathComponent(ResolvedConfig.fileName)
        try Data(yamlString().utf8).write(to: url, options: .atomic)
        return url
    }
}
