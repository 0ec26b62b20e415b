import TestSupport
import XCTest
@testable import RunConfig

/// `--set dotted.key=value` on the node tree before decoding.
final class ConfigOverrideTests: XCTestCase {
    /// Loads `yaml` (written to `configs/x.yaml`, data files present) with `overrides`.
    private func load(_ overrides: [String], yaml: String = minimalYAML) throws -> TrainConfig {
        let fixture = try ConfigFixture(self)
        let file = try fixture.write(yaml, to: "configs/x.yaml")
        try fixture.touch("configs/conll03/train.txt", "configs/conll03/dev.txt", "configs/ewt/train.conllu",
                          "configs/a=b.txt")
        return try ConfigLoader.load(file: file, overrides: overrides).config
    }

    func testScalars() throws {
        let config = try load(["training.max_steps=30", "training.learning_rate=0.01", "use_all_tasks=true",
                               "training.optimizer=adamw", "encoder.lowercase_words=false", "tasks.ner.loss_weight=2"])
        XCTAssertEqual(config.training.maxSteps, 30)
        XCTAssertEqual(config.training.learningRate, 0.01)
        XCTAssertTrue(config.useAllTasks)
        XCTAssertEqual(config.training.optimizer, .adamw)
        XCTAssertFalse(config.encoder.lowercaseWords)
        XCTAssertEqual(config.tasks["ner"]?.lossWeight, 2)
    }

    func testNulls() throws {
        let yaml = minimalYAML.replacingOccurrences(of: "    train: conll03/train.txt",
                                                    with: "    train: conll03/train.txt\n    dev: conll03/dev.txt")
            + "\ntraining:\n  max_steps: 100\n"
        XCTAssertEqual(try load([], yaml: yaml).corpora["conll03"]?.dev, "conll03/dev.txt")
        let config = try load(["training.clip_norm=null", "corpora.conll03.dev=null", "training.max_steps=",
                               "training.eval_every=~"], yaml: yaml)
        XCTAssertNil(config.training.clipNorm)
        XCTAssertNil(config.corpora["conll03"]?.dev)
        XCTAssertNil(config.training.maxSteps)
        XCTAssertNil(config.training.evalEvery)
    }

    func testLists() throws {
        let config = try load(["corpora.conll03.columns=[text, -, -, ner]"])
        XCTAssertEqual(config.corpora["conll03"]?.columns, ["text", "-", "-", "ner"])
        XCTAssertEqual(config.corpora["conll03"]?.labelNames, ["ner"])
    }

    func testNewTaskThroughANestedPathTakesTheOnlyCorpusAndDefaults() throws {
        let config = try load(["tasks.chunk.label=chunk", "tasks.chunk.head=softmax"])
        XCTAssertEqual(config.tasks.names, ["ner", "chunk"])
        XCTAssertEqual(config.tasks["chunk"], TaskConfig(corpus: "conll03", label: "chunk", head: .softmax))
    }

    func testNewCorpusAndTask() throws {
        let config = try load(["corpora.ewt.format=conllu", "corpora.ewt.train=ewt/train.conllu",
                               "tasks.upos={corpus: ewt, label: upos, metric: accuracy}"])
        XCTAssertEqual(config.corpora.names, ["conll03", "ewt"])
        XCTAssertEqual(config.corpora["ewt"], CorpusConfig(format: .conllu, train: "ewt/train.conllu"))
        XCTAssertEqual(config.tasks["upos"], TaskConfig(corpus: "ewt", label: "upos", metric: .accuracy))
    }

    func testSectionsAbsentFromTheFileAreCreated() throws {
        let config = try load(["training.epochs=3", "sampler.strategy=temperature", "checkpoint.keep=7"])
        XCTAssertEqual(config.training.epochs, 3)
        XCTAssertEqual(config.sampler.strategy, .temperature)
        XCTAssertEqual(config.checkpoint.keep, 7)
    }

    func testSettingASectionReplacesIt() throws {
        let config = try load(["encoder={word_dim: 50}"], yaml: minimalYAML + "\nencoder:\n  char_dim: 0\n")
        var expected = EncoderConfig()
        expected.wordDim = 50
        XCTAssertEqual(config.encoder, expected)
    }

    func testNullRemovesATask() throws {
        let config = try load(["tasks.chunk.label=chunk", "tasks.ner=null"])
        XCTAssertEqual(config.tasks.names, ["chunk"])
    }

    func testLaterOverridesWinAndValuesMayContainEquals() throws {
        let config = try load(["training.epochs=3", "training.epochs=4", "corpora.conll03.train=a=b.txt"])
        XCTAssertEqual(config.training.epochs, 4)
        XCTAssertEqual(config.corpora["conll03"]?.train, "a=b.txt")
    }

    func testQuotedValuesStayStrings() throws {
        let config = try load(["training.main_score='ner'", "corpora.conll03.columns=[text, pos, chunk, 'ner']"])
        XCTAssertEqual(config.training.mainScore, .task("ner"))
    }

    func testOverridesApplyToTheBuiltInDefault() throws {
        let resolved = try ConfigLoader.load(file: nil, overrides: ["training.max_steps=30"], dataDir: defaultCorpusFolder)
        XCTAssertEqual(resolved.config.training.maxSteps, 30)
    }
}
