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
            let directory = resolved.checkpointDirectory(output: output)
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
        let url = try ResumePlan.checkpointFolder(named: resume)
        reader = try CheckpointReader(directory: url)
        logLines.append("resuming from \(url.path) into \(output.path)")
    }

    /// The checkpoint `--resume DIR` names: DIR itself when it holds a manifest, else the newest
    /// complete checkpoint inside it.
    static func checkpointFolder(named path: String) throws -> URL {
        let url = URL(fileURLWithPath: NSString(string: path).expandingTildeInPath)
        if DurableFile.size(of: CheckpointReader<CheckpointRecord>.manifestURL(in: url)) != nil { return url }
        guard let newest = CheckpointDirectory(url: url).newest() else {
            throw CheckpointError.noCheckpoint(path: url.path, hint: "--resume names a checkpoint folder (OUTPUT/checkpoints/step-N) or a checkpoint directory holding one; use --resume auto to start fresh when there is none")
        }
        return newest
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
            throw ResumeError.storedConfigDoesNotLoad(checkpoint: reader.directory.path, reason: "\(error)")
        }
        let (safe, refused) = try ResumeCheck.differences(saved: saved, current: resolved.absoluteConfig)
        guard refused.isEmpty else {
            throw ResumeError.configChanged(checkpoint: reader.directory.path, refused: refused, safe: ResumeCheck.safeKeys)
        }
        let savedEncoder = record.model.encoder
        if savedEncoder != data.encoder {
            var what: [String] = []
            if savedEncoder.words != data.encoder.words { what.append("words: \(savedEncoder.words.count) saved, \(data.encoder.words.count) now") }
            if savedEncoder.characters != data.encoder.characters { what.append("characters: \(savedEncoder.characters.count) saved, \(data.encoder.characters.count) now") }
            for (a, b) in zip(savedEncoder.tasks, data.encoder.tasks) where a != b {
                what.append("task \(a.name): \(a.labels.count) labels saved, \(b.labels.count) now")
            }
            throw ResumeError.dataChanged(checkpoint: reader.directory.path, what: what.isEmpty ? "task list" : what.joined(separator: "; "))
        }
        if !safe.isEmpty {
            logLines.append("resume: config changes allowed: " + safe.map(\.description).joined(separator: "; "))
        }
    }

    /// Rank 0, once the output folder exists: `metrics.jsonl` continues from the checkpoint's step
    /// (lines after it, written before the run stopped, are dropped); into a new folder, the
    /// original run's lines up to that step and its `best/` are copied when proven to be the
    /// checkpoint's run (`RunIdentity.copyFromOriginal`). Returns log lines on what was not copied.
    func prepareOutput(_ output: URL) throws -> [String] {
        let metrics = output.appendingPathComponent("metrics.jsonl")
        guard let reader else {
            if continuesInPlace { try MetricsLog.keepLines(upTo: 0, from: metrics, to: metrics) }
            return []
        }
        let record = reader.manifest.training
        if continuesInPlace {
            try MetricsLog.keepLines(upTo: record.step, from: metrics, to: metrics)
            return []
        }
        return try RunIdentity.copyFromOriginal(record, into: output)
    }
}
