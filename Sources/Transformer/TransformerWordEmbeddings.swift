import Autodiff
import Foundation
import Layers

/// Word vectors from a pretrained BERT-family encoder, as Flair's `TransformerWordEmbeddings`
/// makes them: each sentence's words are tokenised on their own, cut into windows when longer
/// than the model's positions (`SubwordWindows`), encoded, and each word's vector is pooled from
/// its subwords (`pooling`) in one layer, or the mean or a learned mix (`mix`) of several (`layers`:
/// 0 is the embedding output, 1...L the encoder layers, negative counts from the end, so -1 is the
/// last layer).
public struct TransformerWordEmbeddings: Module {
    public let model: BertModel
    /// Hidden-state indices into `[embeddings, layer 1, ..., layer L]`, each in 0...L.
    public let layers: [Int]
    public let pooling: SubwordPooling
    /// The learned mix of the hidden states `layers` (one weight each, in their order); nil: their mean.
    /// Its parameters are not among `parameters` (the model's): they train even when the model is frozen.
    public let mix: ScalarMix?

    /// Checks `layers` (each in −(L+1)...L, no repeats) against the model.
    public init(model: BertModel, layers: [Int] = [-1], pooling: SubwordPooling = .first) throws {
        self.init(model: model, hiddenStates: try TransformerWordEmbeddings.hiddenStates(layers, layerCount: model.config.layerCount),
                  pooling: pooling)
    }

    /// Word vectors from the hidden states `hiddenStates` (each in 0...L, as `hiddenStates(_:layerCount:)`
    /// returns them), mixed by `mix` (one weight per hidden state) or averaged.
    public init(model: BertModel, hiddenStates: [Int], pooling: SubwordPooling, mix: ScalarMix? = nil) {
        precondition(!hiddenStates.isEmpty && hiddenStates.allSatisfy { (0...model.config.layerCount).contains($0) },
                     "hidden states \(hiddenStates) for \(model.config.layerCount) layers")
        precondition(mix.map { $0.count == hiddenStates.count } ?? true,
                     "a mix of \(mix?.count ?? 0) for \(hiddenStates.count) hidden states")
        self.model = model
        self.layers = hiddenStates
        self.pooling = pooling
        self.mix = mix
    }

    /// The hidden-state indices (0...L) of user layer indices (each in −(L+1)...L, no repeats).
    public static func hiddenStates(_ layers: [Int], layerCount count: Int) throws -> [Int] {
        guard !layers.isEmpty else { throw TransformerError.request("layers: give at least one layer index (-1 is the last)") }
        var resolved: [Int] = []
        for l in layers {
            guard l >= -(count + 1) && l <= count else {
                throw TransformerError.request("layers: \(l) is outside \(-(count + 1))...\(count) for a model of \(count) layers (0 is the embedding output, -1 the last layer)")
            }
            let index = l < 0 ? count + 1 + l : l
            guard !resolved.contains(index) else { throw TransformerError.request("layers: \(l) names hidden state \(index) twice") }
            resolved.append(index)
        }
        return resolved
    }

    public var parameters: [Parameter] { model.parameters }

    /// Width of one word vector.
    public var outputWidth: Int { pooling.width(modelWidth: model.config.hiddenSize) }

    /// Packs the subword sentences for the model; `rowKeys` has one dropout key per sentence.
    public func batch(_ sentences: [SubwordSentence], rowKeys: [UInt64], tokenizer: SubwordTokenizer) -> SubwordBatch {
        SubwordBatch(sentences: sentences, rowKeys: rowKeys, packing: packing(classID: tokenizer.classID, separatorID: tokenizer.separatorID))
    }

    /// How sentences are packed for this model by any tokenizer: each window `classID subwords
    /// separatorID` (BERT's [CLS] … [SEP], RoBERTa's `<s>` … `</s>`), at most
    /// `config.maxSequenceLength` long. The model never sees padding; the RoBERTa family's padding
    /// id is `config.paddingIndex` (config.json's `pad_token_id`), which its positions count past.
    public func packing(classID: Int32, separatorID: Int32) -> SubwordPacking {
        SubwordPacking(maxPositions: model.config.maxSequenceLength, classID: classID, separatorID: separatorID)
    }

    /// The word vectors of the batch, `[W, outputWidth]`, the words of sentence 0 first
    /// (`paddedSequences(lengths: batch.wordCounts, steps:)` lays them out as `[B, T, C']`).
    /// With `fineTune` false the model runs without `tape` and without dropout, and only the mix
    /// (when there is one) records on the tape.
    ///
    /// Only the rows the pooling reads are mixed, and the highest layer (when it is not the embedding
    /// output) computes only those rows, since nothing reads the others: [CLS], [SEP] and, with
    /// `first`, every subword after a word's first.
    public func callAsFunction(_ batch: SubwordBatch, training: Bool, tape: Tape?, fineTune: Bool = true) -> Tensor {
        let top = layers.max() ?? 0
        let read = pooling.rowsRead(rows: batch.subwordRows, starts: batch.wordStarts)
        let selection = top > 0 ? PackedRows(lengths: batch.lengths, rows: read) : nil
        let states = model(batch.ids, lengths: batch.lengths, keys: batch.keys, training: training && fineTune,
                           tape: fineTune ? tape : nil, through: top, lastRows: selection)
        // each chosen state at the rows `read` (the highest already has no others)
        let chosen = layers.map { l in l == top && selection != nil ? states[l] : states[l].selectingRows(read) }
        var x = chosen[0]
        if let mix {
            x = mix(chosen, tape: tape)
        } else if layers.count > 1 {
            for state in chosen.dropFirst() { x = x + state }
            x = x.scaled(by: 1 / Float(layers.count))
        }
        // subword row r of the batch is row position[r] of x
        var position = [Int](repeating: -1, count: batch.ids.count)
        for (i, r) in read.enumerated() { position[r] = i }
        return pooling.pool(x, rows: batch.subwordRows.map { position[$0] }, starts: batch.wordStarts)
    }
}

