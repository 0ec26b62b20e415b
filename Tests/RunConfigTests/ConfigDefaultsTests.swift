import XCTest
@testable import RunConfig

/// Defaults of every optional key, the full documented schema, and the YAML round trip.
final class ConfigDefaultsTests: XCTestCase {
    func testDefaultsOfAMinimalConfig() throws {
        let config = try TrainConfig(yaml: minimalYAML)
        XCTAssertNil(config.dataDir)
        XCTAssertFalse(config.useAllTasks)

        let corpus = try XCTUnwrap(config.corpora["conll03"])
        XCTAssertEqual(corpus, CorpusConfig(format: .columns, columns: ["text", "pos", "chunk", "ner"], separator: .whitespace,
                                            train: "conll03/train.txt", dev: nil, test: nil, docstart: .error, crlf: .error,
                                            blankLineRuns: .error, repairTags: true))

        XCTAssertEqual(config.tasks["ner"], TaskConfig(corpus: "conll03", label: "ner", head: .crf, hidden: 256,
                                                       metric: .spanF1, lossWeight: 1.0, inputScheme: .iob2,
                                                       trainScheme: .bioes))

        let encoder = config.encoder
        XCTAssertEqual(encoder, EncoderConfig())
        XCTAssertEqual([encoder.wordDim, encoder.wordMinCount, encoder.charDim, encoder.charHidden, encoder.caseDim,
                        encoder.sharedHidden], [100, 1, 25, 25, 4, 0])
        XCTAssertEqual([encoder.lowercaseWords, encoder.normalizeDigits], [true, true])
        XCTAssertEqual([encoder.dropout, encoder.wordDropout, encoder.lockedDropout], [0.5, 0.05, 0.0])

        let training = config.training
        XCTAssertEqual(training, TrainingConfig())
        XCTAssertEqual([training.epochs, training.batchSize, training.warmupSteps, training.patience, training.seed,
                        training.logEvery], [30, 32, 0, 3, 1, 50])
        XCTAssertNil(training.maxSteps)
        XCTAssertNil(training.evalEvery)
        XCTAssertEqual(training.optimizer, .sgd)
        XCTAssertEqual(training.schedule, .plateau)
        XCTAssertEqual([training.learningRate, training.momentum, training.weightDecay, training.annealFactor,
                        training.minLearningRate], [1.0, 0.0, 0.0, 0.5, 0.0001])
        XCTAssertEqual(training.clipNorm, 5.0)
        XCTAssertEqual(training.mainScore, .mean)
        XCTAssertEqual(training.allReduceBucketMB, 0)
        XCTAssertTrue(training.overlapAllReduce)
        XCTAssertEqual(training.exchange, .auto)
        XCTAssertEqual(training.effectiveExchange, .auto, "no switch is on by default")

        XCTAssertEqual(config.sampler, SamplerConfig())
        XCTAssertEqual(config.sampler.strategy, .proportional)
        XCTAssertEqual(config.sampler.temperature, 2.0)
        XCTAssertEqual(config.sampler.minPerRank, 1)

        XCTAssertEqual(config.checkpoint, CheckpointConfig())
        XCTAssertNil(config.checkpoint.directory)
        XCTAssertEqual([config.checkpoint.every, config.checkpoint.keep], [0, 3])
    }

