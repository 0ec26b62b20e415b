import Collective
import CoNLL
import Foundation
import MultiTask

/// `predict` as a stream, on one rank or many: rank 0 reads the input a block at a time
/// (`PredictionInput`) and sends each block to every rank; every rank parses it the same way
/// (`SentenceParser`) and plans its decoding (`DecodingPlan`); rank r decodes batches r, r+W, …;
/// rank 0 gathers the pieces' predictions, formats the block's sentences in input order and
/// writes them before reading the next block. Memory is bounded by a block and its batches, not
/// by the input; and since a piece is decoded in the same batch whatever W is, the output is the
/// same, byte for byte, under any number of ranks.
///
/// Gathering sends each rank's predictions to every rank (one broadcast per rank and block):
/// simple, and at a few ranks cheap next to decoding.
public final class PredictionRun {
    /// What decoding needs of a model.
    public let model: MultiTaskModel
    public let encoder: TextEncoder
    /// The tasks predicted, in output order.
    public let taskIndices: [Int]
    public let output: PredictionIO.OutputFormat
    public let batchSize: Int
    public let tokenBudget: Int
    /// Sentences decoded so far (rank 0's count of what it wrote).
    public private(set) var sentenceCount = 0
    private var wroteHeader = false

    public init(model: MultiTaskModel, encoder: TextEncoder, taskIndices: [Int], output: PredictionIO.OutputFormat,
                batchSize: Int, tokenBudget: Int) {
        self.model = model
        self.encoder = encoder
        self.taskIndices = taskIndices
        self.output = output
        self.batchSize = batchSize
        self.tokenBudget = tokenBudget
    }

    /// JSONL output carries probabilities and spans; CoNLL output only tags.
    var confidence: Bool { output == .jsonl }

    /// Runs to the end of the input. `input` is read on rank 0 only (nil elsewhere); `write` is
    /// called on rank 0 with each block's formatted output. A read or parse error stops every rank
    /// (rank 0 throws it, the others `ModelError.failedOnRank`); so does a failed write.
    public func run(input: PredictionInput?, communicator: Communicator, write: (String) throws -> Void) throws {
        let isRoot = communicator.isRoot
        precondition(!isRoot || input != nil, "rank 0 reads the input")
        var parser: SentenceParser? = nil
        var rootError: Error? = nil
        while true {
            // kind: 0 block (format, bytes), 1 end, 2 rank 0 failed (message)
            var message: [UInt8] = []
            if isRoot, let input {
                if let error = rootError {
                    message = [2] + Array("\(error)".utf8)
                } else {
                    do {
                        if let block = try input.nextBlock() {
                            message = [0, UInt8(PredictionIO.InputFormat.allCases.firstIndex(of: input.format) ?? 0)] + block
                        } else {
                            message = [1]
                        }
                    } catch {
                        rootError = error
                        message = [2] + Array("\(error)".utf8)
                    }
                }
            }
            if communicator.worldSize > 1 { message = try communicator.broadcast(message: message, root: 0) }
            guard let kind = message.first, kind == 0, message.count >= 2 else {
                if message.first == 1 { return }
                if let rootError { throw rootError }
                throw ModelError.failedOnRank(rank: 0, message: String(decoding: message.dropFirst(), as: UTF8.self))
            }
            let allFormats = PredictionIO.InputFormat.allCases
            let format = allFormats[min(Int(message[1]), allFormats.count - 1)]
            if parser == nil { parser = SentenceParser(format: format, fileName: input?.fileName ?? "<input>") }
            let sentences = try parser!.sentences(in: Array(message.dropFirst(2)))
            let text = try predictions(for: sentences, communicator: communicator)
            guard isRoot, !text.isEmpty else { continue }
            do { try write(text) } catch {
                if communicator.worldSize == 1 { throw error }
                rootError = error
            }
        }
    }

