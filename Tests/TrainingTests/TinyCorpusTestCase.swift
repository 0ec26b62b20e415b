import Collective
import Foundation
import Training
import XCTest

/// Tests that train on a tiny two-task corpus in one process: `folder` holds train.tsv, dev.tsv
/// (8 sentences, token / UPOS / NER) and tiny.yaml, and `train(_:overrides:)` runs into a subfolder.
class TinyCorpusTestCase: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // 8 short sentences, tab-separated token / UPOS / NER, each followed by a blank line
        let sentences = [
            ["Mary\tPROPN\tB-PER", "lives\tVERB\tO", "in\tADP\tO", "Paris\tPROPN\tB-LOC"],
            ["John\tPROPN\tB-PER", "Smith\tPROPN\tI-PER", "works\tVERB\tO"],
            ["the\tDET\tO", "cat\tNOUN\tO", "sleeps\tVERB\tO"],
            ["Anna\tPROPN\tB-PER", "visits\tVERB\tO", "New\tPROPN\tB-LOC", "York\tPROPN\tI-LOC"],
            ["a\tDET\tO", "dog\tNOUN\tO", "runs\tVERB\tO"],
            ["Paris\tPROPN\tB-LOC", "is\tAUX\tO", "big\tADJ\tO"],
            ["John\tPROPN\tB-PER", "sleeps\tVERB\tO"],
            ["the\tDET\tO", "dog\tNOUN\tO", "lives\tVERB\tO", "in\tADP\tO", "York\tPROPN\tB-LOC"],
        ]
        let text = sentences.map { $0.joined(separator: "\n") + "\n\n" }.joined()
        try text.write(to: folder.appendingPathComponent("train.tsv"), atomically: true, encoding: .utf8)
        try text.write(to: folder.appendingPathComponent("dev.tsv"), atomically: true, encoding: .utf8)
        let yaml = """
            corpora:
              tiny: {format: columns, columns: [text, upos, ner], separator: tab, train: train.tsv, dev: dev.tsv}
            tasks:
              upos: {corpus: tiny, label: upos, head: softmax, hidden: 0, metric: accuracy}
              ner: {corpus: tiny, label: ner, head: crf, hidden: 8, metric: span_f1, train_scheme: bioes}
            encoder: {word_dim: 8, char_dim: 4, char_hidden: 4, case_dim: 2, shared_hidden: 8, dropout: 0.0, word_dropout: 0.0}
            training: {epochs: 60, batch_size: 4, optimizer: adam, learning_rate: 0.02, schedule: constant, log_every: 10}
            """
        try yaml.write(to: folder.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func train(_ output: String, overrides: [String] = []) throws -> (Trainer.Summary, String) {
        var log = ""
        let request = TrainingSession.Request(configFile: folder.appendingPathComponent("tiny.yaml"), overrides: overrides,
                                              dataDir: nil, output: folder.appendingPathComponent(output))
        let summary = try TrainingSession.run(request, communicator: SingleProcessCommunicator(), interactive: false) { log += $0 }
        return (summary, log)
    }
}