    /// A written fixed `exchange` refuses a switch beside it; `auto` runs as `manual` with one
    /// turned on (a stored config resumed with `--set` of a switch), the switch honoured.
    func testExchangeBesideASwitch() throws {
        XCTAssertEqual(try TrainConfig(yaml: minimalYAML + "\ntraining: {exchange: dense}\n").training.exchange, .dense)
        XCTAssertThrowsError(try TrainConfig(yaml: minimalYAML + "\ntraining: {exchange: dense, sparse_allreduce: true}\n")) {
            XCTAssertTrue("\($0)".contains("decides the exchange unless it is manual"), "\($0)")
        }
        let autoWithSwitch = try TrainConfig(yaml: minimalYAML + "\ntraining: {exchange: auto, sharded_update: true}\n").training
        XCTAssertEqual(autoWithSwitch.exchange, .auto)
        XCTAssertEqual(autoWithSwitch.effectiveExchange, .manual)
        XCTAssertEqual(try TrainConfig(yaml: minimalYAML + "\ntraining: {exchange: auto}\n").training.effectiveExchange, .auto)
        XCTAssertEqual(try TrainConfig(yaml: minimalYAML + "\ntraining: {sparse_allreduce: true}\n").training.effectiveExchange, .manual)
    }

    func testEmptySectionsTakeTheirDefaults() throws {
        let config = try TrainConfig(yaml: minimalYAML + "\nencoder:\ntraining: {}\nsampler: null\n")
        XCTAssertEqual(config.encoder, EncoderConfig())
        XCTAssertEqual(config.training, TrainingConfig())
        XCTAssertEqual(config.sampler, SamplerConfig())
    }

    func testAnchorsAndMergeKeysShareCorpusSettings() throws {
        let config = try TrainConfig(yaml: """
            corpora:
              a: &base {columns: [text, -, ner], train: a.txt, crlf: accept}
              b:
                <<: *base
                train: b.txt
            tasks:
              ner_a: {corpus: a, label: ner}
              ner_b: {corpus: b, label: ner}
            """)
        XCTAssertEqual(config.corpora["b"], CorpusConfig(columns: ["text", "-", "ner"], train: "b.txt", crlf: .accept))
        XCTAssertEqual(try TrainConfig(yaml: config.yamlString()), config)
    }

    /// Every key of the documented schema, none at its default.
    static let fullYAML = """
        data_dir: /data/nlp
        corpora:
          zeta:
            format: columns
            columns: [text, pos, chunk, ner]
            separator: tab
            train: conll03/train.txt
            dev: conll03/dev.txt
            test: null
            docstart: skip
            crlf: accept
            blank_line_runs: accept
            repair_tags: true
          alpha:
            format: conllu
            train: ewt/en_ewt-ud-train.conllu
            dev: ewt/en_ewt-ud-dev.conllu
            test: ewt/test.conllu
          uner:
            format: iob2
            train: ewt/en_ewt-uner-dev.iob2
        tasks:
          ner:
            corpus: zeta
            label: ner
            head: softmax
            hidden: 64
            metric: span_f1
            loss_weight: 0.7
            input_scheme: iob1
            train_scheme: iob2
          upos:
            corpus: alpha
            label: upos
            head: crf
            hidden: 0
            metric: accuracy
            loss_weight: 1.25
          uner:
            corpus: uner
            label: ner
        use_all_tasks: true
        encoder:
          word_dim: 50
          word_min_count: 2
          lowercase_words: false
          normalize_digits: false
          char_dim: 0
          char_hidden: 0
          case_dim: 0
          shared_hidden: 128
          dropout: 0.25
          word_dropout: 0.0
          locked_dropout: 0.1
        training:
          epochs: 5
          max_steps: 1000
          batch_size: 64
          optimizer: adamw
          learning_rate: 0.001
          momentum: 0.9
          weight_decay: 0.01
          clip_norm: null
          schedule: cosine
          warmup_steps: 100
          anneal_factor: 0.25
          patience: 2
          min_learning_rate: 1.0e-06
          seed: 42
          log_every: 10
          eval_every: 200
          main_score: upos
          allreduce_bucket_mb: 4
          overlap_allreduce: false
        sampler:
          strategy: temperature
          temperature: 3.5
          min_per_rank: 2
        checkpoint:
          directory: null
          every: 0
          keep: 5
        """

