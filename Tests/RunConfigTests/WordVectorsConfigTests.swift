import Foundation
import TestSupport
import XCTest
@testable import RunConfig

/// `encoder.word_vectors`: defaults, the one name from YAML and `--set` to Swift, path resolution,
/// and each rule's error naming the key.
final class WordVectorsConfigTests: XCTestCase {
    func testDefaultsMeanNoVectors() throws {
        let fixture = try ConfigFixture(self)
        let file = try fixture.write(minimalYAML, to: "configs/x.yaml")
        try fixture.touch("configs/conll03/train.txt")
        let resolved = try ConfigLoader.load(file: file)
        let v = resolved.config.encoder.wordVectors
        XCTAssertNil(v.path)
        XCTAssertNil(resolved.wordVectorsFile)
        XCTAssertEqual(v.format, .text)
        XCTAssertFalse(v.fineTune, "frozen, as Flair's WordEmbeddings")
        XCTAssertTrue(v.lowercaseFallback)
        XCTAssertEqual(v.maxWords, 0)
    }

    func testYAMLAndSetUseTheSameNames() throws {
        let fixture = try ConfigFixture(self)
        let file = try fixture.write(minimalYAML + """

            encoder:
              word_dim: 300
              word_vectors:
                path: ../vectors/cc.en.300.vec
                fine_tune: true
            """, to: "configs/x.yaml")
        try fixture.touch("configs/conll03/train.txt")
        let resolved = try ConfigLoader.load(file: file, overrides: [
            "encoder.word_vectors.format=word2vec_binary", "encoder.word_vectors.lowercase_fallback=false",
            "encoder.word_vectors.max_words=50000",
        ], dataDir: fixture.root.appendingPathComponent("configs"))
        let v = resolved.config.encoder.wordVectors
        XCTAssertEqual(resolved.wordVectorsFile?.path, fixture.path("vectors/cc.en.300.vec"), "from the config's folder, not data_dir")
        XCTAssertEqual(v.format, .word2vecBinary)
        XCTAssertTrue(v.fineTune)
        XCTAssertFalse(v.lowercaseFallback)
        XCTAssertEqual(v.maxWords, 50_000)
        XCTAssertEqual(resolved.absoluteConfig.encoder.wordVectors.path, fixture.path("vectors/cc.en.300.vec"))
        let yaml = try resolved.yamlString()
        for line in ["word_vectors:", "format: word2vec_binary", "lowercase_fallback: false", "max_words: 50000"] {
            XCTAssertTrue(yaml.contains(line), "resolved config lacks \(line)")
        }
    }

    func testRulesNameTheKey() throws {
        try assertConfigError(minimalYAML + "\nencoder:\n  word_vectors:\n    format: glove\n",
                              contains: ["encoder.word_vectors.format", "glove", "word2vec_binary"])
        try assertConfigError(minimalYAML + "\nencoder:\n  word_vectors:\n    max_words: -1\n",
                              contains: ["encoder.word_vectors.max_words", "-1"])
        try assertConfigError(minimalYAML + "\nencoder:\n  word_vectors:\n    max_words: 20000000\n",
                              contains: ["encoder.word_vectors.max_words", "10000000"])
        try assertConfigError(minimalYAML + "\nencoder:\n  word_vectors:\n    path: \"\"\n",
                              contains: ["encoder.word_vectors.path", "an empty path"])
        try assertConfigError(minimalYAML + "\nencoder:\n  word_vectors:\n    fine_tuned: true\n",
                              contains: ["fine_tuned", "fine_tune"])
        try assertConfigError(minimalYAML, overrides: ["encoder.word_vectors.path=v.txt", "encoder.word_dim=0",
                                                       "encoder.transformer.path=m"],
                              contains: ["encoder.word_vectors.path", "encoder.word_dim"])
    }
}
