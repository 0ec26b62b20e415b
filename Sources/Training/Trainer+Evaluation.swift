import Collective
import Foundation
import ModelFiles
import Reporting
import RunConfig

extension Trainer {
    /// Every task on its own corpus's dev split (tasks whose corpus has none are skipped).
    func evaluateDev() throws -> [TaskEvaluation] {
        var results: [TaskEvaluation] = []
        for (c, name) in data.corpusNames.enumerated() {
            guard let sentences = data.dev[c] else { continue }
            let tasks = data.encoder.tasks.indices.filter { data.encoder.tasks[$0].corpus == name }
            guard !tasks.isEmpty else { continue }
            results += try Evaluator.evaluate(model: model, encoder: data.encoder, sentences: sentences,
                                              taskIndices: tasks, communicator: communicator)
        }
        // report in task order
        let order = data.encoder.tasks.map(\.name)
        return results.sorted { order.firstIndex(of: $0.task)! < order.firstIndex(of: $1.task)! }
    }

    func report(_ results: [TaskEvaluation], score: Double, step: Int, epoch: Int, due: Due, log: MetricsLog?) throws {
        var tasks: [String: Any] = [:]
        for r in results { tasks[r.task] = r.json }
        try log?.append(due.marking(["type": "eval", "split": "dev", "step": step, "epoch": epoch, "tasks": tasks, "main_score": score]))
        // the run's curves.svg, redrawn (atomically) from metrics.jsonl at every evaluation
        if communicator.isRoot { try TrainingCurves.redraw(runDirectory: outputDirectory) }
        let parts = results.map(\.summary)
        progress.line("dev after epoch \(epoch), step \(step): " + parts.joined(separator: ", ") + String(format: "  (main %.2f)", 100 * score))
    }

    func saveModel(named name: String, step: Int, epoch: Int, score: Double?) throws {
        guard communicator.isRoot else { return }
        try TrainedModel.save(model, metadata: try modelMetadata(step: step, epoch: epoch, score: score),
                              to: outputDirectory.appendingPathComponent(name))
    }

    /// What a saved model or checkpoint records about this model at `step`.
    func modelMetadata(step: Int, epoch: Int, score: Double?) throws -> ModelMetadata {
        var corpora: [String: CorpusConfig] = [:]
        for (n, c) in resolved.absoluteConfig.corpora { corpora[n] = c }
        var metadata = ModelMetadata(spec: model.spec, encoder: data.encoder, corpora: corpora,
                                     corpusOrder: data.corpusNames, config: try resolved.yamlString(), step: step, epoch: epoch,
                                     mainScore: resolved.config.training.mainScore.rawValue, devMainScore: score)
        metadata.frozenTransformerChecksum = frozenTransformerChecksum
        return metadata
    }
}