    func testEveryDocumentedKeyDecodes() throws {
        let config = try TrainConfig(yaml: ConfigDefaultsTests.fullYAML)
        XCTAssertEqual(config.dataDir, "/data/nlp")
        XCTAssertEqual(config.corpora.names, ["zeta", "alpha", "uner"])
        XCTAssertEqual(config.tasks.names, ["ner", "upos", "uner"])
        XCTAssertEqual(config.corpora["zeta"], CorpusConfig(
            format: .columns, columns: ["text", "pos", "chunk", "ner"], separator: .tab, train: "conll03/train.txt",
            dev: "conll03/dev.txt", test: nil, docstart: .skip, crlf: .accept, blankLineRuns: .accept, repairTags: true))
        XCTAssertEqual(config.corpora["alpha"]?.separator, nil)
        XCTAssertEqual(config.corpora["alpha"]?.test, "ewt/test.conllu")
        XCTAssertEqual(config.tasks["ner"], TaskConfig(corpus: "zeta", label: "ner", head: .softmax, hidden: 64,
                                                       metric: .spanF1, lossWeight: 0.7, inputScheme: .iob1,
                                                       trainScheme: .iob2))
        XCTAssertEqual(config.tasks["upos"]?.lossWeight, 1.25)
        XCTAssertTrue(config.useAllTasks)
        XCTAssertEqual(config.encoder.sharedHidden, 128)
        XCTAssertEqual(config.encoder.lockedDropout, 0.1)
        XCTAssertEqual(config.training.maxSteps, 1000)
        XCTAssertNil(config.training.clipNorm)
        XCTAssertEqual(config.training.minLearningRate, 1e-6)
        XCTAssertEqual(config.training.mainScore, .task("upos"))
        XCTAssertEqual(config.training.schedule, .cosine)
        XCTAssertEqual(config.training.allReduceBucketMB, 4)
        XCTAssertFalse(config.training.overlapAllReduce)
        XCTAssertEqual(config.sampler.temperature, 3.5)
        XCTAssertNil(config.checkpoint.directory)
        XCTAssertEqual(config.checkpoint.keep, 5)
    }

    func testRoundTripThroughYAML() throws {
        for yaml in [ConfigDefaultsTests.fullYAML, minimalYAML, TrainConfig.defaultYAML] {
            let config = try TrainConfig(yaml: yaml)
            let written = try config.yamlString()
            XCTAssertEqual(try TrainConfig(yaml: written, file: "written.yaml"), config, written)
        }
    }

    func testWrittenYAMLShowsEveryKeyInSchemaOrderWithReadableNumbers() throws {
        let written = try TrainConfig(yaml: ConfigDefaultsTests.fullYAML).yamlString()
        XCTAssertTrue(written.contains("learning_rate: 0.001\n"), written)
        XCTAssertTrue(written.contains("min_learning_rate: 1e-06\n"), written)
        XCTAssertTrue(written.contains("loss_weight: 0.7\n"), written)
        XCTAssertTrue(written.contains("clip_norm: null\n"), written)
        XCTAssertTrue(written.contains("test: null\n"), written)
        let topLevel = written.split(separator: "\n").filter { !$0.hasPrefix(" ") && !$0.hasPrefix("-") }
            .map { String($0.prefix(while: { $0 != ":" })) }
        XCTAssertEqual(topLevel, TrainConfig.CodingKeys.allCases.map(\.stringValue))
        let zeta = try XCTUnwrap(written.range(of: "  zeta:")), alpha = try XCTUnwrap(written.range(of: "  alpha:"))
        XCTAssertLessThan(zeta.lowerBound, alpha.lowerBound)

        let defaults = try TrainConfig(yaml: minimalYAML).yamlString()
        XCTAssertTrue(defaults.contains("learning_rate: 1.0\n"), defaults)
        XCTAssertTrue(defaults.contains("clip_norm: 5.0\n"), defaults)
        XCTAssertTrue(defaults.contains("max_steps: null\n"), defaults)
        XCTAssertTrue(defaults.contains("main_score: mean\n"), defaults)
    }
}
