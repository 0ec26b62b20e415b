import Autodiff
import Foundation
import TestSupport
import Transformer
import XCTest

/// all-MiniLM-L6-v2 against transformers: every hidden state of one sentence within 1e-4
/// (minilm-reference.safetensors). Skips unless the model is in `models/all-MiniLM-L6-v2` (put there
/// by launch/fetch-minilm.sh) or in the folder `MINILM_DIR` names; CI does not fetch it.
final class MiniLMReferenceTests: XCTestCase {
    struct Reference: Decodable {
        let words: [String]
        let input_ids: [Int32]
        let layers: Int
    }

    static var modelFolder: URL {
        if let dir = ProcessInfo.processInfo.environment["MINILM_DIR"] { return URL(fileURLWithPath: dir) }
        // Tests/TransformerTests/<this file> → the package root
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("models/all-MiniLM-L6-v2")
    }

    func testHiddenStatesMatchTransformers() throws {
        let folder = MiniLMReferenceTests.modelFolder
        try XCTSkipUnless(FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path),
                          "MiniLM not fetched (launch/fetch-minilm.sh)")
        let reference = try Fixtures.json(Reference.self, "minilm-reference.json")
        let states = try SafeTensorsFile(url: Fixtures.url("minilm-reference.safetensors"))
        let bert = try PretrainedBert(folder: folder)
        XCTAssertEqual(bert.config.hiddenSize, 384)
        XCTAssertEqual(bert.config.layerCount, 6)
        var rng = SplitMix64(seed: 1)
        let model = try bert.load(name: "t", site: 0, store: ParameterStore(), rng: &rng)
        let t = bert.tokenizer
        let ids = [t.classID] + t.subwords(words: reference.words).ids + [t.separatorID]
        XCTAssertEqual(ids, reference.input_ids)
        let got = model(ids, lengths: [ids.count], keys: [0], training: false, tape: nil)
        XCTAssertEqual(got.count, reference.layers)
        var worst: Float = 0
        for (i, h) in got.enumerated() {
            let want = try states.floats("hidden_states.\(i)")
            assertClose(h.scalars, want, atol: 1e-4, rtol: 0, "hidden state \(i)")
            worst = max(worst, zip(h.scalars, want).map { abs($0 - $1) }.max() ?? 0)
        }
        print("MiniLM: largest difference to transformers over \(got.count) hidden states of \(ids.count) subwords: \(worst)")
    }
}
