import Foundation
import TestSupport
import XCTest

/// A task with fewer sentences per step than there are ranks (3 sentences in all) is oversampled
/// to one sentence per rank, says so in the log, and trains on all 4 ranks.
final class SmallTaskOnEveryRankTests: XCTestCase {
    /// Three sentences of NER for the second task.
    static let tinyCorpus = """
        Paris\tB-LOC
        is\tO
        big\tO

        Anna\tB-PER
        sings\tO

        The\tO
        UN\tB-ORG
        met\tO
        today\tO


        """

    /// The default corpus (a copy) for UPOS and the three sentences for `tiny_ner`; a tiny model.
    static let config = """
        corpora:
          ewt:
            format: columns
            columns: [text, upos, ner]
            separator: tab
            train: ewt/train.tsv
            dev: ewt/dev.tsv
          tiny:
            format: columns
            columns: [text, ner]
            separator: tab
            train: tiny.tsv
        tasks:
          upos:
            corpus: ewt
            label: upos
            head: softmax
            hidden: 0
            metric: accuracy
          tiny_ner:
            corpus: tiny
            label: ner
            head: crf
            hidden: 0
            metric: span_f1
            input_scheme: iob2
            train_scheme: bioes
        encoder:
          word_dim: 16
          char_dim: 8
          char_hidden: 8
          shared_hidden: 16
        training:
          max_steps: 4
          batch_size: 8
          optimizer: sgd
          learning_rate: 0.05
          log_every: 1
          seed: 5

        """

    /// Writes the config and its corpora into a new temporary folder; returns the config file.
    private func writeConfig() throws -> URL {
        let folder = try temporaryDirectory()
        try MTLDist.copyDefaultCorpus(into: folder, as: "ewt")
        try Self.tinyCorpus.write(to: folder.appendingPathComponent("tiny.tsv"), atomically: true, encoding: .utf8)
        let config = folder.appendingPathComponent("two-corpora.yaml")
        try Self.config.write(to: config, atomically: true, encoding: .utf8)
        return config
    }

    func testPlanPutsBothTasksOnEveryRankInEveryStep() throws {
        let config = try writeConfig()
        let run = try MTLDist.run(["plan", "--config", config.path, "--world-size", "4"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let lines = try PlanLine.parse(run)
        var tasks: [[Int]: Set<String>] = [:]
        for l in lines { tasks[[l.step, l.rank], default: []].insert(l.task) }
        let steps = Set(lines.map(\.step))
        XCTAssertEqual(steps, Set(0..<steps.count), "a whole epoch of consecutive steps")
        XCTAssertGreaterThan(steps.count, 3, "more steps than the small task has sentences")
        XCTAssertEqual(tasks.count, 4 * steps.count, "every (step, rank) has sentences")
        let lacking = tasks.filter { $0.value != ["upos", "tiny_ner"] }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        XCTAssertEqual(lacking.count, 0, "(step, rank) without both tasks, first: " +
                       lacking.prefix(4).map { "step \($0.key[0]) rank \($0.key[1]): \($0.value.sorted())" }.joined(separator: "; "))
        XCTAssertEqual(Set(lines.filter { $0.task == "tiny_ner" }.map(\.sentence)), [0, 1, 2])
    }

    func testFourRanksTrainTheSmallTaskAndSayItIsOversampled() throws {
        let config = try writeConfig()
        let root = try temporaryDirectory()
        let models = try MTLDist.trainedModels(worldSizes: [1, 4], config: config, root: root, tasks: ["upos", "tiny_ner"]) { run, worldSize in
            XCTAssertEqual(run.occurrences(of: "sampler: task 'tiny_ner' is oversampled: 3 sentences drawn"), 1, "\(run)")
            XCTAssertEqual(run.occurrences(of: "to keep at least 1 per rank on up to 4 ranks"), 1, "\(run)")
            XCTAssertEqual(run.occurrences(of: "on \(worldSize) rank"), 1, "\(run)")
            let steps = (try? metricsLines(root.appendingPathComponent("np\(worldSize)")))?.filter { $0["type"] as? String == "train" }
            XCTAssertEqual(steps?.compactMap { $0["step"] as? Int }, [1, 2, 3, 4], "np \(worldSize)")
        }
        // every rank's share of the small task went into the gradient: np 4 trained what np 1 trained
        let d = try XCTUnwrap(models[1]).differences(from: try XCTUnwrap(models[4]))
        XCTAssertEqual(d.outside, 0, "np 4 vs np 1: \(d)")
    }
}
