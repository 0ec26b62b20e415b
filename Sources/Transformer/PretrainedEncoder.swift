import Autodiff
import Foundation

/// The model side of a Hugging Face model folder: `config.json` and `model.safetensors` (or the
/// shards `model.safetensors.index.json` lists), for any family `BertConfig` reads. It knows
/// nothing of tokenizers: callers pass subword ids packed with the model's own special ids
/// (`[CLS] … [SEP]`, or `<s> … </s>` for the RoBERTa family; see `SubwordPacking`).
public struct PretrainedEncoder {
    public let folder: URL
    public let config: BertConfig

    /// Reads and checks `config.json` (not yet the weights).
    public init(folder: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TransformerError.unreadable(file: folder.path, reason: "no such folder; a transformer is a folder with config.json, vocab.txt and model.safetensors (launch/fetch-minilm.sh makes one)")
        }
        self.folder = folder
        config = try BertConfig(contentsOf: folder.appendingPathComponent("config.json"))
    }

    /// Opens the weights and checks that they hold every tensor `config.json` asks for, with its
    /// shape and a float dtype, and nothing else, before anything is allocated (a model built in a
    /// layout-only store): the model's size is then bounded by the files', whatever sizes
    /// `config.json` claims; and the model's float32 parameters must fit in this machine's memory
    /// (`maxBytes`), as a config's sizes must: a config within its limits beside a sparse 30 GB
    /// file is refused here instead of being allocated.
    public func checkedWeights(maxBytes: Double = Double(ProcessInfo.processInfo.physicalMemory)) throws -> SafeTensorsWeights {
        let weights = try SafeTensorsWeights(folder: folder)
        var rng = SplitMix64(seed: 0)
        let layout = ParameterStore(layoutOnly: true)
        _ = try BertModel(config: config, name: "", site: 0, store: layout, rng: &rng).tensorPlan(in: weights)
        let bytes = 4 * Double(layout.count)
        guard bytes <= maxBytes else {
            let gib = { (b: Double) in String(format: "%.3g GiB", b / 1_073_741_824) }
            throw TransformerError.config(file: folder.appendingPathComponent("config.json").path, key: "(model size)",
                                          problem: "the model it describes, which model.safetensors holds, has \(layout.count) parameters "
                                            + "(\(gib(bytes)) as float32), more than this machine's \(gib(maxBytes)) of memory; use a smaller model")
        }
        return weights
    }

    /// Builds the model's parameters in `store` under `name` and fills them from the weights
    /// (checked first, see `checkedWeights`); its linear maps multiply at `precision`.
    public func load(name: String, hiddenDropout: Float? = nil, attentionDropout: Float? = nil,
                     precision: MatmulPrecision = .fp32, site: UInt64,
                     store: ParameterStore, rng: inout SplitMix64) throws -> BertModel {
        let weights = try checkedWeights()
        let model = BertModel(config: config, name: name, hiddenDropout: hiddenDropout, attentionDropout: attentionDropout,
                              precision: precision, site: site, store: store, rng: &rng)
        try model.load(from: weights, into: store)
        return model
    }
}
