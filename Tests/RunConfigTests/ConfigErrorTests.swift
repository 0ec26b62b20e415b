import TestSupport
import XCTest
@testable import RunConfig

/// Every config error, with the key path, the file name and the parts of the message a user needs.
final class ConfigErrorTests: XCTestCase {
    // MARK: unknown keys, at every depth

    func testUnknownTopLevelKeySuggestsTheClosestKey() throws {
        let error = try assertConfigError(minimalYAML + "\ntrainig:\n  epochs: 3\n",
                                          contains: ["unknown key trainig in", "did you mean training?", "at the top level"])
        XCTAssertEqual(error?.keyPath, "trainig")
    }

    func testUnknownTrainingKeySuggestsLearningRate() throws {
        try assertConfigError(minimalYAML + "\ntraining:\n  lr: 0.1\n",
                              contains: ["unknown key training.lr in ", "configs/x.yaml; did you mean learning_rate?",
                                         "Allowed keys under training:", "batch_size"])
    }

    func testUnknownKeyInsideACorpusATaskAndEverySection() throws {
        try assertConfigError(minimalYAML.replacingOccurrences(of: "    train:", with: "    colums: [a]\n    train:"),
                              contains: ["unknown key corpora.conll03.colums", "did you mean columns?"])
        try assertConfigError(minimalYAML + "\n    lable: ner\n", contains: ["unknown key tasks.ner.lable", "did you mean label?"])
        try assertConfigError(minimalYAML + "\nencoder:\n  word_dims: 50\n",
                              contains: ["unknown key encoder.word_dims", "did you mean word_dim?"])
        try assertConfigError(minimalYAML + "\nsampler:\n  strategie: uniform\n",
                              contains: ["unknown key sampler.strategie", "did you mean strategy?"])
        try assertConfigError(minimalYAML + "\ncheckpoint:\n  keep_last: 2\n",
                              contains: ["unknown key checkpoint.keep_last", "did you mean keep?"])
    }

    // MARK: wrong types

    func testWrongScalarTypeNamesWhatWasFoundAndExpected() throws {
        let error = try assertConfigError(minimalYAML + "\ntraining:\n  epochs: ten\n",
                                          contains: ["wrong type for training.epochs", "found 'ten'", "expected an integer"])
        XCTAssertEqual(error?.keyPath, "training.epochs")
        try assertConfigError(minimalYAML + "\ntraining:\n  learning_rate: fast\n",
                              contains: ["training.learning_rate", "'fast'", "a number"])
        try assertConfigError(minimalYAML + "\nuse_all_tasks: maybe\n", contains: ["use_all_tasks", "'maybe'", "true or false"])
        try assertConfigError(minimalYAML + "\ntraining:\n  epochs: 1.5\n", contains: ["training.epochs", "'1.5'", "an integer"])
    }

    func testListOrMappingWhereAnotherShapeBelongs() throws {
        try assertConfigError(minimalYAML.replacingOccurrences(of: "[text, pos, chunk, ner]", with: "text"),
                              contains: ["wrong type for corpora.conll03.columns", "found 'text'", "expected a list"])
        try assertConfigError(minimalYAML + "\nencoder: 5\n", contains: ["wrong type for encoder", "found '5'", "a mapping"])
        try assertConfigError(minimalYAML + "\ntraining:\n  batch_size: [1, 2]\n",
                              contains: ["training.batch_size", "found a list", "an integer"])
    }

    func testNullForAKeyThatIsNotOptional() throws {
        try assertConfigError(minimalYAML + "\ntraining:\n  batch_size: null\n",
                              contains: ["wrong type for training.batch_size", "null", "an integer"])
        try assertConfigError(minimalYAML.replacingOccurrences(of: "  ner:\n    corpus", with: "  pos:\n  ner:\n    corpus"),
                              contains: ["wrong type for tasks.pos", "null", "a mapping"])
    }

    // MARK: impossible values

