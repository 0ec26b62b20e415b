import TaskSampling
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

    func testATaskThatAlsoRequiresALabelTrainsOnlyTheSentencesCarryingBoth() throws {
        // a parser reads relations and heads: a sentence with relations but no heads is unlabelled for it
        let parser = [TaskRouting.Task(name: "pos", corpus: "ud", label: "upos"),
                      TaskRouting.Task(name: "deps", corpus: "ud", label: "deprel", alsoRequires: ["head"])]
        let r = try TaskRouting(tasks: parser, corpora: [corpus("ud", [["upos", "deprel", "head"], ["upos", "deprel"], ["upos"]])],
                                useAllTasks: true)
        XCTAssertEqual(r.assignments, [[[0, 1], [0], [0]]])
        XCTAssertEqual(r.sentencesPerTask, [3, 1])
        XCTAssertEqual(r.unlabelledPerTask, [0, 2])
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

    func testUnannotatedSentencesOfATasksCorpusAreLeftOutAndCounted() throws {
        // conll03's second sentence has no ner labels (its column was all _): it trains nothing
        let r = try TaskRouting(tasks: tasks, corpora: [corpus("conll03", [["ner"], ["pos"]]), corpus("ewt", [["upos"], []])],
                                useAllTasks: false)
        XCTAssertEqual(r.assignments, [[[0], []], [[1], []]])
        XCTAssertEqual(r.sentencesPerTask, [1, 1])
        XCTAssertEqual(r.unlabelledPerTask, [1, 1])
        XCTAssertEqual(r.untrainedPerCorpus, [1, 1])
    }

    func testATaskWhoseCorpusCarriesNoLabelAtAllIsAnError() {
        XCTAssertThrowsError(try TaskRouting(tasks: tasks, corpora: [corpus("conll03", [["ner"]]), corpus("ewt", [[], []])],
                                             useAllTasks: false)) { error in
            XCTAssertEqual("\(error)", "task 'pos' gets no training sentence from corpus 'ewt'. None of its 2 sentences "
                           + "carries a 'upos' label (the column holds only _, unannotated): give tasks.pos a corpus annotated for upos.")
        }
    }

    func testACorpusReachedOnlyThroughUseAllTasksTrains() throws {
        // no task names 'extra' as its corpus, but its sentences carry ner
        let r = try TaskRouting(tasks: tasks, corpora: [corpus("conll03", [["ner"]]), corpus("ewt", [["upos"]]),
                                                        corpus("extra", [["ner", "chunk"], ["ner"]])], useAllTasks: true)
        XCTAssertEqual(r.assignments[2], [[0], [0]])
        XCTAssertEqual(r.sentencesPerTask, [3, 1])
    }

    func testSentencesOfAUseAllTasksCorpusCarryingNoTasksLabelAreTheCountedError() {
        XCTAssertThrowsError(try TaskRouting(tasks: tasks, corpora: [corpus("conll03", [["ner"]]), corpus("ewt", [["upos"]]),
                                                                     corpus("extra", [["chunk"], ["chunk"]])],
                                             useAllTasks: true)) { error in
            XCTAssertEqual(error as? SamplerError, .sentencesWithoutTask(
                corpus: "extra", split: "train", count: 2,
                hint: "No task uses corpus 'extra' and none of its labels (chunk) is a task's label. Add a task with corpus: extra, or remove the corpus from corpora."))
        }
    }

    func testUnannotatedSentencesOfAUseAllTasksCorpusAreLeftOut() throws {
        // extra's second sentence lacks ner (its column was all _): counted, not an error
        let r = try TaskRouting(tasks: tasks, corpora: [corpus("conll03", [["ner"]]), corpus("ewt", [["upos"]]),
                                                        corpus("extra", [["ner", "chunk"], ["chunk"]])], useAllTasks: true)
        XCTAssertEqual(r.assignments[2], [[0], []])
        XCTAssertEqual(r.untrainedPerCorpus, [0, 0, 1])
    }
}
