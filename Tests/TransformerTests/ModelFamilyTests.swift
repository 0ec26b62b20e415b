import Autodiff
import Foundation
import TestSupport
import Transformer
import XCTest

/// RoBERTa, XLM-RoBERTa, CamemBERT (sharded), DistilBERT and ELECTRA against transformers: the tiny
/// random models of `make_tiny_models.py`, loaded by their Hugging Face names, give every hidden
/// state of transformers' padded batch within 1e-4; each exports back to a folder that reads in
/// equal (and that transformers' `AutoModel` loads, when a python with it is at hand); malformed
/// folders are refused naming the tensor or the key.
final class ModelFamilyTests: XCTestCase {
    struct Reference: Decodable {
        struct Sequence: Decodable {
            let input_ids: [Int32]
            let hidden_states: [[[Float]]]
        }
        let bos: Int32
        let eos: Int32
        let pad: Int32
        let sequences: [Sequence]
    }

    static let families = ["roberta", "xlm-roberta", "camembert", "distilbert", "electra"]

    func folder(_ family: String) throws -> URL { try Fixtures.url("tiny-models/\(family)") }

    func load(_ folder: URL, store: ParameterStore = ParameterStore()) throws -> BertModel {
        var rng = SplitMix64(seed: 1)
        return try PretrainedEncoder(folder: folder).load(name: "encoder.transformer", site: 1000, store: store, rng: &rng)
    }

    /// The largest |difference| between `model`'s hidden states and transformers' over the batch.
    func worstDifference(_ model: BertModel, _ reference: Reference) -> Float {
        let ids = reference.sequences.flatMap(\.input_ids), lengths = reference.sequences.map(\.input_ids.count)
        let states = model(ids, lengths: lengths, keys: [UInt64](repeating: 0, count: lengths.count), training: false, tape: nil)
        let c = model.config.hiddenSize
        var row = 0, worst: Float = 0
        for (b, s) in reference.sequences.enumerated() {
            XCTAssertEqual(states.count, s.hidden_states.count, "embeddings + layers")
            for (layer, expected) in s.hidden_states.enumerated() {
                let got = states[layer].scalars[(row * c)..<((row + lengths[b]) * c)]
                for (g, w) in zip(got, expected.joined()) { worst = max(worst, abs(g - w)) }
            }
            row += lengths[b]
        }
        return worst
    }

    func testEveryFamilysHiddenStatesMatchTransformers() throws {
        let references = try Fixtures.json([String: Reference].self, "tiny-models/hidden-states.json")
        for family in Self.families {
            let reference = try XCTUnwrap(references[family])
            let model = try load(folder(family))
            XCTAssertEqual(model.config.family.rawValue, family)
            let worst = worstDifference(model, reference)
            print("parity \(family): max |Swift − transformers| = \(worst) over every hidden state")
            XCTAssertLessThan(worst, 1e-4, family)
        }
    }

    func testFamiliesReadTheirLayouts() throws {
        let roberta = try PretrainedEncoder(folder: folder("roberta")).config
        XCTAssertEqual(roberta.paddingIndex, 1)
        XCTAssertEqual(roberta.positionOffset, 2)
        XCTAssertEqual(roberta.maxSequenceLength, 16, "18 positions past pad_token_id + 1")
        XCTAssertEqual(roberta.typeVocabularySize, 1)
        let distil = try PretrainedEncoder(folder: folder("distilbert")).config
        XCTAssertEqual([distil.hiddenSize, distil.layerCount, distil.headCount, distil.intermediateSize, distil.typeVocabularySize],
                       [32, 2, 4, 64, 0])
        XCTAssertEqual(distil.maxSequenceLength, 16)
        let electra = try PretrainedEncoder(folder: folder("electra")).config
        XCTAssertEqual([electra.embeddingSize, electra.hiddenSize], [16, 32])
        let model = try load(folder("electra"))
        XCTAssertEqual(model.embeddingProjection?.parameters.map(\.name),
                       ["encoder.transformer.embeddings_project.weight", "encoder.transformer.embeddings_project.bias"])
        let distilModel = try load(folder("distilbert"))
        XCTAssertTrue(distilModel.parameters.contains { $0.name == "encoder.transformer.transformer.layer.1.attention.q_lin.weight" })
        XCTAssertNil(distilModel.embeddings.types)
    }

