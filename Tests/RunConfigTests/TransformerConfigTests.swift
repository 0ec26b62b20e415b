import Foundation
import TestSupport
import XCTest
@testable import RunConfig

/// `encoder.transformer` and `training.transformer_lr_multiplier`: defaults, path resolution, and
/// each rule's error.
final class TransformerConfigTests: XCTestCase {
    func testDefaultsMeanNoTransformer() throws {
        let fixture = try ConfigFixture(self)
        let file = try fixture.write(minimalYAML, to: "configs/x.yaml")
        try fixture.touch("configs/conll03/train.txt")
        let resolved = try ConfigLoader.load(file: file)
        XCTAssertNil(resolved.config.encoder.transformer.path)
        XCTAssertNil(resolved.transformerFolder)
        XCTAssertEqual(resolved.config.encoder.transformer.layers, [-1])
        XCTAssertEqual(resolved.config.encoder.transformer.pooling, .first)
        XCTAssertTrue(resolved.config.encoder.transformer.fineTune)
        XCTAssertEqual(resolved.config.training.transformerLRMultiplier, 1)
    }

    func testPathResolvesAgainstTheConfigFolderAndIsWrittenAbsolute() throws {
        let fixture = try ConfigFixture(self)
        let file = try fixture.write(minimalYAML + """

            encoder:
              word_dim: 0
              transformer:
                path: ../models/bert
                fine_tune: false
                layers: [-1, -2]
                pooling: first_last
                dropout: 0.2
            training:
              transformer_lr_multiplier: 0.05
            """, to: "configs/x.yaml")
        try fixture.touch("configs/conll03/train.txt")
        let resolved = try ConfigLoader.load(file: file, dataDir: fixture.root.appendingPathComponent("configs"))
        XCTAssertEqual(resolved.transformerFolder?.path, fixture.path("models/bert"), "from the config's folder, not data_dir")
        let t = resolved.config.encoder.transformer
        XCTAssertEqual(t.layers, [-1, -2])
        XCTAssertEqual(t.pooling, .firstLast)
        XCTAssertEqual(t.dropout, 0.2)
        XCTAssertFalse(t.fineTune)
        XCTAssertEqual(resolved.absoluteConfig.encoder.transformer.path, fixture.path("models/bert"))
        XCTAssertTrue(try resolved.yamlString().contains("transformer_lr_multiplier: 0.05"))
    }

    func testRulesNameTheKey() throws {
        try assertConfigError(minimalYAML + "\nencoder:\n  transformer:\n    path: m\n    dropout: 1.5\n",
                              contains: ["encoder.transformer.dropout", "1.5", "[0, 1)"])
        try assertConfigError(minimalYAML + "\nencoder:\n  transformer:\n    path: m\n    layers: []\n",
                              contains: ["encoder.transformer.layers", "1 to 64 layer indices"])
        try assertConfigError(minimalYAML + "\nencoder:\n  transformer:\n    path: \"\"\n",
                              contains: ["encoder.transformer.path", "an empty path"])
        try assertConfigError(minimalYAML + "\nencoder:\n  transformer:\n    pooling: last\n",
                              contains: ["encoder.transformer.pooling", "last"])
        try assertConfigError(minimalYAML + "\nencoder:\n  word_dim: 0\n", contains: ["encoder.word_dim", "an integer > 0"])
        try assertConfigError(minimalYAML + "\ntraining:\n  transformer_lr_multiplier: 0\n",
                              contains: ["training.transformer_lr_multiplier", "a number > 0"])
        try assertConfigError(minimalYAML + "\nencoder:\n  transformer:\n    fine_tun: true\n",
                              contains: ["unknown key encoder.transformer.fine_tun", "did you mean fine_tune?"])
    }
}
