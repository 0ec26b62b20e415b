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
    @Option(name: .customLong("input-format"), help: "conll (a token per line), text (raw text, tokenised UD-style), pretokenized (a sentence per line, tokens separated by spaces) or auto.")
    var inputFormat: PredictionIO.InputFormat = .conll
    @Option(name: .customLong("output-format"), help: "conll (a header line, then the token and one column per task) or jsonl (tags, probabilities, spans with scores).")
    var outputFormat: PredictionIO.OutputFormat = .conll
    @Option(name: .customLong("batch-tokens"), parsing: .unconditional,
            help: "Padded tokens decoded together (sentences × the longest): what bounds memory, about 24 KB each.")
    var batchTokens = Evaluator.defaultTokenBudget
    @Option(parsing: .unconditional, help: "At most this many sentences decoded together.") var batchSize = 64

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
        var prepared: (TrainedModel, PredictionInput?)? = nil
        var localError: String? = nil
        do {
            let trained = try model.load()
            prepared = (trained, communicator.isRoot ? try PredictionInput(path: input, format: inputFormat) : nil)
        } catch { localError = "\(error)" }
        if let failure = try communicator.agreeOnFailure(localError) {
            throw communicator.exitTogether(after: TrainingError.failedOnRank(rank: failure.rank, worldSize: communicator.worldSize,
                                                                              message: failure.message))
        }
        let (trained, source) = prepared!
        do {
            try ModelFingerprint(trained).agree(over: communicator, model: model.model)
            let run = PredictionRun(model: trained.model, encoder: trained.metadata.encoder,
                                    taskIndices: Array(trained.metadata.encoder.tasks.indices), output: outputFormat,
                                    batchSize: batchSize, tokenBudget: batchTokens)
            let out = TextWriter.standardOutput
            try run.run(input: source, communicator: communicator) { try out.write($0) }
        } catch {
            // rank 0 reports; the others stop with it, quietly
            guard communicator.isRoot else { throw ExitCode.failure }
            throw error
        }
    }
}

extension PredictionIO.InputFormat: ExpressibleByArgument {}
extension PredictionIO.OutputFormat: ExpressibleByArgument {}
