import Autodiff
import Foundation
import TestSupport
import Transformer
import XCTest

/// The tiny random BERT against transformers' `BertModel`: every hidden state of a padded batch
/// within 1e-5, a sentence longer than the positions through windows, and the loader refusing
/// missing, unexpected and misshapen tensors by name.
final class BertModelTests: XCTestCase {
    struct Reference: Decodable {
        struct Sentence: Decodable {
            let words: [String]
            let input_ids: [Int32]
            let hidden_states: [[[Float]]]
        }
        struct Long: Decodable {
            let words: [String]
            let subword_ids: [Int32]
            let windows: [[Int]]
            let owner: [Int]
            let last_layer: [[Float]]
        }
        let batch: [Sentence]
        let long: Long
    }

    func loadTiny(store: ParameterStore = ParameterStore()) throws -> (PretrainedBert, BertModel) {
        let folder = try PretrainedBert(folder: Fixtures.tinyBert)
        var rng = SplitMix64(seed: 1)
        let model = try folder.load(name: "encoder.transformer", site: 1000, store: store, rng: &rng)
        return (folder, model)
    }

    /// A model built with `precision: .bf16` multiplies its linear maps in bf16: its last layer stays
    /// near transformers' (inputs rounded to 8 significant bits) but differs from fp32's; a model's
    /// precision holds whatever scope its caller runs it in.
    func testAModelsPrecisionIsItsOwnWhateverTheCallersScope() throws {
        let reference = try Fixtures.json(Reference.self, "hidden-states.json")
        let (folder, fp32) = try loadTiny()
        var rng = SplitMix64(seed: 1)
        let bf16 = try folder.load(name: "encoder.transformer", precision: .bf16, site: 1000, store: ParameterStore(), rng: &rng)
        let t = folder.tokenizer
        let sequences = reference.batch.map { [t.classID] + t.subwords(words: $0.words).ids + [t.separatorID] }
        let ids = sequences.flatMap { $0 }, lengths = sequences.map(\.count), keys = [UInt64](repeating: 0, count: lengths.count)
        func last(_ model: BertModel) -> [Float] { model(ids, lengths: lengths, keys: keys, training: false, tape: nil).last!.scalars }
        let plain = last(fp32)
        XCTAssertEqual(MatmulPrecision.$current.withValue(.bf16) { last(fp32) }, plain, "an fp32 model in a bf16 scope")
        let rounded = MatmulPrecision.$current.withValue(.fp32) { last(bf16) }
        let difference = zip(rounded, plain).map { abs($0 - $1) }.max() ?? 0
        if MatmulPrecision.bf16Available {
            XCTAssertGreaterThan(difference, 1e-4, "the bf16 model computed in fp32")
            XCTAssertLessThan(difference, 0.1, "the bf16 model is far from fp32's (LayerNorm'd states of about unit size)")
        } else {
            XCTAssertEqual(rounded, plain, "without AVX512_BF16 a bf16 model runs as fp32")
        }
    }

    func testHiddenStatesOfAPaddedBatchMatchTransformers() throws {
        let reference = try Fixtures.json(Reference.self, "hidden-states.json")
        let (folder, model) = try loadTiny()
        let sentences = reference.batch.map { folder.tokenizer.subwords(words: $0.words) }
        let t = folder.tokenizer
        var ids: [Int32] = [], lengths: [Int] = []
        for (s, r) in zip(sentences, reference.batch) {
            let sequence = [t.classID] + s.ids + [t.separatorID]
            XCTAssertEqual(sequence, r.input_ids, "ids of \(r.words)")
            ids += sequence
            lengths.append(sequence.count)
        }
        let states = model(ids, lengths: lengths, keys: [UInt64](repeating: 0, count: lengths.count), training: false, tape: nil)
        XCTAssertEqual(states.count, 3, "embeddings + 2 layers")
        var row = 0, worst: Float = 0
        for (b, r) in reference.batch.enumerated() {
            for (layer, expected) in r.hidden_states.enumerated() {
                let got = Array(states[layer].scalars[(row * 32)..<((row + lengths[b]) * 32)])
                let want = expected.flatMap { $0 }
                assertClose(got, want, atol: 1e-5, rtol: 0, "sentence \(b) hidden state \(layer)")
                worst = max(worst, zip(got, want).map { abs($0 - $1) }.max() ?? 0)
            }
            row += lengths[b]
        }
        XCTAssertLessThan(worst, 1e-5)
    }

