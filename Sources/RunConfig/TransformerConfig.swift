import Autodiff
import Transformer

/// A pretrained BERT-family transformer in the shared encoder (`encoder.transformer:` in YAML), as
/// Flair's `TransformerWordEmbeddings`: its word vectors come first in every token vector.
/// The layers are checked against the model's `config.json` when the data is loaded.
public struct TransformerConfig: Codable, Equatable {
    // The keys, in YAML order; what each means is in `meanings` below.
    public var path: String?
    public var fineTune = true
    public var layers = LayerSelection.indices([-1])
    public var layerMix = LayerMix.mean
    public var pooling = SubwordPooling.first
    public var dropout: Double?
    public var precision = MatmulPrecision.fp32

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case path, fineTune = "fine_tune", layers, layerMix = "layer_mix", pooling, dropout, precision
    }
}

extension TransformerConfig: ConfigSection {
    /// What each key means: the text `mtl-dist config reference` and docs/CONFIG.md print beside
    /// its type and default (the one place it is written).
    static let meanings: [CodingKeys: String] = [
        .path:
            "A Hugging Face model folder (config.json, vocab.txt, model.safetensors), relative to the config file's folder; `null` = no transformer.",
        .fineTune:
            "Train the transformer's parameters with the taggers; `false` freezes it (no gradient, not all-reduced).",
        .layers:
            "Hidden states read: a list (0 = the embedding output, 1..L the layers, negative counts from the last, -1) or `all` (0..L); checked against the model's config.json when the data is loaded.",
        .layerMix:
            "How the hidden states of `layers` combine: `mean`, or `learned` (softmax-normalised weights and a scale, ELMo's scalar mix, trained with the tasks even when the transformer is frozen).",
        .pooling:
            "A word's vector from its subwords: `first`, `mean` or `first_last`.",
        .dropout:
            "Dropout on the transformer's hidden states and attention probabilities; `null` keeps the model's config.json values.",
        .precision:
            "The arithmetic of the transformer's linear maps, forward and backward: `fp32`, or `bf16` (each operand rounded to bfloat16, float sums; weights, gradients and the optimizer stay float; 1.7-2x the speed of fp32 products on CPUs with AVX512_BF16, which run it as fp32 with a warning; `MTL_DIST_BF16=off` (or 0, false, no) in the environment forces fp32).",
    ]
    static let defaults = TransformerConfig()

    func validate(_ rules: ConfigRules<CodingKeys>) throws {
        try rules.path(.path, path, allowed: "a model folder, or null for no transformer",
                       hint: "set \(rules.keyPath(.path)) to a folder holding config.json, vocab.txt and model.safetensors (launch/fetch-minilm.sh makes one), or null.")
        try rules.check(layers.indexCount.map { (1...64).contains($0) } ?? true, .layers, found: "\(layers)", allowed: "1 to 64 layer indices, or all",
                        hint: "set \(rules.keyPath(.layers)) to a list such as [-1] (the last layer) or [-1, -2, -3, -4].")
        try rules.number(.dropout, dropout, .probability, hint: "set \(rules.keyPath(.dropout)) to a number in [0, 1), or null for the model's own.")
    }
}
