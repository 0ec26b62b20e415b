import Foundation

extension PretrainedBert {
    /// Writes a Hugging Face model folder that `PretrainedBert(folder:)`, transformers'
    /// `BertModel.from_pretrained` and `BertTokenizer.from_pretrained` read: `config.json`,
    /// `vocab.txt`, `tokenizer_config.json` and `model.safetensors` (`tensors` under their original
    /// names). The folder must exist; each file is written through a temporary name, flushed and renamed.
    public static func write(config: BertConfig, tokenizer: BertTokenizer, tensors: [SafeTensorsFile.Tensor32], to folder: URL) throws {
        let configJSON: [String: Any] = [
            "architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu",
            "position_embedding_type": "absolute",
            "vocab_size": config.vocabularySize, "hidden_size": config.hiddenSize,
            "num_hidden_layers": config.layerCount, "num_attention_heads": config.headCount,
            "intermediate_size": config.intermediateSize, "max_position_embeddings": config.maxPositions,
            "type_vocab_size": config.typeVocabularySize, "layer_norm_eps": Double(config.layerNormEps),
            "hidden_dropout_prob": Double(config.hiddenDropout),
            "attention_probs_dropout_prob": Double(config.attentionDropout),
            "pad_token_id": Int(tokenizer.paddingID),
        ]
        let tokenizerJSON: [String: Any] = [
            "tokenizer_class": "BertTokenizer", "do_lower_case": tokenizer.basic.lowercase,
            "strip_accents": tokenizer.basic.stripAccents, "tokenize_chinese_chars": tokenizer.basic.splitCJK,
            "model_max_length": config.maxPositions,
        ]
        let vocabulary = Data(tokenizer.vocabulary.tokens.map { $0 + "\n" }.joined().utf8)
        for (name, data) in [("config.json", try JSONSerialization.data(withJSONObject: configJSON, options: [.prettyPrinted, .sortedKeys])),
                             ("tokenizer_config.json", try JSONSerialization.data(withJSONObject: tokenizerJSON, options: [.prettyPrinted, .sortedKeys])),
                             ("vocab.txt", vocabulary)] {
            try SafeTensorsFile.writeDurably(data, to: folder.appendingPathComponent(name))
        }
        try SafeTensorsFile.write(tensors, to: folder.appendingPathComponent("model.safetensors"))
    }
}