    func testASentenceLongerThanThePositionsIsWindowedNotTruncated() throws {
        let reference = try Fixtures.json(Reference.self, "hidden-states.json").long
        let (folder, model) = try loadTiny()
        let sentence = folder.tokenizer.subwords(words: reference.words)
        XCTAssertEqual(sentence.ids, reference.subword_ids)
        XCTAssertGreaterThan(sentence.ids.count, 62, "longer than 64 positions − [CLS] − [SEP]")
        let (windows, owner) = SubwordWindows.cut(count: sentence.ids.count, capacity: 62)
        XCTAssertEqual(windows.map { [$0.lowerBound, $0.upperBound] }, reference.windows)
        XCTAssertEqual(owner, reference.owner)
        // the last layer at every subword, read back from its window, then pooled as `first` per word
        let embeddings = try TransformerWordEmbeddings(model: model)
        let batch = embeddings.batch([sentence], rowKeys: [5], tokenizer: folder.tokenizer)
        XCTAssertEqual(batch.lengths, windows.map { $0.count + 2 })
        let states = model(batch.ids, lengths: batch.lengths, keys: batch.keys, training: false, tape: nil)
        let last = states[2]
        for (i, expected) in reference.last_layer.enumerated() {
            let r = batch.subwordRows[i]
            assertClose(Array(last.scalars[(r * 32)..<((r + 1) * 32)]), expected, atol: 1e-5, rtol: 0, "subword \(i)")
        }
        let words = embeddings(batch, training: false, tape: nil)
        XCTAssertEqual(words.shape, [reference.words.count, 32], "one vector per word, none dropped")
        for w in [0, reference.words.count / 2, reference.words.count - 1] {
            let first = sentence.wordStarts[w]
            assertClose(Array(words.scalars[(w * 32)..<((w + 1) * 32)]), reference.last_layer[first], atol: 1e-5, rtol: 0, "word \(w)")
        }
    }

    func testWindowsCoverEverySubwordWithContext() {
        for n in [0, 1, 10, 11, 12, 25, 100] {
            let (windows, owner) = SubwordWindows.cut(count: n, capacity: 10)
            XCTAssertTrue(windows.allSatisfy { $0.count <= 10 && $0.lowerBound >= 0 && $0.upperBound <= n })
            for i in 0..<n {
                let w = windows[owner[i]]
                XCTAssertTrue(w.contains(i))
                if n > 10 {
                    // at least W/4 = 2 subwords of context on each side unless the sentence ends first
                    XCTAssertTrue(i - w.lowerBound >= min(i, 2) && w.upperBound - 1 - i >= min(n - 1 - i, 2), "n \(n) subword \(i) in \(w)")
                }
            }
        }
    }

    // MARK: loading

    /// The tiny model's tensors, to be edited and written back.
    func tinyTensors() throws -> [SafeTensorsFile.Tensor32] {
        let file = try SafeTensorsFile(url: Fixtures.url("tiny-bert/model.safetensors"))
        return try file.names.map { SafeTensorsFile.Tensor32(name: $0, shape: file.entries[$0]!.shape, values: try file.floats($0)) }
    }

    /// A copy of the tiny model folder with `tensors` as its weights.
    func folder(with tensors: [SafeTensorsFile.Tensor32]) throws -> URL {
        let dir = try temporaryDirectory()
        for f in ["config.json", "vocab.txt", "tokenizer_config.json"] {
            try FileManager.default.copyItem(at: Fixtures.url("tiny-bert/\(f)"), to: dir.appendingPathComponent(f))
        }
        try SafeTensorsFile.write(tensors, to: dir.appendingPathComponent("model.safetensors"))
        return dir
    }

    func loadError(_ folder: URL) -> TransformerError? {
        do {
            var rng = SplitMix64(seed: 1)
            _ = try PretrainedBert(folder: folder).load(name: "t", site: 0, store: ParameterStore(), rng: &rng)
            return nil
        } catch { return error as? TransformerError }
    }

    func testLoadsEveryParameterAndNamesMatchTheCheckpoint() throws {
        let store = ParameterStore()
        let (_, model) = try loadTiny(store: store)
        let file = try SafeTensorsFile(url: Fixtures.url("tiny-bert/model.safetensors"))
        XCTAssertEqual(model.parameters.count, 5 + 2 * 16)
        for p in model.parameters {
            let name = model.originalName(of: p)
            XCTAssertEqual(store.scalars(of: p), try file.floats(name), name)
        }
        let unused = Set(file.names).subtracting(model.parameters.map { model.originalName(of: $0) })
        XCTAssertEqual(unused, ["pooler.dense.weight", "pooler.dense.bias"])
    }