    func testImpossibleNumbers() throws {
        let cases: [(String, [String])] = [
            ("training:\n  batch_size: 0", ["invalid value for training.batch_size", "found 0", "an integer > 0"]),
            ("training:\n  batch_size: -4", ["training.batch_size", "found -4"]),
            ("training:\n  epochs: -1", ["invalid value for training.epochs", "found -1", "or set training.max_steps"]),
            ("training:\n  epochs: 0", ["training.epochs", "found 0"]),
            ("training:\n  max_steps: 0", ["training.max_steps", "found 0"]),
            ("training:\n  learning_rate: 0", ["training.learning_rate", "a number > 0"]),
            ("training:\n  learning_rate: .nan", ["training.learning_rate", "found nan"]),
            ("training:\n  anneal_factor: 1.0", ["training.anneal_factor", "(0, 1)"]),
            ("training:\n  clip_norm: -1", ["training.clip_norm", "null / 0 for no clipping"]),
            ("training:\n  eval_every: 0", ["training.eval_every", "null for once per epoch"]),
            ("training:\n  seed: -3", ["training.seed", "an integer >= 0"]),
            ("encoder:\n  dropout: 1.0", ["invalid value for encoder.dropout", "found 1.0", "[0, 1)"]),
            ("encoder:\n  word_dropout: -0.1", ["encoder.word_dropout", "found -0.1", "[0, 1)"]),
            ("encoder:\n  word_dim: 0", ["encoder.word_dim", "an integer > 0"]),
            ("encoder:\n  char_hidden: 0", ["encoder.char_hidden", "char_dim: 0 to disable"]),
            ("sampler:\n  temperature: 0", ["sampler.temperature", "a number > 0"]),
            ("sampler:\n  min_per_rank: 0", ["sampler.min_per_rank", "every rank needs every task"]),
            ("checkpoint:\n  keep: 0", ["checkpoint.keep", "found 0"]),
            ("checkpoint:\n  every: -1", ["checkpoint.every", "found -1"]),
            ("training:\n  sharded_update: true\n  sparse_allreduce: true",
             ["invalid value for training.sharded_update", "true with training.sparse_allreduce: true",
              "set training.sharded_update: false or training.sparse_allreduce: false"]),
            ("training:\n  sharded_update: true\n  allreduce_bucket_mb: 4",
             ["invalid value for training.sharded_update", "true with training.allreduce_bucket_mb: 4.0",
              "set training.sharded_update: false or training.allreduce_bucket_mb: 0"]),
        ]
        for (section, expected) in cases {
            try assertConfigError(minimalYAML + "\n" + section + "\n", contains: expected)
        }
        try assertConfigError(minimalYAML + "\n    loss_weight: 0\n",
                              contains: ["invalid value for tasks.ner.loss_weight", "found 0.0", "a number > 0"])
        try assertConfigError(minimalYAML + "\n    hidden: -1\n", contains: ["tasks.ner.hidden", "found -1"])
    }

    func testZeroEpochsIsFineWhenMaxStepsIsSet() throws {
        let config = try TrainConfig(yaml: minimalYAML + "\ntraining:\n  epochs: 0\n  max_steps: 10\n")
        XCTAssertEqual(config.training.epochs, 0)
        XCTAssertEqual(config.training.maxSteps, 10)
    }

