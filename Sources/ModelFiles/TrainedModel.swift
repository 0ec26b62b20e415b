import Checkpointing
import CoNLL
import Foundation
import MultiTask
import RunConfig
import Transformer

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
    /// With a frozen transformer (`fine_tune: false`, weights read from its folder, not saved with
    /// the model): FNV-1a 64 of its weights as trained (`ModelIntegrity.checksum(of:)`), checked
    /// when the model loads them again.
    public var frozenTransformerChecksum: String? = nil

    public init(spec: ModelSpec, encoder: TextEncoder, corpora: [String: CorpusConfig], corpusOrder: [String], config: String,
                step: Int, epoch: Int, mainScore: String, devMainScore: Double?) {
        self.spec = spec
        self.encoder = encoder
        self.corpora = corpora
        self.corpusOrder = corpusOrder
        self.config = config
        self.step = step
        self.epoch = epoch
        self.mainScore = mainScore
        self.devMainScore = devMainScore
    }

    enum CodingKeys: String, CodingKey {
        case spec, encoder, corpora, config, step, epoch
        case corpusOrder = "corpus_order"
        case mainScore = "main_score"
        case devMainScore = "dev_main_score"
        case frozenTransformerChecksum = "frozen_transformer_checksum"
    }
}

/// A model loaded from disk, ready to decode.
public struct TrainedModel {
    public let model: MultiTaskModel
    public let metadata: ModelMetadata
    public let url: URL

    /// A line for stderr when the model's transformer multiplies in bf16 and this CPU runs that as
    /// fp32 (nil otherwise): its tags and scores may then differ slightly from training's.
    public var precisionNote: String? {
        guard let precision = model.spec.encoder.transformer?.precision, precision == .bf16, precision.effective != .bf16 else { return nil }
        return "note: the model's transformer multiplies in bf16 (encoder.transformer.precision); here \(precision.description), "
            + "so results may differ slightly from training's"
    }

    /// Loads a model from `url`: a model folder (`OUTPUT/best`), an export (`mtl-dist export`) or a
    /// checkpoint folder (`OUTPUT/checkpoints/step-N`). All three take one validation path: the
    /// stored tensor table is checked against its file's size, the model description against
    /// limits, itself and that table (`ModelMetadata.validate`), and only then is the model built.
    public init(url: URL) throws {
        self.url = url
        let checkpointManifest = CheckpointReader<CheckpointRecord>.manifestURL(in: url)
        if DurableFile.size(of: checkpointManifest) != nil {
            let reader = try CheckpointReader<CheckpointRecord>(directory: url)
            let m = reader.manifest
            metadata = m.training.model
            try metadata.validate(file: checkpointManifest.path, tensors: m.tensors.map { ($0.name, $0.shape, $0.offset) })
            model = MultiTaskModel(spec: metadata.spec, seed: 0)
            try reader.read(floats: 0..<m.parameterCount, into: model.store.values.base)
        } else if ModelExport.isExport(url) {
            (metadata, model) = try ModelExport.load(url)
            try ModelIntegrity.verifySeal(of: url.appendingPathComponent("model.json"))
        } else {
            let manifest = try ModelArchive.manifest(at: url, as: ModelMetadata.self)
            try manifest.metadata.validate(file: url.appendingPathComponent("model.json").path,
                                           tensors: manifest.parameters.map { ($0.name, $0.shape, $0.offset) })
            try ModelIntegrity.verifySeal(of: url.appendingPathComponent("model.json"))
            model = MultiTaskModel(spec: manifest.metadata.spec, seed: 0)
            try ModelArchive.loadParameters(manifest, from: url, into: model.store)
            metadata = manifest.metadata
        }
        try ModelIntegrity.checkFinite(model.store, file: url.path)
        let transformer = metadata.spec.encoder.transformer
        guard (transformer == nil) == (metadata.encoder.subwordPacking == nil) else {
            throw ModelError.invalidModel(url.path, reason: "the model has a transformer without its tokenizer and positions, or the other way round")
        }
        if let transformer, !transformer.fineTune {
            try loadFrozenTransformer(from: URL(fileURLWithPath: transformer.path))
        }
    }

    /// A frozen transformer is not among the saved parameters: it is read from its own folder and
    /// must be what the model was trained with (its recorded checksum), else the scores would
    /// silently change with that folder.
    private func loadFrozenTransformer(from folder: URL) throws {
        let hint = "this model was trained with a frozen transformer (encoder.transformer.fine_tune: false), whose weights are "
            + "not saved with it but read from \(folder.path)"
        guard let recorded = metadata.frozenTransformerChecksum else {
            throw ModelError.invalidModel(url.path, reason: "\(hint), and it records no checksum of them (frozen_transformer_checksum): "
                + "it was saved by an older build; train it again or export it with that build")
        }
        do {
            try model.encoder.loadTransformer(from: SafeTensorsWeights(folder: folder), store: model.store)
        } catch {
            throw ModelError.invalidModel(url.path, reason: "\(hint): \(error). Restore that folder (the model it was trained with)")
        }
        guard let frozen = model.encoder.frozenStore else { return }
        try ModelIntegrity.checkFinite(frozen, file: folder.appendingPathComponent("model.safetensors").path)
        let found = ModelIntegrity.checksum(of: frozen)
        guard found == recorded else {
            throw ModelError.invalidModel(url.path, reason: "\(hint), and they changed since training (checksum \(found), "
                + "recorded \(recorded)): restore the weights the model was trained with")
        }
    }

    /// Reads `file` with the settings of the model's corpus `corpus` (its format, columns and the
    /// tag schemes of its span tasks).
    public func read(_ file: URL, corpus: String) throws -> [Sentence] {
        guard let config = metadata.corpora[corpus] else {
            throw ModelError.invalidModel(url.path, reason: "no corpus '\(corpus)' (corpora: \(metadata.corpusOrder.joined(separator: ", ")))")
        }
        var schemes: [String: TagScheme] = [:]
        for task in metadata.encoder.tasks where task.corpus == corpus { if let s = task.inputScheme { schemes[task.label] = s } }
        let sentenceLabels = metadata.encoder.tasks.filter { $0.taskKind.isSentenceLevel }.map(\.label)
        let reader = CorpusFiles.reader(for: config, spanSchemes: schemes, sentenceLabels: Set(sentenceLabels))
        let sentences = try CorpusFiles.read(file, with: reader, corpus: corpus, maxBytes: config.maxFileBytes).sentences
        // a parser's gold trees are scored: a HEAD column that is no tree is refused, as training refuses it
        if metadata.encoder.tasks.contains(where: { $0.taskKind == .dependency }) { try CorpusFiles.checkTrees(sentences, corpus: corpus) }
        return sentences
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
