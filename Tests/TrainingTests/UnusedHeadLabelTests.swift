import Foundation
import RunConfig
import Training
import XCTest

/// CoNLL-U HEAD is read as label type `head`; a run whose tasks do not read it trains exactly what
/// it trained before heads were read: the same routing, label dictionaries, notes and encoded
/// sentences as from the same file with every HEAD `_` (no `head` label at all).
final class UnusedHeadLabelTests: XCTestCase {
    /// Four CoNLL-U sentences; `withHeads` false writes `_` in every HEAD.
    private func conllu(withHeads: Bool) -> String {
        let words = [[("Anna", "PROPN", 2), ("sleeps", "VERB", 0)],
                     [("the", "DET", 2), ("dog", "NOUN", 3), ("runs", "VERB", 0), ("fast", "ADV", 3)],
                     [("Bob", "PROPN", 0)],
                     [("a", "DET", 2), ("cat", "NOUN", 0)]]
        return words.enumerated().map { n, sentence in
            "# sent_id = s\(n)\n" + sentence.enumerated().map { i, w in
                "\(i + 1)\t\(w.0)\t\(w.0.lowercased())\t\(w.1)\t_\t_\t\(withHeads ? String(w.2) : "_")\tdep\t_\t_\n"
            }.joined() + "\n"
        }.joined()
    }

    private func load(withHeads: Bool) throws -> TrainingData {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-heads-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        try Data(conllu(withHeads: withHeads).utf8).write(to: folder.appendingPathComponent("train.conllu"))
        try Data(conllu(withHeads: withHeads).utf8).write(to: folder.appendingPathComponent("dev.conllu"))
        let yaml = """
            corpora:
              ud: {format: conllu, train: train.conllu, dev: dev.conllu}
            tasks:
              upos: {corpus: ud, label: upos, head: softmax, metric: accuracy}
              deprel: {corpus: ud, label: deprel, head: softmax, metric: accuracy}
            """
        try Data(yaml.utf8).write(to: folder.appendingPathComponent("c.yaml"))
        return try TrainingData(resolved: try ConfigLoader.load(file: folder.appendingPathComponent("c.yaml")))
    }

    func testAHeadColumnNoTaskReadsChangesNothingTrained() throws {
        let with = try load(withHeads: true), without = try load(withHeads: false)
        XCTAssertEqual(with.train[0].map { $0.labels["head"] }, [["2", "0"], ["2", "3", "0", "3"], ["0"], ["2", "0"]])
        XCTAssertTrue(without.train[0].allSatisfy { $0.labels["head"] == nil })
        XCTAssertEqual(with.routing.assignments, without.routing.assignments)
        XCTAssertEqual(with.routing.assignments, [[[0, 1], [0, 1], [0, 1], [0, 1]]])
        XCTAssertEqual(with.encoder.tasks.map(\.labels.entries), without.encoder.tasks.map(\.labels.entries))
        XCTAssertEqual(with.notes, without.notes)
        XCTAssertEqual(with.encodedTrain[0].count, without.encodedTrain[0].count)
        for (a, b) in zip(with.encodedTrain[0], without.encodedTrain[0]) {
            XCTAssertEqual(a.wordIDs, b.wordIDs)
            XCTAssertEqual(a.caseIDs, b.caseIDs)
            XCTAssertEqual(a.characters, b.characters)
            XCTAssertEqual(a.tags, b.tags)
        }
    }
}
