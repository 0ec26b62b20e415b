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

    public init(path: String, config: BertConfig, hiddenStates: [Int], pooling: SubwordPooling, fineTune: Bool, dropout: Float?) {
        self.path = path
        self.config = config
        self.hiddenStates = hiddenStates
        self.pooling = pooling
        self.fineTune = fineTune
        self.dropout = dropout
    }

    /// Width of one word vector.
    public var outputWidth: Int { pooling.width(modelWidth: config.hiddenSize) }
}