/// A Hugging Face model folder of a BERT-family encoder read with its tokenizer: `config.json`,
/// `tokenizer.json` or (BERT, DistilBERT, ELECTRA) a WordPiece `vocab.txt` (+ optional
/// `tokenizer_config.json`), and `model.safetensors` (or its shards). The model side is
/// `PretrainedEncoder`; this adds the tokenizer (`SubwordTokenizer`).
public struct PretrainedBert {
    public let folder: URL
    public let config: BertConfig
    public let tokenizer: SubwordTokenizer
    /// The model side: config and weights.
    public let encoder: PretrainedEncoder

    /// Reads and checks the configuration and the tokenizer (not yet the weights). The RoBERTa
    /// family (BPE or Unigram) needs `tokenizer.json`: a WordPiece `vocab.txt` alone is refused.
    public init(folder: URL) throws {
        encoder = try PretrainedEncoder(folder: folder)
        self.folder = folder
        config = encoder.config
        let hasJSON = FileManager.default.fileExists(atPath: folder.appendingPathComponent(JSONTokenizer.fileName).path)
        guard hasJSON || !config.family.isRoberta else {
            throw TransformerError.config(file: folder.appendingPathComponent("config.json").path, key: "model_type",
                                          problem: "\"\(config.family.rawValue)\" needs its tokenizer.json (BPE or Unigram), which the folder lacks; "
                                            + "save it with the model (tokenizer.save_pretrained) or convert it with transformers' AutoTokenizer")
        }
        tokenizer = try SubwordTokenizer(folder: folder)
        guard tokenizer.idCount <= config.vocabularySize else {
            throw TransformerError.vocabulary(file: folder.appendingPathComponent(tokenizer.fileName).path, line: nil,
                                              problem: "\(tokenizer.idCount) tokens, but config.json's vocab_size is \(config.vocabularySize): ids would fall outside the embedding table")
        }
    }

    /// The weights, checked against the config before anything is allocated (`PretrainedEncoder.checkedWeights`).
    public func checkedWeights(maxBytes: Double = Double(ProcessInfo.processInfo.physicalMemory)) throws -> SafeTensorsWeights {
        try encoder.checkedWeights(maxBytes: maxBytes)
    }

    /// Builds the model's parameters in `store` under `name` and fills them from the weights
    /// (checked first, see `checkedWeights`); its linear maps multiply at `precision`.
    public func load(name: String, hiddenDropout: Float? = nil, attentionDropout: Float? = nil,
                     precision: MatmulPrecision = .fp32, site: UInt64,
                     store: ParameterStore, rng: inout SplitMix64) throws -> BertModel {
        try encoder.load(name: name, hiddenDropout: hiddenDropout, attentionDropout: attentionDropout, precision: precision,
                         site: site, store: store, rng: &rng)
    }
}

extension TransformerWordEmbeddings {
    /// One sentence encoded for inspection (`mtl-dist encode`).
    public struct EncodedSentence {
        /// The subword strings of each word.
        public let subwords: [[String]]
        /// One vector per word, `outputWidth` floats each.
        public let vectors: [[Float]]
    }

    /// Encodes `sentences` (words each) in inference mode, `batchSize` sentences per forward pass,
    /// handing each result to `body` in order.
    public func encode(_ sentences: [[String]], tokenizer: SubwordTokenizer, batchSize: Int,
                       _ body: (EncodedSentence) throws -> Void) rethrows {
        precondition(batchSize > 0, "encode: batch size \(batchSize)")
        let width = outputWidth
        for start in stride(from: 0, to: sentences.count, by: batchSize) {
            let chunk = Array(sentences[start..<min(start + batchSize, sentences.count)])
            let subwords = chunk.map { tokenizer.subwords(words: $0) }
            let input = batch(subwords, rowKeys: [UInt64](repeating: 0, count: chunk.count), tokenizer: tokenizer)
            let vectors = self(input, training: false, tape: nil)
            let values = vectors.data
            var word = 0
            for s in subwords {
                let pieces = (0..<s.wordCount).map { w in
                    s.ids[s.wordStarts[w]..<s.wordStarts[w + 1]].map { tokenizer.token($0) }
                }
                let rows = (0..<s.wordCount).map { w in
                    Array(UnsafeBufferPointer(start: values + (word + w) * width, count: width))
                }
                word += s.wordCount
                try body(EncodedSentence(subwords: pieces, vectors: rows))
            }
        }
    }
}
