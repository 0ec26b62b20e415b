import ArgumentParser
import Collective
import Foundation
import ModelFiles
import TextIO
import Training

/// `mtl-dist predict`: tags text with every task of a trained model, as a stream; under mpirun the
/// ranks share the decoding and rank 0 writes the output once, in input order (`PredictionRun`).
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Tag CoNLL or plain text with a trained model.")

    @OptionGroup var model: ModelOption
    @Option(help: "Input file, or - for standard input.") var input = "-"
    @Option(help: "Output file, or - for standard output. A file is written beside its name and put in place once complete: a run that fails leaves an earlier file as it was. Under mpirun rank 0 writes it directly, where standard output would pass through mpirun.")
    var output = "-"
    @Option(name: .customLong("input-format"), help: "conll (a token per line), conllu (the FORM column of CoNLL-U), text (raw text, tokenised UD-style), pretokenized (a sentence per line, tokens separated by spaces) or auto.")
    var inputFormat: PredictionIO.InputFormat = .conll
    @Option(name: .customLong("output-format"), help: "conll (a header line, then the token and one column per task) or jsonl (tags, probabilities, spans with scores).")
    var outputFormat: PredictionIO.OutputFormat = .conll
    @Option(name: .customLong("batch-tokens"), parsing: .unconditional,
            help: "Padded tokens decoded together (sentences × the longest): what bounds memory, about 24 KB each.")
    var batchTokens = Evaluator.defaultTokenBudget
    @Option(parsing: .unconditional, help: "At most this many sentences decoded together.") var batchSize = 64
    @Option(help: "The tasks to tag, comma-separated, in output order (default: every task of the model); the other tasks' heads do not run.")
    var tasks: String?

    /// `--batch-tokens`' range: below `Evaluator.maxTokensPerPass` a long sentence's pieces run
    /// alone anyway; 1,000,000 padded tokens are about 24 GB.
    static let batchTokensRange = 1...1_000_000

    func validate() throws {
        guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size \(batchSize): expected 1 to 100000") }
        guard Self.batchTokensRange.contains(batchTokens) else {
            throw ValidationError("--batch-tokens \(batchTokens): expected 1 to 1000000 (each padded token of a batch holds about 24 KB)")
        }
    }

    func run() throws {
        let communicator = try makeCommunicator(environment: ProcessInfo.processInfo.environment)
        defer { try? communicator.finalize() }
        // every rank loads and opens what it needs, then all agree before the first block
        var prepared: (TrainedModel, [Int], PredictionInput?)? = nil
        var outputFile: FileReplacement? = nil
        var localError: String? = nil
        do {
            let trained = try model.load()
            let taskIndices = try Self.taskIndices(tasks, of: trained.metadata.encoder, model: model.model)
            prepared = (trained, taskIndices, communicator.isRoot ? try PredictionInput(path: input, format: inputFormat) : nil)
            if communicator.isRoot && output != "-" { outputFile = try Self.outputFile(output, input: input) }
        } catch { localError = "\(error)" }
        if let failure = try communicator.agreeOnFailure(localError) {
            throw communicator.exitTogether(after: TrainingError.failedOnRank(rank: failure.rank, worldSize: communicator.worldSize,
                                                                              message: failure.message))
        }
        let (trained, taskIndices, source) = prepared!
        if communicator.isRoot {
            for note in [trained.precisionNote, model.precisionNote].compactMap({ $0 }) { try TextWriter.standardError.writeLine(note) }
        }
        do {
            try ModelFingerprint(trained).agree(over: communicator, model: model.model)
            // every rank's products in the same arithmetic, or np = 2 would not write np = 1's bytes
            if let failure = try communicator.disagreementWithRoot(model.precisionIdentity, about: "the arithmetic") {
                throw TrainingError.failedOnRank(rank: failure.rank, worldSize: communicator.worldSize,
                                                 message: failure.message + "; give every rank the same --precision (and MTL_DIST_BF16)")
            }
            let run = PredictionRun(model: trained.model, encoder: trained.metadata.encoder,
                                    taskIndices: taskIndices, output: outputFormat,
                                    batchSize: batchSize, tokenBudget: batchTokens)
            let out = outputFile?.writer ?? TextWriter.standardOutput
            try model.withPrecision {
                try run.run(input: source, communicator: communicator, note: { try TextWriter.standardError.writeLine($0) }) { try out.write($0) }
            }
            // only rank 0 writes: every rank hears whether the file is in place
            var committed: String? = nil
            do { try outputFile?.commit() } catch { committed = "\(error)" }
            if let failure = try communicator.agreeOnFailure(committed) {
                throw TrainingError.failedOnRank(rank: failure.rank, worldSize: communicator.worldSize, message: failure.message)
            }
        } catch {
            outputFile?.discard()
            // every rank stops here together (a failure on rank 0 reaches the others with the next
            // block's message); rank 0 reports before any rank exits, the others stop quietly
            throw communicator.exitTogether(after: error)
        }
    }
}

extension Predict {
    /// The replacement of `--output`'s file, refused where it would be the input itself or a folder.
    static func outputFile(_ output: String, input: String) throws -> FileReplacement {
        var target = stat(), source = stat()
        if stat(output, &target) == 0 {
            guard target.st_mode & S_IFMT != S_IFDIR else {
                throw ValidationError("--output \(output) is a folder: give the path of a file to write, such as \(output)/predictions.conll")
            }
            if input != "-", stat(input, &source) == 0, source.st_dev == target.st_dev, source.st_ino == target.st_ino {
                throw ValidationError("--output \(output) is the input file: it would be replaced by its predictions; write them elsewhere")
            }
        }
        return try FileReplacement(path: output)
    }

    /// The model's task indices named by `--tasks` (in that order), or every task when it is absent.
    static func taskIndices(_ list: String?, of encoder: TextEncoder, model: String) throws -> [Int] {
        let known = encoder.tasks.map(\.name)
        guard let list else { return Array(known.indices) }
        let names = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var indices: [Int] = []
        for name in names {
            guard let index = known.firstIndex(of: name) else {
                throw ValidationError("--tasks \(list): the model \(model) has no task \"\(name)\"; its tasks are \(known.joined(separator: ", "))")
            }
            guard !indices.contains(index) else { throw ValidationError("--tasks \(list): \"\(name)\" is named twice") }
            indices.append(index)
        }
        return indices
    }
}

extension PredictionIO.InputFormat: ExpressibleByArgument {}
extension PredictionIO.OutputFormat: ExpressibleByArgument {}
