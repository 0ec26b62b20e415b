import Collective
import Foundation
import ModelFiles

extension Trainer {
    /// The end of a run whose corpora have test files: the best model (`OUTPUT/best`, as saved) is
    /// scored on every test split, which gives a log line and a `{"type": "test", ...}` record in
    /// `metrics.jsonl` (`best_step` rather than `step`, so a resumed run's log never keeps an old
    /// one), and its predictions on the dev and test splits go to `OUTPUT/predictions/` (see
    /// `PredictionFiles`). Rank 0 does it alone (it wrote `best/`; the other ranks may run on hosts
    /// that cannot read it) and the ranks agree on its outcome, so a failure stops all of them.
    func scoreBestModel(log: MetricsLog?) throws {
        guard data.test.contains(where: { $0 != nil }) else { return }
        var local: String? = nil
        var outcome: (results: [TaskEvaluation], bestStep: Int)? = nil
        if communicator.isRoot {
            do { outcome = try scoreAndWritePredictions() } catch { local = "scoring the best model on the test files: \(error)" }
        }
        if let failure = try communicator.agreeOnFailure(local) {
            throw TrainingError.failedOnRank(rank: failure.rank, worldSize: communicator.worldSize, message: failure.message)
        }
        guard let outcome else { return }
        let score = Evaluator.mainScore(outcome.results, rule: resolved.config.training.mainScore)
        var tasks: [String: Any] = [:]
        for r in outcome.results { tasks[r.task] = r.json }
        try log?.append(["type": "test", "split": "test", "best_step": outcome.bestStep, "tasks": tasks, "main_score": score])
        let parts = outcome.results.map(\.summary)
        progress.line("test (best model, step \(outcome.bestStep)): " + parts.joined(separator: ", ")
                      + String(format: "  (main %.2f); predictions in %@", 100 * score,
                               outputDirectory.appendingPathComponent("predictions").path))
    }

    /// Rank 0's part of `scoreBestModel`: loads `best/`, decodes every dev and test split of the
    /// corpora once (scores and prediction files from the same pass) and returns the test scores
    /// in task order with the step the best model was saved at.
    private func scoreAndWritePredictions() throws -> (results: [TaskEvaluation], bestStep: Int) {
        let trained = try TrainedModel(url: outputDirectory.appendingPathComponent("best"))
        let encoder = trained.metadata.encoder
        let alone = SingleProcessCommunicator()
        let folder = outputDirectory.appendingPathComponent("predictions")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.cannotWrite(folder.path, reason: "\(error)")
        }
        var results: [TaskEvaluation] = []
        for (c, name) in data.corpusNames.enumerated() {
            let tasks = trained.taskIndices(of: name)
            guard !tasks.isEmpty else { continue }
            for (split, read) in [("dev", data.dev[c]), ("test", data.test[c])] {
                guard let sentences = read else { continue }
                var files = PredictionFiles(split: split, tasks: tasks.map { encoder.tasks[$0] })
                let scores = try Evaluator.evaluate(model: trained.model, encoder: encoder, sentences: sentences,
                                                    taskIndices: tasks, communicator: alone) { s, predicted in
                    files.add(sentences[s], predicted: predicted)
                }
                try files.write(to: folder)
                if split == "test" { results += scores }
            }
        }
        let order = encoder.tasks.map(\.name)
        results.sort { (order.firstIndex(of: $0.task) ?? 0) < (order.firstIndex(of: $1.task) ?? 0) }
        return (results, trained.metadata.step)
    }
}