    func testAcceptsBertPrefixAndGammaBetaNames() throws {
        let renamed = try tinyTensors().map { t -> SafeTensorsFile.Tensor32 in
            var name = "bert." + t.name
            if name.hasSuffix("LayerNorm.weight") { name = String(name.dropLast(6)) + "gamma" }
            if name.hasSuffix("LayerNorm.bias") { name = String(name.dropLast(4)) + "beta" }
            return SafeTensorsFile.Tensor32(name: name, shape: t.shape, values: t.values)
        }
        let dir = try folder(with: renamed)
        var rng = SplitMix64(seed: 1)
        let store = ParameterStore()
        let model = try PretrainedBert(folder: dir).load(name: "", site: 0, store: store, rng: &rng)
        let original = try SafeTensorsFile(url: Fixtures.url("tiny-bert/model.safetensors"))
        for p in model.parameters { XCTAssertEqual(store.scalars(of: p), try original.floats(p.name), p.name) }
    }

    func testRefusesMissingUnexpectedAndMisshapenTensors() throws {
        let tensors = try tinyTensors()
        let missing = try folder(with: tensors.filter { $0.name != "encoder.layer.1.attention.self.key.bias" })
        XCTAssertEqual(loadError(missing), .missingTensor(file: missing.appendingPathComponent("model.safetensors").path,
                                                          tensor: "encoder.layer.1.attention.self.key.bias", expectedShape: [32]))
        let extra = try folder(with: tensors + [SafeTensorsFile.Tensor32(name: "classifier.weight", shape: [2, 32], values: [Float](repeating: 0, count: 64))])
        XCTAssertEqual(loadError(extra), .unexpectedTensor(file: extra.appendingPathComponent("model.safetensors").path, tensor: "classifier.weight"))
        let misshapen = try folder(with: tensors.map {
            $0.name == "encoder.layer.0.intermediate.dense.weight" ? SafeTensorsFile.Tensor32(name: $0.name, shape: [32, 64], values: $0.values) : $0
        })
        XCTAssertEqual(loadError(misshapen), .tensorShape(file: misshapen.appendingPathComponent("model.safetensors").path,
                                                          tensor: "encoder.layer.0.intermediate.dense.weight", expected: [64, 32], found: [32, 64]))
        XCTAssertTrue("\(loadError(misshapen)!)".contains("config.json and model.safetensors come from different models"))
    }

    func testRefusesBadConfigs() throws {
        let tensors = try tinyTensors()
        let dir = try folder(with: tensors)
        let config = dir.appendingPathComponent("config.json")
        let original = try String(contentsOf: config, encoding: .utf8)
        let cases: [(String, String, String)] = [
            ("\"num_attention_heads\": 4", "\"num_attention_heads\": 5", "'num_attention_heads': hidden_size 32 is not a multiple of 5 heads"),
            ("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"relu\"", "'hidden_act': expected \"gelu\", found relu"),
            ("\"vocab_size\": 177", "\"vocab_size\": 100", "177 tokens, but config.json's vocab_size is 100"),
            ("\"hidden_size\": 32", "\"hidden_size\": -32", "'hidden_size': expected an integer in 1...8192, found -32"),
            ("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 2.5", "'num_hidden_layers': expected an integer"),
            ("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3", "missing tensor 'encoder.layer.2.attention.self.query.weight'"),
        ]
        for (from, to, expected) in cases {
            try original.replacingOccurrences(of: from, with: to).write(to: config, atomically: true, encoding: .utf8)
            let message = loadError(dir).map { "\($0)" } ?? "no error"
            XCTAssertTrue(message.contains(expected), "\(to): expected '\(expected)', got '\(message)'")
        }
        XCTAssertTrue("\(loadError(dir.appendingPathComponent("absent"))!)".contains("no such folder"))
    }

    /// A config.json that claims the largest model its bounds allow (128 layers of width 8192, a
    /// feed-forward of 65536: about 10^11 floats) beside the tiny model's 108 KB of weights is refused
    /// from the safetensors header alone: the layout is checked before anything is allocated.
    func testAHugeConfigBesideSmallWeightsIsRefusedBeforeAllocating() throws {
        let dir = try folder(with: try tinyTensors())
        let config = dir.appendingPathComponent("config.json")
        let text = hugeBertConfig(from: try String(contentsOf: config, encoding: .utf8))
        try text.write(to: config, atomically: true, encoding: .utf8)
        let bert = try PretrainedBert(folder: dir)
        XCTAssertEqual(bert.config.layerCount, 128)
        XCTAssertThrowsError(try bert.checkedWeights()) { error in
            XCTAssertTrue("\(error)".contains("'embeddings.word_embeddings.weight'"), "\(error)")
        }
        let message = loadError(dir).map { "\($0)" } ?? "no error"
        XCTAssertTrue(message.contains("'embeddings.word_embeddings.weight'"), message)
    }

    func testMeanOfRowGroupsGradient() {
        GradientCheck.check("meanOfRowGroups", inputs: [([5, 3], randomValues(15, seed: 3))]) {
            meanOfRowGroups($0[0], rows: [4, 0, 1, 1, 3], starts: [0, 1, 3, 5])
        }
    }
}
