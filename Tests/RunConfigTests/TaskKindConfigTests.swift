import Foundation
import MultiTask
import RunConfig
import TestSupport
import XCTest

/// `tasks.<task>.kind` and the keys that go with it: defaults per kind, the kinds this build cannot
/// train, and settings that do not fit a kind, each refused with the key and the fix.
final class TaskKindConfigTests: XCTestCase {
    let ewt = """
        corpora:
          ewt:
            format: conllu
            train: ewt/train.conllu
            comment_labels: [topic]
            sent_id_prefix_label: genre
        tasks:

        """

    func testClassificationAndLemmaTasksDefaultToASoftmaxScoredByAccuracy() throws {
        let fixture = try ConfigFixture(self)
        try fixture.touch("configs/ewt/train.conllu")
        let config = try fixture.write(ewt + """
              genre: {label: genre, kind: classification}
              lemma: {label: lemma, kind: lemma}
              upos: {label: upos, metric: accuracy}
            """, to: "configs/x.yaml")
        let tasks = try ConfigLoader.load(file: config).config.tasks
        XCTAssertEqual(tasks["genre"]?.head, .softmax)
        XCTAssertEqual(tasks["genre"]?.metric, .accuracy)
        XCTAssertEqual(tasks["genre"]?.pooling, .mean)
        XCTAssertEqual(tasks["lemma"]?.head, .softmax)
        XCTAssertNil(tasks["lemma"]?.pooling)
        // a tagger is what it was before kinds existed
        XCTAssertEqual(tasks["upos"]?.kind, .tagging)
        XCTAssertEqual(tasks["upos"]?.head, .crf)
        XCTAssertNil(tasks["upos"]?.pooling)
    }

    func testADependencyTaskIsNotAvailableYet() throws {
        try assertConfigError(ewt + "  deps: {label: deprel, kind: dependency}\n",
                              contains: ["tasks.deps.kind", "dependency", "not available in this build yet", "label: deprel"])
    }

    func testSettingsThatDoNotFitTheKindAreRefused() throws {
        try assertConfigError(ewt + "  lemma: {label: lemma, kind: lemma, head: crf}\n", contains: ["tasks.lemma.head", "softmax"])
        try assertConfigError(ewt + "  upos: {label: upos, metric: accuracy, pooling: mean}\n",
                              contains: ["tasks.upos.pooling", "kind: classification"])
        try assertConfigError(ewt + "  upos: {label: upos, metric: macro_f1}\n", contains: ["tasks.upos.metric", "span_f1 | accuracy"])
        try assertConfigError(ewt + "  lemma: {label: lemma, kind: lemma, metric: macro_f1}\n", contains: ["tasks.lemma.metric", "accuracy"])
        try assertConfigError(ewt + "  genre: {label: genre, kind: classification, pooling: max}\n",
                              contains: ["tasks.genre.pooling", "mean | first | attention"])
        // a sentence label trains only a classification task
        try assertConfigError(ewt + "  topic: {label: topic, metric: accuracy}\n", contains: ["tasks.topic.kind", "classification"])
    }

    func testSentenceLabelSourcesAreChecked() throws {
        try assertConfigError("""
            corpora: {c: {columns: [text, ner], train: conll03/train.txt, comment_labels: [topic]}}
            tasks: {ner: {label: ner}}
            """, contains: ["corpora.c.comment_labels", "tab-separated columns"])
        try assertConfigError("""
            corpora: {c: {format: conllu, train: ewt/train.conllu, comment_labels: [upos]}}
            tasks: {t: {label: upos, metric: accuracy}}
            """, contains: ["corpora.c.comment_labels", "column label"])
        try assertConfigError("""
            corpora: {c: {format: conllu, train: ewt/train.conllu, comment_labels: ["a b"]}}
            tasks: {t: {label: upos, metric: accuracy}}
            """, contains: ["corpora.c.comment_labels", "white space"])
        try assertConfigError("""
            corpora: {c: {format: text_label, train: conll03/train.txt}}
            tasks: {t: {label: label}}
            """, contains: ["tasks.t.kind", "classification"])
    }
}
