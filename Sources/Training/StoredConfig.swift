import Checkpointing
import Foundation
import ModelFiles
import RunConfig

/// The config `train --resume` continues with when no `--config` is given: the resolved config the
/// checkpoint stored (every path absolute), so `train --resume auto --output DIR` continues a run
/// started with `--config C --set a=b` exactly. `--set` overrides apply on top of it, and the
/// resume check then lists the safe changes and refuses the others, as with a given config.
enum StoredConfig {
    /// The largest `resolved-config.yaml` read.
    static let maxBytes = 1 << 20

    /// For `--resume auto`: the newest checkpoint's config in the checkpoint directory that
    /// `OUTPUT/resolved-config.yaml` names, or that file's config when there is no checkpoint yet;
    /// nil when the folder holds no run (no `resolved-config.yaml`): `--resume auto` is then a fresh
    /// start, with the config a fresh start takes (the built-in default with `--set`), as the
    /// first submission of `launch/slurm.sbatch` needs.
    /// For `--resume DIR`: the config of the checkpoint DIR names.
    static func load(resume: String, output: URL, overrides: [String]) throws -> ResolvedConfig? {
        guard resume == "auto" else { return try fromCheckpoint(ResumePlan.checkpointFolder(named: resume), overrides: overrides) }
        let runConfig = output.appendingPathComponent(ResolvedConfig.fileName)
        guard let size = DurableFile.size(of: runConfig) else { return nil }
        guard size <= maxBytes, let text = try? String(contentsOf: runConfig, encoding: .utf8) else {
            throw ResumeError.noStoredConfig(output: output.path)
        }
        let run = try ConfigLoader.load(storedYAML: text, name: runConfig.path)
        if let newest = CheckpointDirectory(url: run.checkpointDirectory(output: output)).newest() {
            return try fromCheckpoint(newest, overrides: overrides)
        }
        return try ConfigLoader.load(storedYAML: text, name: runConfig.path, overrides: overrides)
    }

    /// The config stored in the checkpoint `folder`, with `overrides`.
    static func fromCheckpoint(_ folder: URL, overrides: [String]) throws -> ResolvedConfig {
        let reader = try CheckpointReader<CheckpointRecord>(directory: folder)
        let name = CheckpointReader<CheckpointRecord>.manifestURL(in: folder).path + " (training.model.config)"
        return try ConfigLoader.load(storedYAML: reader.manifest.training.model.config, name: name, overrides: overrides)
    }
}

extension TrainingSession.Request {
    /// The run's config: `--config` (or the built-in default) with `--set`; with `--resume` and no
    /// `--config`, the config the run stored (`StoredConfig`).
    func loadConfig() throws -> ResolvedConfig {
        if let resume, configFile == nil,
           let stored = try StoredConfig.load(resume: resume, output: output, overrides: overrides) { return stored }
        return try ConfigLoader.load(file: configFile, overrides: overrides, dataDir: dataDir)
    }

    /// Where the config came from, for the log.
    var configSource: String {
        if let configFile { return configFile.path }
        if let resume { return "stored with the run (--resume \(resume))" }
        return "built-in default (embedded EWT UPOS + NER corpus)"
    }
}

extension TrainingSession {
    /// The command that continues a stopped run in `output`, as a shell takes it: the config comes
    /// from the run's checkpoint, so no `--config` or `--set` is needed.
    public static func resumeCommand(output: URL) -> String {
        "mtl-dist train --resume auto --output " + shellQuoted(output.path)
    }

    /// `text` as one shell word: as it is when it holds only safe characters, else in single quotes.
    static func shellQuoted(_ text: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:=@%,")
        if !text.isEmpty && text.allSatisfy(safe.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
