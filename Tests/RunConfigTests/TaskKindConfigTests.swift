import Foundation
import MultiTask
import RunConfig
import TestSupport
import XCTest

/// `tasks.<task>.kind` and the keys that go with it: defaults per kind, and settings that do not fit
/// a kind, each refused with the key and the fix.
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

    func testADependencyTaskDefaultsToDozatAndManningsSizesScoredByLAS() throws {
        let fixture = try ConfigFixture(self)
        try fixture.touch("configs/ewt/train.conllu")
        let config = try fixture.write(ewt + """
              deps: {label: deprel, kind: dependency}
              small: {label: deprel, kind: dependency, arc_size: 32, relation_size: 8, hidden: 0}
            """, to: "configs/x.yaml")
        let tasks = try ConfigLoader.load(file: config).config.tasks
        XCTAssertEqual(tasks["deps"]?.head, .softmax)
        XCTAssertEqual(tasks["deps"]?.metric, .las)
        XCTAssertEqual(tasks["deps"]?.arcSize, 500)
        XCTAssertEqual(tasks["deps"]?.relationSize, 100)
        XCTAssertEqual(tasks["small"]?.arcSize, 32)
        XCTAssertEqual(tasks["small"]?.relationSize, 8)
    }

    func testADependencyTaskNeedsTheRelationsOfAConlluCorpus() throws {
        try assertConfigError(ewt + "  deps: {label: upos, kind: dependency}\n", contains: ["tasks.deps.label", "deprel of a conllu corpus"])
        try assertConfigError("""
            corpora: {c: {columns: [text, deprel], train: conll03/train.txt}}
            tasks: {deps: {label: deprel, kind: dependency}}
            """, contains: ["tasks.deps.label", "conllu"])
        try assertConfigError(ewt + "  deps: {label: deprel, kind: dependency, arc_size: 0}\n", contains: ["tasks.deps.arc_size", ">= 1"])
        try assertConfigError(ewt + "  deps: {label: deprel, kind: dependency, metric: accuracy}\n", contains: ["tasks.deps.metric", "las"])
        try assertConfigError(ewt + "  upos: {label: upos, metric: accuracy, relation_size: 8}\n",
                              contains: ["tasks.upos.relation_size", "kind: dependency"])
        try assertConfigError(ewt + "  upos: {label: upos, metric: las}\n", contains: ["tasks.upos.metric", "span_f1 | accuracy"])
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
