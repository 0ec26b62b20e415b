import ArgumentParser
import Checkpointing
import Foundation
import ModelFiles
import RunConfig
import TextIO
import Training

/// `mtl-dist checkpoint inspect|verify DIR`: what a checkpoint holds, and whether every byte of it
/// is intact. DIR is a checkpoint folder (`OUTPUT/checkpoints/step-N`) or a checkpoint directory,
/// which stands for its newest complete checkpoint.
struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint", abstract: "Inspect or verify a sharded checkpoint.",
        subcommands: [Inspect.self, Verify.self])

    /// The checkpoint folder `path` names, opened and fully validated (manifest and model description).
    static func open(_ path: String) throws -> CheckpointReader<CheckpointRecord> {
        var url = URL(fileURLWithPath: path)
        if DurableFile.size(of: CheckpointReader<CheckpointRecord>.manifestURL(in: url)) == nil,
           let newest = CheckpointDirectory(url: url).newest() {
            url = newest
        }
        let reader = try CheckpointReader<CheckpointRecord>(directory: url)
        let m = reader.manifest
        try m.training.model.validate(file: CheckpointReader<CheckpointRecord>.manifestURL(in: url).path,
                                      tensors: m.tensors.map { ($0.name, $0.shape, $0.offset) })
        return reader
    }

    /// The checkpoint argument of both subcommands.
    struct Folder: ParsableArguments {
        @Argument(help: "A checkpoint folder (OUTPUT/checkpoints/step-N) or a checkpoint directory (its newest).")
        var directory: String
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a checkpoint's step, epoch, world size, tasks, sizes and config summary.")
        @OptionGroup var folder: Folder
        @OptionGroup var output: JSONOption

        func run() throws {
            let reader = try CheckpointCommand.open(folder.directory)
            let m = reader.manifest, r = m.training, meta = r.model
            let tasks: [[String: Any]] = zip(meta.spec.heads, meta.encoder.tasks).map { head, task in
                var entry: [String: Any] = ["name": task.name, "corpus": task.corpus, "label": task.label, "labels": task.labels.count,
                                            "head": head.kind.rawValue, "hidden": head.hidden, "metric": task.metric.rawValue]
                if task.taskKind != .tagging { entry["kind"] = task.taskKind.rawValue }
                if let sizes = head.parser { entry["arc_size"] = sizes.arcSize; entry["relation_size"] = sizes.relationSize }
                return entry
            }
            var object: [String: Any] = [
                "checkpoint": reader.directory.path, "step": m.step, "epoch": r.sampler.epoch + 1,
                "step_in_epoch": r.sampler.step, "world_size": m.worldSize, "parameters": m.parameterCount,
                "state_bytes": m.stateBytes, "tensors": m.tensors.count, "tasks": tasks,
                "optimizer": ["kind": m.optimizer.kind, "step_count": m.optimizer.stepCount, "buffers": m.optimizer.buffers],
                "shards": m.shards.map { ["file": $0.file, "parameter_offset": $0.parameterOffset, "parameter_count": $0.parameterCount, "size": $0.size, "checksums": $0.checksums] },
                "vocabulary": ["words": meta.encoder.words.count, "characters": meta.encoder.characters.count],
                "seed": r.random.seed, "output_directory": r.outputDirectory,
            ]
            if let best = r.bestScore, let at = r.bestStep { object["best"] = ["score": best, "step": at] }
            object["schedule"] = r.schedule.kind.rawValue
            if let plateau = r.schedule.plateau { object["learning_rate"] = Double(plateau.learningRate) }
            let config = try configSummary(meta.config,
                                           manifest: CheckpointReader<CheckpointRecord>.manifestURL(in: reader.directory).path)
            object["config"] = config
            var lines = [
                "checkpoint \(reader.directory.path)",
                "step \(m.step) (epoch \(r.sampler.epoch + 1), step \(r.sampler.step) of it), saved by \(m.worldSize) rank\(m.worldSize == 1 ? "" : "s")",
                "tasks: " + zip(meta.spec.heads, meta.encoder.tasks).map { head, task in
                    // a tagger as before; another kind says so, a sentence head its pooling, a parser its MLP widths
                    let kind = task.taskKind == .tagging ? "" : "\(task.taskKind.rawValue), "
                    let pooling = head.pooling.map { ", \($0.rawValue) pooling" } ?? ""
                    let parser = head.parser.map { ", arcs \($0.arcSize), relations \($0.relationSize)" } ?? ""
                    return "\(task.name) (\(task.labels.count) labels, \(kind)\(head.kind.rawValue)\(pooling)\(parser))"
                }.joined(separator: ", "),
                "sizes: \(m.parameterCount) parameters in \(m.tensors.count) tensors; state \(m.stateBytes) bytes in \(m.shards.count) shard\(m.shards.count == 1 ? "" : "s"); vocabulary \(meta.encoder.words.count) words, \(meta.encoder.characters.count) characters",
                "optimizer: \(m.optimizer.kind), \(m.optimizer.stepCount) updates, buffers [\(m.optimizer.buffers.joined(separator: ", "))]",
            ]
            if let best = r.bestScore, let at = r.bestStep { lines.append(String(format: "best dev main score %.2f at step %d", 100 * best, at)) }
            lines.append("config: " + config.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
            try output.emit(object, text: lines.joined(separator: "\n"))
        }

        /// The `training.*` keys that shape the run, read from the resolved config the checkpoint
        /// stores (decoded and validated as a config file is; an unreadable one names the manifest).
        private func configSummary(_ yaml: String, manifest: String) throws -> [String: String] {
            let t = try TrainConfig(yaml: yaml, file: manifest + " (training.model.config)").training
            var result = [
                "training.optimizer": t.optimizer.rawValue, "training.learning_rate": "\(t.learningRate)",
                "training.batch_size": "\(t.batchSize)", "training.schedule": t.schedule.rawValue,
                "training.epochs": "\(t.epochs)", "training.seed": "\(t.seed)",
            ]
            if let maxSteps = t.maxSteps { result["training.max_steps"] = "\(maxSteps)" }
            return result
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every shard's size and checksum; exit non-zero naming the shard and byte range that is wrong.")
        @OptionGroup var folder: Folder

        func run() throws {
            let reader = try CheckpointCommand.open(folder.directory)
            try reader.verify()
            let m = reader.manifest
            try TextWriter.standardOutput.writeLine("ok: \(reader.directory.path): step \(m.step), \(m.shards.count) shard\(m.shards.count == 1 ? "" : "s"), \(m.stateBytes) bytes, every size and checksum as recorded")
        }
    }
}

/// `mtl-dist export`: a trained model as `model.safetensors` + `model.json`.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model or checkpoint as model.safetensors (float32) and model.json (and transformer/, a Hugging Face folder, when it has one).")
    @Option(help: "A checkpoint folder (or a checkpoint directory: its newest).") var checkpoint: String?
    @Option(help: "A model folder (OUTPUT/best) or an earlier export.") var model: String?
    @Option(help: "The folder to write (must not exist or be empty).") var output: String

    func validate() throws {
        guard (checkpoint == nil) != (model == nil) else {
            throw ValidationError("give exactly one of --checkpoint DIR and --model DIR")
        }
    }

    func run() throws {
        let source: URL
        if let checkpoint {
            source = try CheckpointCommand.open(checkpoint).directory
        } else {
            source = URL(fileURLWithPath: model!)
        }
        let trained = try TrainedModel(url: source)
        let out = URL(fileURLWithPath: output)
        try RunDirectory.check(out)
        try ModelExport.write(model: trained.model, metadata: trained.metadata, to: out)
        let transformer = trained.model.encoder.transformer == nil ? ""
            : "; \(ModelExport.transformerFolder)/: the transformer as a Hugging Face model folder"
        try TextWriter.standardOutput.writeLine("exported \(source.path) -> \(out.path) (model.safetensors, model.json; \(trained.model.store.count) parameters in \(trained.model.store.parameters.count) tensors\(transformer))")
    }
}
