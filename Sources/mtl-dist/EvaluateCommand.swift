import ArgumentParser
import Collective
import CoNLL
import Foundation
import ModelFiles
import RegularFiles
import TextIO
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
        try model.withPrecision { try evaluate() }
    }

    private func evaluate() throws {
        // under mpirun the sentences are split over the ranks and the counts summed
        let communicator = try makeCommunicator(environment: ProcessInfo.processInfo.environment)
        defer { try? communicator.finalize() }
        var loaded: TrainedModel? = nil
        var localError: String? = nil
        var identity = ""
        do {
            loaded = try model.load()
            // a file larger than the corpus's bound is refused by the read, unhashed (2 GB took 8 s to hash)
            let m = loaded!, read = corpus ?? m.metadata.corpusOrder.first { !m.taskIndices(of: $0).isEmpty } ?? ""
            let bound = m.metadata.corpora[read]?.maxFileBytes ?? 0
            identity = "model \(try ModelFingerprint(loaded!).value), --split \(try SplitIdentity.describe(split, maxBytes: bound)), --corpus \(corpus ?? "(all)"), \(model.precisionIdentity)"
        } catch { localError = "\(error)" }
        // ranks never assume they were started alike: mpirun's `-np 1 A : -np 1 B` would blend two models' counts
        if let failure = try communicator.agreeOnFailure(localError) ?? communicator.disagreementWithRoot(identity, about: "the model or the arguments") {
            throw communicator.exitTogether(after: TrainingError.failedOnRank(rank: failure.rank, worldSize: communicator.worldSize,
                                                                              message: failure.message))
        }
        let trained = loaded!
        if communicator.isRoot {
            for note in [trained.precisionNote, model.precisionNote].compactMap({ $0 }) { try TextWriter.standardError.writeLine(note) }
        }
        let meta = trained.metadata
        var results: [TaskEvaluation] = []
        var calibrations: [String: Calibration] = [:]
        if let corpus, trained.taskIndices(of: corpus).isEmpty {
            let known = meta.corpusOrder.filter { !trained.taskIndices(of: $0).isEmpty }
            throw ValidationError("--corpus \(corpus): the model has no task on such a corpus (its corpora: \(known.joined(separator: ", ")))")
        }
        var unscored: [String: String] = [:]
        if split == "dev" || split == "test" {
            for name in meta.corpusOrder where corpus == nil || corpus == name {
                let tasks = trained.taskIndices(of: name)
                guard !tasks.isEmpty, let c = meta.corpora[name] else { continue }
                guard let path = split == "dev" ? c.dev : c.test else {
                    // named, never silently dropped
                    for t in tasks { unscored[meta.encoder.tasks[t].name] = "corpus \(name) has no \(split) file (corpora.\(name).\(split))" }
                    continue
                }
                let sentences = try trained.read(URL(fileURLWithPath: path), corpus: name)
                results += try Evaluator.evaluate(model: trained.model, encoder: meta.encoder, sentences: sentences,
                                                  taskIndices: tasks, communicator: communicator)
                try measureCalibration(trained, sentences: sentences, tasks: tasks, communicator: communicator, into: &calibrations)
            }
            let reasons = Self.unscoredLines(unscored, order: meta.encoder.tasks.map(\.name))
            guard !results.isEmpty else {
                throw ValidationError("no task can be scored on the \(split) split:\n" + reasons.joined(separator: "\n")
                                      + "\nset the missing files in the model's config, or pass --split FILE")
            }
            if communicator.isRoot && !reasons.isEmpty {
                try TextWriter.standardError.writeLine("not scored on \(split):\n" + reasons.joined(separator: "\n"))
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
            // a classification task's calibration counts sentences
            text += String(format: "\n%@  calibration: ECE %.4f over %d %@ (%d equal-width bins)", r.task,
                           c.expectedCalibrationError, Int(c.total), r.labels == nil ? "tokens" : "sentences", c.binCount)
        }
        var object: [String: Any] = ["tasks": tasks, "main_score": score]
        if !unscored.isEmpty { object["unscored"] = unscored }
        try output.emit(object, text: text)
    }

    /// `task pos: corpus ewt has no test file (corpora.ewt.test)`, one per unscored task, in task order.
    static func unscoredLines(_ unscored: [String: String], order: [String]) -> [String] {
        order.compactMap { name in unscored[name].map { "task \(name): \($0)" } }
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
            } else if let attachment = r.attachment {
                lines.append(String(format: "%@  LAS %.2f  UAS %.2f  LAS with subtypes %.2f (%d words)", r.task,
                                    100 * attachment.universal.las, 100 * attachment.universal.uas,
                                    100 * attachment.withSubtypes.las, attachment.universal.words))
            } else if let labels = r.labels {
                lines.append(String(format: "%@  accuracy %.2f  macro-F1 %.2f (%d sentences)", r.task, 100 * r.tokens.accuracy,
                                    100 * labels.macroF1, r.tokens.total))
                for label in labels.labels {
                    lines.append(String(format: "  %-8@ F1 %.2f", label, 100 * labels.f1(of: label)))
                }
            } else {
                lines.append(String(format: "%@  accuracy %.2f (%d tokens)", r.task, 100 * r.tokens.accuracy, r.tokens.total))
            }
        }
        lines.append(String(format: "main score %.2f", 100 * score))
        return lines.joined(separator: "\n")
    }
}

/// What `--split` names, in a form ranks can compare: `dev` or `test` as written, a file by its size
/// and content hash (copies at different paths agree; the same path holding other data does not).
enum SplitIdentity {
    /// `split` itself for `dev`, `test` and a file the reader will refuse (unreadable, or more than
    /// `maxBytes`: it is not read at all); else the file's size and FNV-1a hash.
    static func describe(_ split: String, maxBytes: Int) throws -> String {
        // what cannot be read is refused by the reader, with its own message
        guard split != "dev" && split != "test", RegularFile.problem(at: split) == nil else { return split }
        let size = try RegularFile.size(split)
        guard size <= maxBytes else { return "a file of \(size) bytes" }
        var hash = FNV1a64()
        try RegularFile.forEachChunk(of: split, bytes: 0..<size) { chunk, _ in hash.combine(bytes: chunk) }
        return "a file of \(size) bytes (FNV-1a " + String(format: "%016llx", hash.value) + ")"
    }
}