    /// A BERT config saves to model.json with exactly the keys it always had; the new families'
    /// fields round-trip.
    func testConfigCodingKeepsBertsKeys() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let bert = try PretrainedBert(folder: Fixtures.tinyBert).config
        let keys = try XCTUnwrap(JSONSerialization.jsonObject(with: encoder.encode(bert)) as? [String: Any]).keys.sorted()
        XCTAssertEqual(keys, ["attentionDropout", "headCount", "hiddenDropout", "hiddenSize", "intermediateSize", "layerCount",
                              "layerNormEps", "maxPositions", "typeVocabularySize", "vocabularySize"])
        XCTAssertEqual(try JSONDecoder().decode(BertConfig.self, from: encoder.encode(bert)), bert)
        for family in Self.families {
            let config = try PretrainedEncoder(folder: folder(family)).config
            XCTAssertEqual(try JSONDecoder().decode(BertConfig.self, from: encoder.encode(config)), config, family)
        }
    }

    // MARK: export

    /// Each family exported (config.json + model.safetensors under the original names) reads back
    /// as the same config and the same parameters.
    func testExportReadsBackEqual() throws {
        for family in Self.families {
            let store = ParameterStore()
            let model = try load(folder(family), store: store)
            let out = try temporaryDirectory()
            try PretrainedEncoder.write(config: model.config, paddingID: model.config.paddingIndex,
                                        tensors: PretrainedEncoder.tensors(of: model, in: store), to: out)
            let again = ParameterStore()
            let reloaded = try load(out, store: again)
            XCTAssertEqual(reloaded.config, model.config, family)
            for (p, q) in zip(model.parameters, reloaded.parameters) {
                XCTAssertEqual(p.name, q.name)
                XCTAssertEqual(store.scalars(of: p), again.scalars(of: q), "\(family) \(p.name)")
            }
        }
    }

    /// transformers' `AutoModel.from_pretrained` loads each export and computes the hidden states
    /// the original folder gives. Skips unless MTL_DIST_PYTHON (default /usr/bin/python3) imports
    /// torch and transformers.
    func testTransformersLoadsTheExports() throws {
        let python = ProcessInfo.processInfo.environment["MTL_DIST_PYTHON"] ?? "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python),
              let probe = try? ProcessRun([python, "-c", "import torch, transformers"], timeout: 120), probe.status == 0 else {
            throw XCTSkip("\(python) has no torch/transformers (MTL_DIST_PYTHON=path to a python that has them)")
        }
        var pairs: [String] = []
        for family in Self.families {
            let store = ParameterStore()
            let model = try load(folder(family), store: store)
            let out = try temporaryDirectory()
            try PretrainedEncoder.write(config: model.config, paddingID: model.config.paddingIndex,
                                        tensors: PretrainedEncoder.tensors(of: model, in: store), to: out)
            pairs += [try folder(family).path, out.path]
        }
        let script = """
        import sys, torch
        from transformers import AutoModel
        args = sys.argv[1:]
        for original, export in zip(args[::2], args[1::2]):
            a = AutoModel.from_pretrained(original).eval()
            b, info = AutoModel.from_pretrained(export, output_loading_info=True)
            b.eval()
            missing = [k for k in info["missing_keys"] if "pooler" not in k]
            assert not missing and not info["unexpected_keys"], (export, info)
            assert type(a) is type(b), (type(a), type(b))
            ids = torch.tensor([[a.config.pad_token_id + 5, 11, 12, 13, 14, 15]])
            with torch.no_grad():
                ha = a(input_ids=ids, output_hidden_states=True).hidden_states
                hb = b(input_ids=ids, output_hidden_states=True).hidden_states
            worst = max(float((x - y).abs().max()) for x, y in zip(ha, hb))
            print(type(b).__name__, worst)
            assert worst == 0.0, worst
        """
        let run = try ProcessRun([python, "-c", script] + pairs, timeout: 300)
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.stdout.split(separator: "\n").count, Self.families.count, run.stdout)
    }

    // MARK: malformed folders

    /// A copy of `family`'s folder whose weights are `edit`ed (a single model.safetensors).
    func edited(_ family: String, config: ((String) -> String)? = nil,
                tensors edit: ([SafeTensorsFile.Tensor32]) -> [SafeTensorsFile.Tensor32] = { $0 }) throws -> URL {
        let source = try folder(family)
        let weights = try SafeTensorsWeights(folder: source)
        let tensors = try weights.names.map { name -> SafeTensorsFile.Tensor32 in
            var values = [Float](repeating: 0, count: weights.entries[name]!.count)
            try values.withUnsafeMutableBufferPointer { try weights.read(name, into: $0) }
            return SafeTensorsFile.Tensor32(name: name, shape: weights.entries[name]!.shape, values: values)
        }
        let dir = try temporaryDirectory()
        var text = try String(contentsOf: source.appendingPathComponent("config.json"), encoding: .utf8)
        if let config { text = config(text) }
        try text.write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        try SafeTensorsFile.write(edit(tensors), to: dir.appendingPathComponent("model.safetensors"))
        return dir
    }

    func loadError(_ folder: URL) -> String {
        do { _ = try load(folder); return "no error" } catch { return "\(error)" }
    }

    func testMalformedFoldersAreRefusedNamingTheProblem() throws {
        let misshapen = try edited("distilbert", tensors: { ts in
            ts.map { $0.name == "transformer.layer.0.ffn.lin1.weight" ? SafeTensorsFile.Tensor32(name: $0.name, shape: [32, 64], values: $0.values) : $0 }
        })
        XCTAssertTrue(loadError(misshapen).contains("tensor 'transformer.layer.0.ffn.lin1.weight' has shape [32, 64], config.json implies [64, 32]"),
                      loadError(misshapen))
        let missing = try edited("electra", tensors: { $0.filter { $0.name != "embeddings_project.weight" } })
        XCTAssertTrue(loadError(missing).contains("missing tensor 'embeddings_project.weight' of shape [32, 16]"), loadError(missing))
        let extra = try edited("roberta", tensors: { $0 + [SafeTensorsFile.Tensor32(name: "classifier.dense.weight", shape: [2], values: [0, 0])] })
        XCTAssertTrue(loadError(extra).contains("unexpected tensor 'classifier.dense.weight'"), loadError(extra))
        // a published checkpoint's pretraining head and prefix are accepted
        let withHead = try edited("roberta", tensors: { ts in
            ts.map { SafeTensorsFile.Tensor32(name: "roberta." + $0.name, shape: $0.shape, values: $0.values) }
                + [SafeTensorsFile.Tensor32(name: "lm_head.bias", shape: [100], values: [Float](repeating: 0, count: 100))]
        })
        XCTAssertEqual(loadError(withHead), "no error")
        for (family, prefix, head) in [("distilbert", "distilbert.", "vocab_projector.bias"), ("electra", "electra.", "discriminator_predictions.dense_prediction.bias")] {
            let published = try edited(family, tensors: { ts in
                ts.map { SafeTensorsFile.Tensor32(name: prefix + $0.name, shape: $0.shape, values: $0.values) }
                    + [SafeTensorsFile.Tensor32(name: head, shape: [1], values: [0])]
            })
            XCTAssertEqual(loadError(published), "no error", family)
        }
        // another family's head is not one of these
        let foreign = try edited("electra", tensors: { $0 + [SafeTensorsFile.Tensor32(name: "lm_head.bias", shape: [1], values: [0])] })
        XCTAssertTrue(loadError(foreign).contains("unexpected tensor 'lm_head.bias'"), loadError(foreign))
        let configCases: [(String, String, String, String)] = [
            ("roberta", "\"model_type\": \"roberta\"", "\"model_type\": \"deberta-v2\"", "'model_type': expected one of \"bert\", \"roberta\""),
            ("electra", "\"hidden_act\": \"gelu\"", "\"hidden_act\": \"gelu_new\"", "'hidden_act': expected \"gelu\", found gelu_new"),
            ("roberta", "\"position_embedding_type\": \"absolute\"", "\"position_embedding_type\": \"relative_key\"",
             "'position_embedding_type': expected \"absolute\", found relative_key"),
            ("distilbert", "\"activation\": \"gelu\"", "\"activation\": \"relu\"", "'activation': expected \"gelu\", found relu"),
            ("distilbert", "\"sinusoidal_pos_embds\": false", "\"sinusoidal_pos_embds\": true", "'sinusoidal_pos_embds': expected false"),
            ("distilbert", "\"n_layers\": 2", "\"n_layers\": 1000", "'n_layers': expected an integer in 1...128, found 1000"),
            ("roberta", "\"pad_token_id\": 1", "\"pad_token_id\": 15", "'pad_token_id': 15 leaves 2 of max_position_embeddings 18 positions"),
            ("roberta", "\"pad_token_id\": 1", "\"pad_token_id\": 100", "'pad_token_id': expected an integer in 0...99, found 100"),
            ("electra", "\"embedding_size\": 16", "\"embedding_size\": 1e9", "'embedding_size': expected an integer in 1...8192"),
            ("electra", "\"embedding_size\": 16", "\"embedding_size\": 24", "tensor 'embeddings.word_embeddings.weight' has shape [177, 16], config.json implies [177, 24]"),
        ]
        for (family, from, to, expected) in configCases {
            let dir = try edited(family, config: {
                XCTAssertTrue($0.contains(from), "\(family) config.json lacks \(from)")
                return $0.replacingOccurrences(of: from, with: to)
            })
            XCTAssertTrue(loadError(dir).contains(expected), "\(to): expected '\(expected)', got '\(loadError(dir))'")
        }
    }

    func testShardedCheckpointsAreCheckedAgainstTheirIndex() throws {
        let source = try folder("camembert")
        XCTAssertNoThrow(try SafeTensorsWeights(folder: source))
        let dir = try temporaryDirectory()
        for f in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.copyItem(at: source.appendingPathComponent(f), to: dir.appendingPathComponent(f))
        }
        let index = dir.appendingPathComponent("model.safetensors.index.json")
        let text = try String(contentsOf: index, encoding: .utf8)
        XCTAssertEqual(loadError(dir), "no error")
        // a tensor mapped to a shard that lacks it
        let moved = text.replacingOccurrences(of: "\"embeddings.LayerNorm.bias\": \"model-00001-of-00003.safetensors\"",
                                              with: "\"embeddings.LayerNorm.bias\": \"model-00003-of-00003.safetensors\"")
        XCTAssertNotEqual(moved, text, "the fixture's index maps embeddings.LayerNorm.bias to shard 1")
        try moved.write(to: index, atomically: true, encoding: .utf8)
        XCTAssertTrue(loadError(dir).contains("'weight_map.embeddings.LayerNorm.bias': names shard model-00003-of-00003.safetensors, which does not hold it"),
                      loadError(dir))
        // a shard outside the folder
        try text.replacingOccurrences(of: "\"model-00002-of-00003.safetensors\"", with: "\"../model-00002-of-00003.safetensors\"")
            .write(to: index, atomically: true, encoding: .utf8)
        XCTAssertTrue(loadError(dir).contains("expected a file name in this folder ending in .safetensors"), loadError(dir))
        // a missing shard
        try text.write(to: index, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("model-00002-of-00003.safetensors"))
        XCTAssertTrue(loadError(dir).contains("model-00002-of-00003.safetensors: cannot read"), loadError(dir))
    }

    /// DistilBERT and ELECTRA folders carry a WordPiece vocab.txt: the word-vector encoder reads
    /// them whole, and a word's vector is its first subword's row of the last layer.
    func testDistilBertAndElectraEncodeWordsWithTheirVocabulary() throws {
        for family in ["distilbert", "electra"] {
            let encoder = try WordVectorEncoder(folder: folder(family), layers: [-1], pooling: .first)
            let t = encoder.bert.tokenizer
            let sentence = encoder.bert.tokenizer.subwords(words: ["the", "quick", "fox"])
            let ids = [t.classID] + sentence.ids + [t.separatorID]
            let last = encoder.embeddings.model(ids, lengths: [ids.count], keys: [0], training: false, tape: nil).last!
            var lines: [String] = []
            try encoder.encode([["the", "quick", "fox"]], batchSize: 1) { lines.append($0) }
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
            let vectors = try XCTUnwrap(json["vectors"] as? [[Double]])
            XCTAssertEqual(vectors.count, 3, family)
            let c = encoder.embeddings.model.config.hiddenSize
            let row = 1 + sentence.wordStarts[1]
            assertClose(vectors[1].map(Float.init), Array(last.scalars[(row * c)..<((row + 1) * c)]), atol: 1e-6, rtol: 0, family)
        }
    }

    /// The tokenizer-free path a RoBERTa tokenizer plugs into: subword ids and the model's `<s>`
    /// and `</s>` from outside, packed (`packing(classID:separatorID:)`) and pooled per word, give
    /// transformers' last layer at each subword (one word a subword here).
    func testRobertaWordVectorsFromIdsAndSpecialIds() throws {
        let references = try Fixtures.json([String: Reference].self, "tiny-models/hidden-states.json")
        for family in ["roberta", "xlm-roberta", "camembert"] {
            let reference = try XCTUnwrap(references[family])
            let embeddings = try TransformerWordEmbeddings(model: load(folder(family)), layers: [-1], pooling: .first)
            let sentences = reference.sequences.map { s in
                SubwordSentence(ids: Array(s.input_ids.dropFirst().dropLast()), wordStarts: Array(0...(s.input_ids.count - 2)))
            }
            let batch = SubwordBatch(sentences: sentences, rowKeys: [UInt64](repeating: 0, count: sentences.count),
                                     packing: embeddings.packing(classID: reference.bos, separatorID: reference.eos))
            XCTAssertEqual(batch.ids, reference.sequences.flatMap(\.input_ids), "\(family): <s> subwords </s>, 16 positions hold the longest")
            let vectors = embeddings(batch, training: false, tape: nil).scalars
            let expected = reference.sequences.flatMap { $0.hidden_states.last!.dropFirst().dropLast().joined() }
            assertClose(vectors, expected, atol: 1e-4, rtol: 0, family)
        }
    }

    /// A RoBERTa-family folder reads its tokenizer.json; without one it is refused (a WordPiece
    /// vocab.txt would feed a BPE or Unigram model wrong ids).
    func testTheRobertaFamilyNeedsItsTokenizerJSON() throws {
        XCTAssertNoThrow(try PretrainedBert(folder: folder("xlm-roberta")))
        let source = try folder("xlm-roberta")
        let dir = try temporaryDirectory()
        for f in try FileManager.default.contentsOfDirectory(atPath: source.path) where f != "tokenizer.json" {
            try FileManager.default.copyItem(at: source.appendingPathComponent(f), to: dir.appendingPathComponent(f))
        }
        try FileManager.default.copyItem(at: Fixtures.tinyBert.appendingPathComponent("vocab.txt"), to: dir.appendingPathComponent("vocab.txt"))
        XCTAssertThrowsError(try PretrainedBert(folder: dir)) { error in
            XCTAssertTrue("\(error)".contains("'model_type': \"xlm-roberta\" needs its tokenizer.json (BPE or Unigram), which the folder lacks"), "\(error)")
        }
    }
}