    func testUnknownEnumValuesListTheAllowedOnes() throws {
        try assertConfigError(minimalYAML + "\ntraining:\n  optimizer: adamm\n",
                              contains: ["invalid value for training.optimizer", "found adamm", "sgd | adam | adamw",
                                         "did you mean adam?"])
        try assertConfigError(minimalYAML + "\n    head: lstm\n", contains: ["tasks.ner.head", "found lstm", "crf | softmax"])
        try assertConfigError(minimalYAML + "\n    metric: f1\n", contains: ["tasks.ner.metric", "span_f1 | accuracy"])
        try assertConfigError(minimalYAML + "\n    train_scheme: bilou\n", contains: ["tasks.ner.train_scheme", "iob2 | bioes"])
        try assertConfigError(minimalYAML + "\n    input_scheme: bio\n", contains: ["tasks.ner.input_scheme", "iob1 | iob2"])
        try assertConfigError(minimalYAML + "\ntraining:\n  schedule: step\n",
                              contains: ["training.schedule", "constant | plateau | linear | cosine"])
        try assertConfigError(minimalYAML + "\nsampler:\n  strategy: random\n",
                              contains: ["sampler.strategy", "proportional | uniform | temperature"])
        let corpusKey = "    format: columns"
        try assertConfigError(minimalYAML.replacingOccurrences(of: corpusKey, with: "    format: conll"),
                              contains: ["corpora.conll03.format", "columns | conllu | iob2"])
        try assertConfigError(minimalYAML.replacingOccurrences(of: corpusKey, with: corpusKey + "\n    separator: comma"),
                              contains: ["corpora.conll03.separator", "whitespace | tab"])
        try assertConfigError(minimalYAML.replacingOccurrences(of: corpusKey, with: corpusKey + "\n    docstart: ignore"),
                              contains: ["corpora.conll03.docstart", "error | skip"])
        try assertConfigError(minimalYAML.replacingOccurrences(of: corpusKey, with: corpusKey + "\n    crlf: allow"),
                              contains: ["corpora.conll03.crlf", "error | accept"])
        try assertConfigError(minimalYAML.replacingOccurrences(of: corpusKey, with: corpusKey + "\n    blank_line_runs: yes please"),
                              contains: ["corpora.conll03.blank_line_runs", "error | accept"])
    }

    // MARK: columns

    func testExactlyOneTextColumn() throws {
        try assertConfigError(minimalYAML.replacingOccurrences(of: "[text, pos, chunk, ner]", with: "[token, pos, chunk, ner]"),
                              contains: ["invalid value for corpora.conll03.columns", "0 `text` columns", "exactly one `text`"])
        try assertConfigError(minimalYAML.replacingOccurrences(of: "[text, pos, chunk, ner]", with: "[text, text, ner]"),
                              contains: ["corpora.conll03.columns", "2 `text` columns"])
        try assertConfigError(minimalYAML.replacingOccurrences(of: "[text, pos, chunk, ner]", with: "[text, ner, ner]"),
                              contains: ["corpora.conll03.columns", "`ner` twice"])
        try assertConfigError(minimalYAML.replacingOccurrences(of: "    columns: [text, pos, chunk, ner]\n", with: ""),
                              contains: ["missing key corpora.conll03.columns", "exactly one `text`"])
    }

    func testColumnsAndSeparatorOnlyForTheColumnsFormat() throws {
        let yaml = """
            corpora:
              ewt:
                format: conllu
                columns: [text, upos]
                train: ewt/train.conllu
            tasks:
              pos: {label: upos, metric: accuracy}
            """
        try assertConfigError(yaml, contains: ["corpora.ewt.columns", "only with format: columns"])
        try assertConfigError(yaml.replacingOccurrences(of: "columns: [text, upos]", with: "separator: tab"),
                              contains: ["corpora.ewt.separator", "only with format: columns"])
    }

    // MARK: references between sections

    func testTaskNamingAMissingCorpus() throws {
        let error = try assertConfigError(minimalYAML.replacingOccurrences(of: "corpus: conll03", with: "corpus: conll3"),
                                          contains: ["invalid value for tasks.ner.corpus", "found conll3",
                                                     "a corpus name: conll03", "did you mean conll03?"])
        XCTAssertEqual(error?.keyPath, "tasks.ner.corpus")
    }

    func testTaskWithoutCorpusNeedsOneWhenThereAreSeveral() throws {
        let yaml = """
            corpora:
              a: {columns: [text, ner], train: conll03/train.txt}
              b: {columns: [text, ner], train: conll03/dev.txt}
            tasks:
              ner: {label: ner}
              ner_b: {corpus: b, label: ner}
            """
        try assertConfigError(yaml, contains: ["missing key tasks.ner.corpus", "required when there are several corpora"])
    }

    func testTaskLabelMustBeAColumnOfItsCorpus() throws {
        try assertConfigError(minimalYAML.replacingOccurrences(of: "label: ner", with: "label: nerr"),
                              contains: ["invalid value for tasks.ner.label", "found nerr",
                                         "columns: [text, pos, chunk, ner]", "pos | chunk | ner", "did you mean ner?"])
        try assertConfigError(minimalYAML.replacingOccurrences(of: "label: ner", with: "label: text"),
                              contains: ["tasks.ner.label", "found text"])
        try assertConfigError(minimalYAML.replacingOccurrences(of: "[text, pos, chunk, ner]", with: "[text, pos, chunk, -]"),
                              contains: ["tasks.ner.label", "found ner", "pos | chunk"])
    }

