import Training
import XCTest

final class TaskRoutingTests: XCTestCase {
    let tasks = [
        TaskRouting.Task(name: "ner", corpus: "conll03", label: "ner"),
        TaskRouting.Task(name: "pos", corpus: "ewt", label: "upos"),
    ]

    func corpus(_ name: String, _ labels: [Set<String>]) -> TaskRouting.Corpus {
        TaskRouting.Corpus(name: name, split: "train", labelTypes: labels,
                           locations: labels.indices.map { "\(name).txt:\($0 * 10 + 1)" })
    }

    func testEachCorpusTrainsItsOwnTasks() throws {
        let r = try TaskRouting(tasks: tasks, corpora: [corpus("conll03", [["ner", "pos"], ["ner", "pos"]]),
                                                        corpus("ewt", [["upos"]])], useAllTasks: false)
        XCTAssertEqual(r.assignments, [[[0], [0]], [[1]]])
        XCTAssertEqual(r.sentencesPerTask, [2, 1])
    }

    func testUseAllTasksRoutesByCarriedLabelsOnly() throws {
        // an EWT sentence that also carries ner trains both; one without ner never gets all-O targets
        let r = try TaskRouting(tasks: tasks, corpora: [corpus("conll03", [["ner"]]),
                                                        corpus("ewt", [["upos", "ner"], ["upos"]])], useAllTasks: true)
        XCTAssertEqual(r.assignments, [[[0]], [[0, 1], [1]]])
        let off = try TaskRouting(tasks: tasks, corpora: [corpus("conll03", [["ner"]]),
                                                          corpus("ewt", [["upos", "ner"], ["upos"]])], useAllTasks: false)
        XCTAssertEqual(off.assignments, [[[0]], [[1], [1]]])
    }

    func testSentencesWithoutTaskAreAnErrorThatSaysHowMany() {
        XCTAssertThrowsError(try TaskRouting(tasks: tasks, corpora: [corpus("conll03", [["ner"]]), corpus("ewt", [["upos"]]),
                                                                     corpus("extra", [["chunk"], ["chunk"], ["chunk"]])],
                                             useAllTasks: false)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("'extra'") && text.contains("3 sentences") && text.contains("use_all_tasks"), text)
        }
    }

    func testTaskWithoutSentencesIsAnError() {
        XCTAssertThrowsError(try TaskRouting(tasks: tasks + [TaskRouting.Task(name: "chunk", corpus: "missing", label: "chunk")],
                                             corpora: [corpus("conll03", [["ner"]]), corpus("ewt", [["upos"]])],
                                             useAllTasks: true)) { error in
            XCTAssertTrue("\(error)".contains("task 'chunk'"), "\(error)")
        }
    }

    func testSentenceOfATasksCorpusLackingItsLabelsIsAnErrorWithItsLocation() {
        XCTAssertThrowsError(try TaskRouting(tasks: tasks, corpora: [corpus("conll03", [["ner"], ["pos"]]), corpus("ewt", [["upos"]])],
                                             useAllTasks: false)) { error in
            XCTAssertTrue("\(error)".contains("conll03.txt:11") && "\(error)".contains("'ner'"), "\(error)")
        }
    }
}
