import CoNLL
import Foundation
import MultiTask

/// What a saved model carries besides its parameters: its structure, how it encodes text, the
/// corpus settings (so `evaluate` reads a file as training did), the resolved config and when it
/// was saved.
public struct ModelMetadata: Codable {
    public let spec: ModelSpec
    public let encoder: TextEncoder
    /// Corpus settings by name (config order in `corpusOrder`).
    public let corpora: [String: CorpusConfig]
    public let corpusOrder: [String]
    /// The resolved config as YAML, as written to `resolved-config.yaml`.
    public let config: String
    public let step: Int
    public let epoch: Int
    /// How task scores combine into the selection score: `mean` or a task name.
    public let mainScore: String
    /// The dev main score at save time.
    public let devMainScore: Double?

    enum CodingKeys: String, CodingKey {
        case spec, encoder, corpora, config, step, epoch
        case corpusOrder = "corpus_order"
        case mainScore = "main_score"
        case devMainScore = "dev_main_score"
    }
}

/// A model loaded from disk, ready to decode.
public struct TrainedModel {
    public let model: MultiTaskModel
    public let metadata: ModelMetadata
    public let url: URL

    /// Loads the model folder `url` (as written by `mtl-dist train` into `OUTPUT/best`).
    public init(url: URL) throws {
        let manifest = try ModelArchive.manifest(at: url, as: ModelMetadata.self)
        let model = MultiTaskModel(spec: manifest.metadata.spec, seed: 0)
        try ModelArchive.loadParameters(manifest, from: url, into: model.store)
        self.model = model
        metadata = manifest.metadata
        self.url = url
    }

    /// Reads `file` with the settings of the model's corpus `corpus` (its format, columns and the
    /// tag schemes of its span tasks).
    public func read(_ file: URL, corpus: String) throws -> [Sentence] {
        guard let config = metadata.corpora[corpus] else {
            throw TrainingError.invalidModel(url.path, reason: "no corpus '\(corpus)' (corpora: \(metadata.corpusOrder.joined(separator: ", ")))")
        }
        var schemes: [String: TagScheme] = [:]
        for task in metadata.encoder.tasks where task.corpus == corpus { if let s = task.inputScheme { schemes[task.label] = s } }
        return try CorpusFiles.read(file, with: CorpusFiles.reader(for: config, spanSchemes: schemes), corpus: corpus).sentences
    }

    /// The indices of the tasks trained on corpus `corpus`.
    public func taskIndices(of corpus: String) -> [Int] {
        metadata.encoder.tasks.indices.filter { metadata.encoder.tasks[$0].corpus == corpus }
    }

    /// Writes `model` with `metadata` to the folder `url`, atomically.
    public static func save(_ model: MultiTaskModel, metadata: ModelMetadata, to url: URL) throws {
        try ModelArchive.save(store: model.store, metadata: metadata, to: url)
    }
}