    func testTaskLabelMustBeALabelOfTheFormat() throws {
        try assertConfigError("""
            corpora:
              ewt: {format: conllu, train: ewt/train.conllu}
            tasks:
              pos: {label: pos, metric: accuracy}
            """, contains: ["tasks.pos.label", "found pos", "upos | xpos | feats | lemma | deprel", "conllu format"])
        try assertConfigError("""
            corpora:
              uner: {format: iob2, train: uner/train.iob2}
            tasks:
              ner: {label: tag}
            """, contains: ["tasks.ner.label", "found tag", "iob2 format: ner"])
    }

    func testSpanF1OnAConlluTagColumnIsRejected() throws {
        try assertConfigError("""
            corpora:
              ewt: {format: conllu, train: ewt/train.conllu}
            tasks:
              pos: {label: upos}
            """, contains: ["invalid value for tasks.pos.metric", "span_f1 for label upos", "metric: accuracy"])
    }

    func testNoTasksAndNoCorpora() throws {
        try assertConfigError("""
            corpora:
              conll03: {columns: [text, ner], train: conll03/train.txt}
            """, contains: ["missing key tasks in", "at least one task"])
        try assertConfigError(minimalYAML.replacingOccurrences(
            of: "tasks:\n  ner:\n    corpus: conll03\n    label: ner", with: "tasks: {}"), contains: ["missing key tasks", "at least one task"])
        try assertConfigError("tasks:\n  ner: {corpus: c, label: ner}\n", contains: ["missing key corpora", "at least one corpus"])
    }

    func testCorpusThatNoTaskReads() throws {
        try assertConfigError(minimalYAML.replacingOccurrences(
            of: "tasks:", with: "  spare: {columns: [text, ner], train: conll03/dev.txt}\ntasks:"),
            contains: ["invalid value for corpora.spare", "no task reads", "remove corpora.spare"])
    }

    func testMainScoreMustBeMeanOrATask() throws {
        try assertConfigError(minimalYAML + "\ntraining:\n  main_score: nre\n",
                              contains: ["invalid value for training.main_score", "found nre", "mean | ner", "did you mean ner?"])
    }

    func testBadCorpusAndTaskNames() throws {
        try assertConfigError(minimalYAML.replacingOccurrences(of: "  ner:\n    corpus", with: "  ner.v2:\n    corpus"),
                              contains: ["invalid value for tasks.ner.v2", "letters, digits"])
        try assertConfigError(minimalYAML.replacingOccurrences(of: "  ner:\n    corpus", with: "  mean:\n    corpus"),
                              contains: ["tasks.mean", "reserved for training.main_score"])
    }

    // MARK: files

    func testMissingTrainFileNamesTheResolvedPath() throws {
        let fixture = try ConfigFixture(self)
        let config = try fixture.write(minimalYAML, to: "configs/x.yaml")
        XCTAssertThrowsError(try ConfigLoader.load(file: config)) { error in
            let message = "\(error)"
            XCTAssertEqual((error as? ConfigError)?.keyPath, "corpora.conll03.train")
            XCTAssertTrue(message.contains("corpora.conll03.train in "), message)
            XCTAssertTrue(message.contains("x.yaml"), message)
            XCTAssertTrue(message.contains(fixture.path("configs/conll03/train.txt")), message)
            XCTAssertTrue(message.contains("but nothing is there"), message)
            XCTAssertTrue(message.contains("relative paths resolve against the config file's folder"), message)
        }
    }

    func testMissingDevFileAndAFolderInsteadOfAFile() throws {
        try assertConfigError(minimalYAML.replacingOccurrences(of: "    train: conll03/train.txt",
                                                               with: "    train: conll03/train.txt\n    dev: conll03/devv.txt"),
                              contains: ["corpora.conll03.dev", "conll03/devv.txt", "nothing"])
        try assertConfigError(minimalYAML.replacingOccurrences(of: "train: conll03/train.txt", with: "train: conll03"),
                              contains: ["corpora.conll03.train", "a folder"])
    }

