import CoNLL
import Foundation
import RunConfig
import TaskSampling
import Training
import XCTest

/// Loading real corpus files through a config: an all-`_` column is no label (the sentence neither
/// trains nor is scored for that task, and the count is reported), a corpus with no label at all
/// for its task is an error, and a corpus that only `use_all_tasks` reaches trains.
final class UnannotatedAndRoutedCorporaTests: XCTestCase {
    /// CoNLL-U sentences `n`; those in `unannotated` have UPOS and XPOS `_`.
    private func conllu(_ count: Int, unannotated: Set<Int>) -> String {
        (0..<count).map { n in
            let (upos, xpos) = unannotated.contains(n) ? ("_", "_") : ("PROPN", "NNP")
            return "# sent_id = s\(n)\n1\tAnna\tAnna\t\(upos)\t\(xpos)\t_\t2\tnsubj\t_\t_\n"
                + "2\tsleeps\tsleep\t\(unannotated.contains(n) ? "_" : "VERB")\t\(xpos)\t_\t0\troot\t_\t_\n\n"
        }.joined()
    }

    private func load(_ yaml: String, files: [String: String]) throws -> TrainingData {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-routed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        for (name, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
        let config = folder.appendingPathComponent("c.yaml")
        try Data(yaml.utf8).write(to: config)
        return try TrainingData(resolved: try ConfigLoader.load(file: config))
    }

    private let uposYAML = """
        corpora:
          ud: {format: conllu, train: train.conllu, dev: dev.conllu}
        tasks:
          upos: {corpus: ud, label: upos, head: softmax, metric: accuracy}
        """

    func testUnderscoreUPOSTrainsNothingAndIsCounted() throws {
        let data = try load(uposYAML, files: ["train.conllu": conllu(5, unannotated: [1, 3]),
                                              "dev.conllu": conllu(2, unannotated: [0])])
        XCTAssertEqual(data.sentencesPerTask, [3])
        XCTAssertEqual(data.routing.assignments, [[[0], [], [0], [], [0]]])
        XCTAssertFalse(data.encoder.tasks[0].labels.contains("_"), "\(data.encoder.tasks[0].labels.entries)")
        XCTAssertTrue(data.notes.contains { $0.hasSuffix("train.conllu: 2 sentences carry no 'upos' label (the column holds only _); no task trains or scores upos on them") },
                      "\(data.notes)")
        XCTAssertTrue(data.notes.contains { $0.hasSuffix("dev.conllu: 1 sentences carry no 'upos' label (the column holds only _); no task trains or scores upos on them") },
                      "\(data.notes)")
        XCTAssertTrue(data.notes.contains("corpus ud: 2 training sentences are unannotated for every task and are left out"),
                      "\(data.notes)")
    }

    func testACorpusWithNoUPOSLabelAtAllIsAnError() {
        XCTAssertThrowsError(try load(uposYAML, files: ["train.conllu": conllu(3, unannotated: [0, 1, 2]),
                                                         "dev.conllu": conllu(1, unannotated: [])])) { error in
            XCTAssertEqual("\(error)", "task 'upos' gets no training sentence from corpus 'ud'. None of its 3 sentences carries "
                           + "a 'upos' label (the column holds only _, unannotated): give tasks.upos a corpus annotated for upos.")
        }
    }

    func testACorpusReachedOnlyThroughUseAllTasksTrains() throws {
        let yaml = """
            corpora:
              ud: {format: conllu, train: train.conllu}
              extra: {format: conllu, train: extra.conllu}
            tasks:
              upos: {corpus: ud, label: upos, head: softmax, metric: accuracy}
            use_all_tasks: true
            """
        let data = try load(yaml, files: ["train.conllu": conllu(2, unannotated: []), "extra.conllu": conllu(3, unannotated: [2])])
        XCTAssertEqual(data.sentencesPerTask, [4])
        XCTAssertEqual(data.routing.assignments, [[[0], [0]], [[0], [0], []]])
    }

    func testSentencesThatNoTaskReadsAreTheCountedLoadTimeError() {
        let yaml = """
            corpora:
              ud: {format: conllu, train: train.conllu}
              names: {format: columns, columns: [text, ner], train: names.txt}
            tasks:
              upos: {corpus: ud, label: upos, head: softmax, metric: accuracy}
            use_all_tasks: true
            """
        XCTAssertThrowsError(try load(yaml, files: ["train.conllu": conllu(2, unannotated: []),
                                                    "names.txt": "Anna B-PER\n\nBob B-PER\n\nTom B-PER\n\n"])) { error in
            XCTAssertEqual(error as? SamplerError, .sentencesWithoutTask(
                corpus: "names", split: "train", count: 3,
                hint: "No task uses corpus 'names' and none of its labels (ner) is a task's label. Add a task with corpus: names, or remove the corpus from corpora."))
        }
    }
}
