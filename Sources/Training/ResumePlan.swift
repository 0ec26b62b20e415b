import Checkpointing
import Foundation
import ModelFiles
import RunConfig

/// How a run starts with `--resume`: from which checkpoint (or fresh), in which folder, and what
/// it carries over. Built on every rank before the first collective, so a bad checkpoint or a
/// refused config change stops all ranks with one message.
struct ResumePlan {
    /// The checkpoint to continue from; nil for a fresh start.
    let reader: CheckpointReader<CheckpointRecord>?
    /// `--resume auto`: the run continues in its own output folder (which may hold files).
    let continuesInPlace: Bool
    /// Lines for the log: where the run resumes from and which safe config changes apply.
    private(set) var logLines: [String] = []

    /// `resume`: nil (a fresh run), `auto`, or a checkpoint folder / checkpoint directory.
    init(_ resume: String?, resolved: ResolvedConfig, output: URL) throws {
        guard let resume else {
            reader = nil
            continuesInPlace = false
            return
        }
        if resume == "auto" {
            continuesInPlace = true
            let directory = Trainer.checkpointDirectory(resolved, output: output)
            if let newest = CheckpointDirectory(url: directory).newest() {
                reader = try CheckpointReader(directory: newest)
                logLines.append("resume auto: continuing from \(newest.path)")
            } else {
                reader = nil
                logLines.append("resume auto: no complete checkpoint under \(directory.path): starting from the beginning")
            }
            return
        }
        continuesInPlace = false
        var url = URL(fileURLWithPath: resume)
        if DurableFile.size(of: CheckpointReader<CheckpointRecord>.manifestURL(in: url)) == nil {
            guard let newest = CheckpointDirectory(url: url).newest() else {
                throw CheckpointError.noCheckpoint(path: url.path, hint: "--resume names a checkpoint folder (OUTPUT/checkpoints/step-N) or a checkpoint directory holding one; use --resume auto to start fresh when there is none")
            }
            url = newest
        }
        reader = try CheckpointReader(directory: url)
        logLines.append("resuming from \(url.path) into \(output.path)")
    }

    /// Refuses a resume whose config changes the model, the data or the optimisation (naming every
    /// key that differs), or whose data builds other vocabularies or label dictionaries; lists the
    /// safe changes in the log.
    mutating func check(resolved: ResolvedConfig, data: TrainingData) throws {
        guard let reader else { return }
        let record = reader.manifest.training
        let file = CheckpointReader<CheckpointRecord>.manifestURL(in: reader.directory).path
        try record.model.validate(file: file, tensors: reader.manifest.tensors.map { ($0.name, $0.shape, $0.offset) })
        let saved: TrainConfig
        do {
            saved = try TrainConfig(yaml: record.model.config, file: file + " (training.model.config)")
        } catch {
            throw TrainingError.invalidModel(file, reason: "its resolved config does not load: \(error)")
        }
        let (safe, refused) = try ResumeCheck.differences(saved: saved, current: resolved.absoluteConfig)
        guard refused.isEmpty else {
            throw TrainingError.invalidModel(reader.directory.path, reason: "resuming would change the model, data or optimisation: "
                + refused.map(\.description).joined(separator: "; ")
                + ". Resume with the checkpoint's config (only \(ResumeCheck.safeKeys.joined(separator: ", ")) may change), or start a new run")
        }
        let savedEncoder = record.model.encoder
        if savedEncoder != data.encoder {
            var what: [String] = []
            if savedEncoder.words != data.encoder.words { what.append("words: \(savedEncoder.words.count) saved, \(data.encoder.words.count) now") }
            if savedEncoder.characters != data.encoder.characters { what.append("characters: \(savedEncoder.characters.count) saved, \(data.encoder.characters.count) now") }
            for (a, b) in zip(savedEncoder.tasks, data.encoder.tasks) where a != b {
                what.append("task \(a.name): \(a.labels.count) labels saved, \(b.labels.count) now")
            }
            throw TrainingError.invalidModel(reader.directory.path, reason: "the training data builds other vocabularies or label dictionaries than the checkpoint's ("
                + (what.isEmpty ? "task list" : what.joined(separator: "; ")) + "); resume with the data the checkpoint was trained on")
        }
        if !safe.isEmpty {
            logLines.append("resume: config changes allowed: " + safe.map(\.description).joined(separator: "; "))
        }
    }

    /// Rank 0, once the output folder exists: `metrics.jsonl` continues from the checkpoint's step
    /// (lines after it, written before the run stopped, are dropped); into a new folder, the
    /// original run's lines up to that step are copied, and its `best/` when it is the best model
    /// the checkpoint records.
    func prepareOutput(_ output: URL) throws {
        let metrics = output.appendingPathComponent("metrics.jsonl")
        guard let reader else {
            if continuesInPlace { try MetricsLog.keepLines(upTo: 0, from: metrics, to: metrics) }
            return
        }
        let record = reader.manifest.training
        if continuesInPlace {
            try MetricsLog.keepLines(upTo: record.step, from: metrics, to: metrics)
            return
        }
        let original = URL(fileURLWithPath: record.outputDirectory)
        try MetricsLog.keepLines(upTo: record.step, from: original.appendingPathComponent("metrics.jsonl"), to: metrics)
        let best = original.appendingPathComponent("best")
        if let step = record.bestStep,
           let manifest = try? ModelArchive.manifest(at: best, as: ModelMetadata.self), manifest.metadata.step == step {
            try FileManager.default.copyItem(at: best, to: output.appendingPathComponent("best"))
        }
    }
}