    func testMissingDataDirFolder() throws {
        try assertConfigError("data_dir: ../nowhere\n" + minimalYAML, contains: ["data_dir in", "nowhere", "nothing"])
    }

    func testUnreadableAndInvalidFiles() throws {
        let fixture = try ConfigFixture(self)
        XCTAssertThrowsError(try ConfigLoader.load(file: fixture.root.appendingPathComponent("none.yaml"))) { error in
            XCTAssertEqual(error as? ConfigError, .unreadableFile(file: fixture.path("none.yaml"), reason: "no such file"))
        }
        try assertConfigError("corpora: [unclosed\n", contains: ["is not a valid config", "line"])
        try assertConfigError("- a\n- b\n", contains: ["the top level is a list"])
        try assertConfigError(minimalYAML + "\ntasks: {}\n", contains: ["duplicated key", "tasks"])
    }

    // MARK: --set

    func testBadOverrides() throws {
        try assertConfigError(minimalYAML, overrides: ["training.max_steps"],
                              contains: ["invalid --set 'training.max_steps'", "no `=`", "--set training.max_steps=30"])
        try assertConfigError(minimalYAML, overrides: ["=3"], contains: ["invalid --set '=3'", "key before `=` is empty"])
        try assertConfigError(minimalYAML, overrides: ["training..epochs=3"], contains: ["empty component"])
        try assertConfigError(minimalYAML, overrides: ["training.epochs=[1"], contains: ["not valid YAML"])
        let error = try assertConfigError(minimalYAML, overrides: ["training.lr=0.01"],
                                          contains: ["unknown key training.lr in --set 'training.lr=0.01'",
                                                     "did you mean learning_rate?"])
        XCTAssertEqual(error?.keyPath, "training.lr")
        try assertConfigError(minimalYAML, overrides: ["tasks.ner.lable=ner"],
                              contains: ["unknown key tasks.ner.lable in --set", "did you mean label?"])
        try assertConfigError(minimalYAML, overrides: ["optimizer=adam"],
                              contains: ["unknown key optimizer in --set", "at the top level"])
        try assertConfigError(minimalYAML, overrides: ["training.epochs.max=3"],
                              contains: ["training.epochs is a single value with no key max"])
        try assertConfigError(minimalYAML + "\ntraining: 5\n", overrides: ["training.epochs=3"],
                              contains: ["training is '5' in the file, not a mapping"])
    }

    func testOverrideValuesAreValidatedLikeFileValues() throws {
        try assertConfigError(minimalYAML, overrides: ["training.batch_size=0"],
                              contains: ["invalid value for training.batch_size", "found 0"])
        try assertConfigError(minimalYAML, overrides: ["tasks.chunk.label=chunks"],
                              contains: ["tasks.chunk.label", "found chunks", "did you mean chunk?"])
    }

    // MARK: spelling

    func testSuggestions() {
        let training = TrainingConfig.CodingKeys.allCases.map(\.stringValue)
        XCTAssertEqual(ConfigSpelling.closestMatch(to: "lr", among: training), "learning_rate")
        XCTAssertEqual(ConfigSpelling.closestMatch(to: "bs", among: training), "batch_size")
        XCTAssertEqual(ConfigSpelling.closestMatch(to: "epoch", among: training), "epochs")
        XCTAssertEqual(ConfigSpelling.closestMatch(to: "learnig_rate", among: training), "learning_rate")
        XCTAssertEqual(ConfigSpelling.closestMatch(to: "LEARNING_RATE", among: training), "learning_rate")
        XCTAssertNil(ConfigSpelling.closestMatch(to: "banana", among: training))
        XCTAssertNil(ConfigSpelling.closestMatch(to: "e", among: training))
        XCTAssertEqual(ConfigSpelling.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(ConfigSpelling.editDistance("", "abc"), 3)
        XCTAssertEqual(ConfigSpelling.editDistance("lable", "label"), 1)
    }
}
