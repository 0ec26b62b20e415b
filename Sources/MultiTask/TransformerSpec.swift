import Autodiff
import Transformer

/// A pretrained BERT-family transformer in the shared encoder, as Flair's
/// `TransformerWordEmbeddings`: the model folder, its architecture, which hidden states are
/// averaged and how a word's subwords are pooled into its vector, and whether it is fine-tuned.
public struct TransformerSpec: Codable, Equatable, Sendable {
    /// The model folder (`config.json`, `vocab.txt`, `model.safetensors`).
    public var path: String
    /// The architecture, from the folder's `config.json`.
    public var config: BertConfig
    /// Hidden-state indices averaged, each in 0...layers (0 is the embedding output).
    public var hiddenStates: [Int]
    public var pooling: SubwordPooling
    /// Trained with the taggers (its parameters in the model's store, all-reduced and updated);
    /// false: frozen, outside the store, run without a tape (no gradient storage).
    public var fineTune: Bool
    /// Dropout inside the transformer (hidden and attention probabilities); nil keeps config.json's.
    public var dropout: Float?
    /// How the hidden states are combined: their mean, or a learned scalar mix whose parameters
    /// (`encoder.layer_mix.weights [hiddenStates.count]`, `encoder.layer_mix.scale [1]`) are in the
    /// model's store whether or not the transformer is fine-tuned.
    public var layerMix: LayerMix
    /// The arithmetic of the transformer's linear maps (`MatmulPrecision`): what the config asked,
    /// `bf16` even where this CPU runs it as fp32.
    public var precision: MatmulPrecision

    public init(path: String, config: BertConfig, hiddenStates: [Int], pooling: SubwordPooling, fineTune: Bool, dropout: Float?,
                layerMix: LayerMix = .mean, precision: MatmulPrecision = .fp32) {
        self.path = path
        self.config = config
        self.hiddenStates = hiddenStates
        self.pooling = pooling
        self.fineTune = fineTune
        self.dropout = dropout
        self.layerMix = layerMix
        self.precision = precision
    }

    enum CodingKeys: String, CodingKey {
        case path, config, hiddenStates, pooling, fineTune, dropout, layerMix, precision
    }

    /// Reads a spec; one written before `layerMix` existed averages its hidden states, one written
    /// before `precision` multiplies in fp32.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        config = try c.decode(BertConfig.self, forKey: .config)
        hiddenStates = try c.decode([Int].self, forKey: .hiddenStates)
        pooling = try c.decode(SubwordPooling.self, forKey: .pooling)
        fineTune = try c.decode(Bool.self, forKey: .fineTune)
        dropout = try c.decodeIfPresent(Float.self, forKey: .dropout)
        layerMix = try c.decodeIfPresent(LayerMix.self, forKey: .layerMix) ?? .mean
        precision = try c.decodeIfPresent(MatmulPrecision.self, forKey: .precision) ?? .fp32
    }

    /// Width of one word vector.
    public var outputWidth: Int { pooling.width(modelWidth: config.hiddenSize) }
}
