import Transformer

/// A pretrained BERT-family transformer in the shared encoder (`encoder.transformer:` in YAML), as
/// Flair's `TransformerWordEmbeddings`: its word vectors come first in every token vector.
///
/// ```yaml
/// encoder:
///   transformer:
///     path: null        # a Hugging Face model folder (config.json, vocab.txt, model.safetensors),
///                       # relative to the config file's folder; null = no transformer
///     fine_tune: true   # train it with the taggers; false freezes it (no gradient, not all-reduced)
///     layers: [-1]      # hidden states averaged: 0 = embedding output, 1..L the layers, -1 the last
///     pooling: first    # a word's vector from its subwords: first, mean or first_last
///     dropout: null     # dropout inside the transformer; null = the model's config.json values
/// ```
/// The layers are checked against the model's `config.json` when the data is loaded.
public struct TransformerConfig: Codable, Equatable {
    /// The model folder, as written; `nil` = no transformer.
    public var path: String?
    /// Train the transformer's parameters with the taggers.
    public var fineTune = true
    /// Hidden-state indices to average (negative counts from the last layer).
    public var layers = [-1]
    /// Subword pooling per word.
    public var pooling = SubwordPooling.first
    /// Dropout on the transformer's hidden states and attention probabilities; `nil` keeps the model's.
    public var dropout: Double?

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case path, fineTune = "fine_tune", layers, pooling, dropout
    }
}

extension TransformerConfig: ConfigSection {
    static let defaults = TransformerConfig()

    func validate(_ rules: ConfigRules<CodingKeys>) throws {
        try rules.path(.path, path, allowed: "a model folder, or null for no transformer",
                       hint: "set \(rules.keyPath(.path)) to a folder holding config.json, vocab.txt and model.safetensors (launch/fetch-minilm.sh makes one), or null.")
        try rules.check(!layers.isEmpty && layers.count <= 64, .layers, found: "\(layers)", allowed: "1 to 64 layer indices",
                        hint: "set \(rules.keyPath(.layers)) to a list such as [-1] (the last layer) or [-1, -2, -3, -4].")
        try rules.number(.dropout, dropout, .probability, hint: "set \(rules.keyPath(.dropout)) to a number in [0, 1), or null for the model's own.")
    }
}