    /// The formatted predictions of one block's sentences on rank 0 (empty elsewhere), decoded
    /// over all ranks.
    func predictions(for sentences: [InputSentence], communicator: Communicator) throws -> String {
        let plan = DecodingPlan(lengths: sentences.map { $0.tokens.count }, batchSize: batchSize, tokenBudget: tokenBudget)
        var pieces = decode(sentences, plan: plan, batches: plan.batches(rank: communicator.rank, worldSize: communicator.worldSize))
        for r in Swift.stride(from: 1, to: communicator.worldSize, by: 1) {
            let bytes = try communicator.broadcast(message: communicator.rank == r ? PiecePrediction.encode(pieces) : [],
                                                   root: r, limit: 1 << 30)
            if communicator.isRoot { pieces.merge(try PiecePrediction.decode(bytes)) { a, _ in a } }
        }
        guard communicator.isRoot else { return "" }
        var out = ""
        if output == .conll && !wroteHeader && !sentences.isEmpty {
            out += SentencePrediction.conllHeader(taskNames: taskIndices.map { encoder.tasks[$0].name })
            wroteHeader = true
        }
        var p = 0
        for (s, sentence) in sentences.enumerated() {
            let first = p
            while p < plan.pieces.count && plan.pieces[p].sentence == s { p += 1 }
            let prediction = try assemble(sentence, plan: plan, pieces: first..<p, predictions: pieces)
            out += output == .conll ? prediction.conll : prediction.jsonLine
        }
        sentenceCount += sentences.count
        return out
    }

    /// Decodes the pieces of `batches` (indices into `plan.pieces`).
    func decode(_ sentences: [InputSentence], plan: DecodingPlan, batches: [[Int]]) -> [Int: PiecePrediction] {
        var result: [Int: PiecePrediction] = [:]
        var unknown: [String: Int] = [:]
        for chunk in batches {
            let batch = BatchBuilder.inference(chunk.map { p in
                let piece = plan.pieces[p]
                let tokens = Array(sentences[piece.sentence].tokens[piece.tokens])
                return encoder.encode(Sentence(tokens: tokens, source: sentences[piece.sentence].source), taskIndices: [],
                                      unknownLabels: &unknown)
            }, packing: encoder.subwordPacking)
            if confidence {
                let decoded = model.predictWithPosteriors(batch, taskIndices: taskIndices)
                for (r, p) in chunk.enumerated() {
                    var prediction = PiecePrediction(tags: [], probabilities: [], spanScores: [])
                    for (i, t) in taskIndices.enumerated() {
                        let (tags, posterior) = decoded[i][r]
                        let c = PiecePrediction.confidence(task: encoder.tasks[t], tags: tags, posterior: posterior)
                        prediction.tags.append(tags)
                        prediction.probabilities.append(c.probabilities)
                        prediction.spanScores.append(c.spanScores)
                    }
                    result[p] = prediction
                }
            } else {
                let ids = model.predict(batch, taskIndices: taskIndices)
                for (r, p) in chunk.enumerated() {
                    result[p] = PiecePrediction(tags: ids.map { $0[r] }, probabilities: taskIndices.map { _ in [] },
                                                spanScores: taskIndices.map { _ in [] })
                }
            }
        }
        return result
    }

    /// One sentence's output from its pieces: tags converted and joined piece by piece (as
    /// `Evaluator` does), spans read per piece (a span across a piece boundary is cut there) with
    /// char offsets moved into the input (`InputSentence.base`).
    func assemble(_ sentence: InputSentence, plan: DecodingPlan, pieces: Range<Int>,
                  predictions: [Int: PiecePrediction]) throws -> SentencePrediction {
        var tasks: [SentencePrediction.Task] = []
        for (i, t) in taskIndices.enumerated() {
            let task = encoder.tasks[t]
            var out = SentencePrediction.Task(name: task.name, tags: [], probabilities: [],
                                              spans: confidence && task.metric == .spanF1 ? [] : nil)
            for p in pieces {
                guard let prediction = predictions[p], i < prediction.tags.count,
                      prediction.tags[i].count == plan.pieces[p].tokens.count else {
                    throw ModelError.transfer("no prediction of piece \(p) for task \(task.name)")
                }
                let ids = prediction.tags[i]
                out.tags += task.predictedTags(ids)
                out.probabilities += prediction.probabilities[i]
                guard out.spans != nil else { continue }
                let range = plan.pieces[p].tokens
                let labels = task.labels.entries
                var scores = prediction.spanScores[i].makeIterator()
                let found = predictedSpans(tags: ids.map { labels[Int($0)] }, scheme: task.headScheme, labels: labels,
                                           tokens: Array(sentence.tokens[range]), tokenOffsets: Array(sentence.offsets[range]),
                                           text: sentence.text) { _, _, _ in scores.next() ?? 0 }
                out.spans! += found.map { span in
                    var span = span
                    span.start += range.lowerBound
                    span.end += range.lowerBound
                    span.charStart = span.charStart.map { $0 + sentence.base }
                    span.charEnd = span.charEnd.map { $0 + sentence.base }
                    return span
                }
            }
            tasks.append(out)
        }
        return SentencePrediction(tokens: sentence.tokens, tasks: tasks)
    }
}
