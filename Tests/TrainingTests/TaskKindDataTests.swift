import CoNLL
import Foundation
import ModelFiles
import RunConfig
import TestSupport
@testable import Training
import XCTest

/// What `TrainingData` builds for classification and lemma tasks: their label dictionaries, gold ids,
/// how lemma accuracy is counted, and a non-constant sentence label refused at its line.
final class TaskKindDataTests: XCTestCase {
    private func load(train: String, _ yaml: String) throws -> TrainingData {
        let fixture = try ConfigFixture(self)
        try fixture.write(train, to: "train.tsv")
        return try TrainingData(resolved: ConfigLoader.load(file: fixture.write(yaml, to: "x.yaml")))
    }

    let lemmas = "Dogs\tdog\nran\trun\n\nThe\tthe\ncats\tcat\nsleep\tsleep\n\n"

    func testALemmaTaskLearnsEditScriptsAndPredictsTheirLemmas() throws {
        let data = try load(train: lemmas, "corpora: {c: {columns: [text, lemma], separator: tab, train: train.tsv}}\n"
                            + "tasks: {lemma: {label: lemma, kind: lemma}}\n")
        let task = try XCTUnwrap(data.encoder.tasks.first)
        XCTAssertEqual(task.taskKind, .lemma)
        // `dogs → dog` and `cats → cat` share one script: strip one letter
        XCTAssertEqual(task.labels.entries, ["<unk>", "lower|-0+|-1+", "lower|-0+|-2+un", "lower|-0+|-0+"])
        let encoded = try XCTUnwrap(data.encodedTrain.first)
        XCTAssertEqual(encoded.map { $0.tags[0]! }, [[1, 2], [3, 1, 3]])
        // the predicted scripts make the gold lemmas of the forms: all counted right
        let forms = ["The", "cats", "sleep"], gold = ["the", "cat", "sleep"]
        XCTAssertEqual(task.predictedTags([3, 1, 3], forms: forms), gold)
        XCTAssertEqual(AccuracyCounts(gold: task.goldTags(gold), predicted: task.predictedTags([3, 1, 3], forms: forms)).correct, 3)
        // <unk> predicts the form itself
        XCTAssertEqual(task.predictedTags([0], forms: ["Geese"]), ["Geese"])
        // a gold lemma `_` is right whatever is predicted, as conll18_ud_eval.py counts it
        let unknown = ["the", "_", "sleep"], predicted = task.predictedTags([3, 2, 2], forms: forms)
        XCTAssertEqual(predicted, ["the", "caun", "sleun"], "the run → run script on other forms")
        XCTAssertEqual(AccuracyCounts(gold: unknown, predicted: task.scored(predicted, gold: unknown)).correct, 2)
        XCTAssertEqual(AccuracyCounts(gold: unknown, predicted: predicted).correct, 1)
    }

    func testALemmaWhoseScriptIsNotInTheDictionaryIsCountedWrongWhateverIsPredicted() throws {
        let data = try load(train: lemmas, "corpora: {c: {columns: [text, lemma], separator: tab, train: train.tsv}}\n"
                            + "tasks: {lemma: {label: lemma, kind: lemma}}\n")
        let task = try XCTUnwrap(data.encoder.tasks.first)
        // `geese → goose` needs a script training never saw
        XCTAssertFalse(task.labels.contains(LemmaScriptLabel.of(form: "geese", lemma: "goose")))
        for id in 0..<task.labels.count {
            let counts = AccuracyCounts(gold: ["goose"], predicted: task.predictedTags([Int32(id)], forms: ["geese"]))
            XCTAssertEqual(counts.correct, 0, "script \(task.labels[id])")
            XCTAssertEqual(counts.total, 1)
        }
    }

    func testTheNoteOnUnseenDevLabelsNamesTheFirstTwenty() throws {
        let task = TaskInfo(name: "topic", corpus: "c", label: "topic", metric: .accuracy, inputScheme: nil, trainScheme: nil,
                            labels: Vocabulary(counting: [["seen"]], specials: [], unknown: nil), kind: .classification)
        let dev = (0..<25).map { i in
            Sentence(tokens: ["w"], labels: ["topic": [String(format: "t%02d", i)]], source: SourceLocation(file: "dev", line: i + 1))
        } + [Sentence(tokens: ["w"], labels: ["topic": ["seen"]], source: SourceLocation(file: "dev", line: 30))]
        let note = try XCTUnwrap(TrainingData.unseenDevLabels(tasks: [task], corpusNames: ["c"], dev: [dev]))
        XCTAssertTrue(note.hasSuffix("topic: t19 ×1 and 5 more"), note)
        XCTAssertFalse(note.contains("seen ×"), note)
    }

    func testAClassificationTaskHasOneLabelPerSentenceAndNoUnknownClass() throws {
        let data = try load(train: "Rain\tweather\nfalls\tweather\n\nGoal\tsport\n\n",
                            "corpora: {c: {columns: [text, topic], separator: tab, train: train.tsv}}\n"
                            + "tasks: {topic: {label: topic, kind: classification, pooling: attention}}\n")
        let task = try XCTUnwrap(data.encoder.tasks.first)
        XCTAssertEqual(task.labels.entries, ["weather", "sport"])
        XCTAssertEqual(data.encodedTrain[0].map { $0.tags[0]! }, [[0], [1]])
        XCTAssertEqual(task.goldTags(["sport", "sport"]), ["sport"])
        let spec = Trainer.modelSpec(config: data.resolved.config, encoder: data.encoder)
        XCTAssertEqual(spec.heads.map(\.pooling), [.attention])
    }

    func testAClassificationColumnThatChangesWithinASentenceIsRefusedAtItsLine() {
        XCTAssertThrowsError(try load(train: "Goal\tsport\n\nRain\tweather\nfalls\tsport\n\n",
                                      "corpora: {c: {columns: [text, topic], separator: tab, train: train.tsv}}\n"
                                      + "tasks: {topic: {label: topic, kind: classification}}\n")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("train.tsv:4") && message.contains("topic") && message.contains("kind: tagging"), message)
        }
    }
}

/// The script label of a form and lemma, as `TaskInfo.trainingTags` computes it.
private enum LemmaScriptLabel {
    static func of(form: String, lemma: String) -> String {
        TaskInfo(name: "l", corpus: "c", label: "lemma", metric: .accuracy, inputScheme: nil, trainScheme: nil,
                 labels: Vocabulary(), kind: .lemma).trainingTags([lemma], forms: [form])[0]
    }
}
