import Foundation

extension PretrainedBert {
    /// Writes a Hugging Face model folder that `PretrainedBert(folder:)`, transformers'
    /// `AutoModel.from_pretrained` (`BertModel`, `DistilBertModel`, `ElectraModel`) and
    /// `AutoTokenizer.from_pretrained` read: `config.json` (`PretrainedEncoder.configJSON`), the
    /// tokenizer (`tokenizer.json` as it was read, or `vocab.txt` and `tokenizer_config.json`) and
    /// `model.safetensors` (`tensors` under their original names). The folder must exist; each
    /// file is written through a temporary name, flushed and renamed.
    public static func write(config: BertConfig, tokenizer: SubwordTokenizer, tensors: [SafeTensorsFile.Tensor32], to folder: URL) throws {
        switch tokenizer {
        case let .wordPiece(t): try write(config: config, tokenizer: t, tensors: tensors, to: folder)
        case let .json(t):
            try SafeTensorsFile.writeDurably(Data(t.text.utf8), to: folder.appendingPathComponent(JSONTokenizer.fileName))
            try PretrainedEncoder.write(config: config, paddingID: Int(t.paddingID ?? 0), tensors: tensors, to: folder)
        }
    }

    /// The WordPiece form: `vocab.txt` and `tokenizer_config.json` for `BertTokenizer.from_pretrained`.
    static func write(config: BertConfig, tokenizer: BertTokenizer, tensors: [SafeTensorsFile.Tensor32], to folder: URL) throws {
        let tokenizerJSON: [String: Any] = [
            "tokenizer_class": "BertTokenizer", "do_lower_case": tokenizer.basic.lowercase,
            "strip_accents": tokenizer.basic.stripAccents, "tokenize_chinese_chars": tokenizer.basic.splitCJK,
            "model_max_length": config.maxSequenceLength,
        ]
        let vocabulary = Data(tokenizer.vocabulary.tokens.map { $0 + "\n" }.joined().utf8)
        for (name, data) in [("tokenizer_config.json", try JSONSerialization.data(withJSONObject: tokenizerJSON, options: [.prettyPrinted, .sortedKeys])),
                             ("vocab.txt", vocabulary)] {
            try SafeTensorsFile.writeDurably(data, to: folder.appendingPathComponent(name))
        }
        try PretrainedEncoder.write(config: config, paddingID: Int(tokenizer.paddingID), tensors: tensors, to: folder)
    }
}
