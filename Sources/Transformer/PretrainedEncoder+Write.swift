import Autodiff
import Foundation

extension PretrainedEncoder {
    /// The `config.json` of `config` as transformers writes it for its family (`BertConfig`,
    /// `RobertaConfig`, `XLMRobertaConfig`, `CamembertConfig`, `DistilBertConfig`, `ElectraConfig`),
    /// with `pad_token_id` `paddingID`: `AutoModel.from_pretrained` builds the same model from it,
    /// and `BertConfig(contentsOf:)` reads it back equal.
    public static func configJSON(_ config: BertConfig, paddingID: Int) -> [String: Any] {
        let c = config
        switch c.family {
        case .distilbert:
            return ["architectures": ["DistilBertModel"], "model_type": "distilbert", "activation": "gelu",
                    "sinusoidal_pos_embds": false,
                    "vocab_size": c.vocabularySize, "dim": c.hiddenSize, "n_layers": c.layerCount, "n_heads": c.headCount,
                    "hidden_dim": c.intermediateSize, "max_position_embeddings": c.maxPositions,
                    "dropout": Double(c.hiddenDropout), "attention_dropout": Double(c.attentionDropout),
                    "pad_token_id": paddingID]
        case .bert, .roberta, .xlmRoberta, .camembert, .electra:
            let architecture = ["bert": "BertModel", "roberta": "RobertaModel", "xlm-roberta": "XLMRobertaModel",
                                "camembert": "CamembertModel", "electra": "ElectraModel"][c.family.rawValue]!
            var json: [String: Any] = [
                "architectures": [architecture], "model_type": c.family.rawValue, "hidden_act": "gelu",
                "position_embedding_type": "absolute",
                "vocab_size": c.vocabularySize, "hidden_size": c.hiddenSize,
                "num_hidden_layers": c.layerCount, "num_attention_heads": c.headCount,
                "intermediate_size": c.intermediateSize, "max_position_embeddings": c.maxPositions,
                "type_vocab_size": c.typeVocabularySize, "layer_norm_eps": Double(c.layerNormEps),
                "hidden_dropout_prob": Double(c.hiddenDropout),
                "attention_probs_dropout_prob": Double(c.attentionDropout),
                "pad_token_id": c.family.isRoberta ? c.paddingIndex : paddingID,
            ]
            if c.family == .electra { json["embedding_size"] = c.embeddingSize }
            return json
        }
    }

    /// Writes the model side of a Hugging Face folder: `config.json` (`configJSON`) and
    /// `model.safetensors` (`tensors` under their original names), each through a temporary name,
    /// flushed and renamed. The folder must exist; the tokenizer's files are the caller's.
    public static func write(config: BertConfig, paddingID: Int, tensors: [SafeTensorsFile.Tensor32], to folder: URL) throws {
        let json = try JSONSerialization.data(withJSONObject: configJSON(config, paddingID: paddingID), options: [.prettyPrinted, .sortedKeys])
        try SafeTensorsFile.writeDurably(json, to: folder.appendingPathComponent("config.json"))
        try SafeTensorsFile.write(tensors, to: folder.appendingPathComponent("model.safetensors"))
    }

    /// The tensors of `model`'s parameters in `store`, under their original names.
    public static func tensors(of model: BertModel, in store: ParameterStore) -> [SafeTensorsFile.Tensor32] {
        model.parameters.map { SafeTensorsFile.Tensor32(name: model.originalName(of: $0), shape: $0.shape.dims, values: store.scalars(of: $0)) }
    }
}
