import ArgumentParser
import Collective
import CoNLL
import Foundation
import ModelFiles
import Training

/// `mtl-dist evaluate`: scores a trained model on a split of its corpora or on a file.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Score a trained model on dev, test or a file.")

    @OptionGroup var model: ModelOption
    @Option(help: "dev, test, or a file in the format of the model's corpus (see --corpus).") var split = "dev"
    @Option(help: "With --split FILE: the corpus whose format and tasks apply (default: the first corpus); with dev or test: score only this corpus.")
    var corpus: String?
    @OptionGroup var output: JSONOption
    @Flag(help: "Also measure each task's calibration: the expected calibration error of its token probabilities (see Calibration).")
    var calibration = false
    @Option(name: .customLong("calibration-bins"), help: "Equal-width confidence bins of --calibration (1 to 1000).")
    var calibrationBins = 10

    func validate() throws {
        guard (1...1000).contains(calibrationBins) else {
            throw ValidationError("--calibration-bins \(calibrationBins): expected 1 to 1000 (10 to 15 is usual)")
        }
    }

    func run() throws {
        // under mpirun the sentences are split over the ranks and the counts summed
        let communicator = try makeCommunicator(environment: ProcessInfo.processInfo.environment)
        defer { try? communicator.finalize() }
        var loaded: TrainedModel? = nil
        var localError: String? = nil
        do { loaded = try model.load() } catch { localError = "\(error)" }
        if let failure = try communicator.agreeOnFailure(localError) {
            throw communicator.exitTogether(after: TrainingError.failedOnRank(rank: failure.rank, worldSize: communicator.worldSize,
                                                                              message: failure.message))
        }
        let trained = loaded!
        try ModelFingerprint(trained).agree(over: communicator, model: model.model)
        let meta = trained.metadata
        var results: [TaskEvaluation] = []
        var calibrations: [String: Calibration] = [:]
        if let corpus, trained.taskIndices(of: corpus).isEmpty {
            let known = meta.corpusOrder.filter { !trained.taskIndices(of: $0).isEmpty }
            throw ValidationError("--corpus \(corpus): the model has no task on such a corpus (its corpora: \(known.joined(separator: ", ")))")
        }
        if split == "dev" || split == "test" {
            for name in meta.corpusOrder where corpus == nil || corpus == name {
                let tasks = trained.taskIndices(of: name)
                guard !tasks.isEmpty, let c = meta.corpora[name] else { continue }
                guard let path = split == "dev" ? c.dev : c.test else { continue }
                let sentences = try trained.read(URL(fileURLWithPath: path), corpus: name)
                results += try Evaluator.evaluate(model: trained.model, encoder: meta.encoder, sentences: sentences,
                                                  taskIndices: tasks, communicator: communicator)
                try measureCalibration(trained, sentences: sentences, tasks: tasks, communicator: communicator, into: &calibrations)
            }
            guard !results.isEmpty else {
                let which = corpus.map { "corpus \($0) has" } ?? "the model's corpora have"
                throw ValidationError("\(which) no \(split) file; pass --split FILE")
            }
        } else {
            let name = corpus ?? meta.corpusOrder.first { !trained.taskIndices(of: $0).isEmpty } ?? ""
            let tasks = trained.taskIndices(of: name)
            let sentences = try trained.read(URL(fileURLWithPath: split), corpus: name)
            results = try Evaluator.evaluate(model: trained.model, encoder: meta.encoder, sentences: sentences,
                                             taskIndices: tasks, communicator: communicator)
            try measureCalibration(trained, sentences: sentences, tasks: tasks, communicator: communicator, into: &calibrations)
        }
        let score = Evaluator.mainScore(results, rule: .init(rawValue: meta.mainScore))
        guard communicator.isRoot else { return }
        var tasks: [String: Any] = [:]
        for r in results {
            var json = r.json
            if let c = calibrations[r.task] { json["calibration"] = c.json }
            tasks[r.task] = json
        }
        var text = Self.table(results, mainScore: score)
        for r in results {
            guard let c = calibrations[r.task] else { continue }
            text += String(format: "\n%@  calibration: ECE %.4f over %d tokens (%d equal-width bins)", r.task,
                           c.expectedCalibrationError, Int(c.total), c.binCount)
        }
        try output.emit(["tasks": tasks, "main_score": score], text: text)
    }

    /// With `--calibration`, each task's calibration on `sentences` (all ranks take part).
    private func measureCalibration(_ trained: TrainedModel, sentences: [Sentence], tasks: [Int], communicator: Communicator,
                                    into calibrations: inout [String: Calibration]) throws {
        guard calibration else { return }
        let found = try Evaluator.calibration(model: trained.model, encoder: trained.metadata.encoder, sentences: sentences,
                                              taskIndices: tasks, communicator: communicator, bins: calibrationBins)
        for (t, c) in zip(tasks, found) { calibrations[trained.metadata.encoder.tasks[t].name] = c }
    }

    /// Each task's scores (per span type for span tasks), then the main score.
    static func table(_ results: [TaskEvaluation], mainScore score: Double) -> String {
        var lines: [String] = []
        for r in results {
            if let spans = r.spans {
                lines.append(String(format: "%@  precision %.2f  recall %.2f  F1 %.2f", r.task, 100 * spans.precision,
                                    100 * spans.recall, 100 * spans.f1))
                for type in spans.types {
                    let c = spans.counts(for: type)
                    lines.append(String(format: "  %-8@ precision %.2f  recall %.2f  F1 %.2f  (%d gold, %d predicted)",
                                        type, 100 * c.precision, 100 * c.recall, 100 * c.f1, c.gold, c.predicted))
                }
            } else {
                lines.append(String(format: "%@  accuracy %.2f (%d tokens)", r.task, 100 * r.tokens.accuracy, r.tokens.total))
            }
        }
        lines.append(String(format: "main score %.2f", 100 * score))
        return lines.joined(separator: "\n")
    }
}
