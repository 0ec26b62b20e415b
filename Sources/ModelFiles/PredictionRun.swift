import Collective
import CoNLL
import Foundation
import MultiTask

/// `predict` as a stream, on one rank or many: rank 0 reads the input a block at a time
/// (`PredictionInput`) and sends each block to every rank; every rank parses it the same way
/// (`SentenceParser`) and plans its decoding (`DecodingPlan`); the ranks share the batches (below);
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

    /// JSONL output carries probabilities and spans; CoNLL output only tags, and the label and
    /// probability of each classification task.
    var confidence: Bool { output == .jsonl || taskIndices.contains { encoder.tasks[$0].taskKind.isSentenceLevel } }

    /// Runs to the end of the input. `input` is read on rank 0 only (nil elsewhere); `write` is
    /// called on rank 0 with each block's formatted output. A read or parse error stops every rank
    /// (rank 0 throws it, the others `ModelError.failedOnRank`); so does a failed write.
    ///
    /// Rank 0 sends the next block before it formats and writes the one just decoded, so the other
    /// ranks decode while it writes. When every rank runs on one host, each rank takes the block's
    /// batches one at a time, costliest first, from a counter in shared memory (`SharedCounter`) as
    /// it becomes free: rank 0 joins once it has written, a slower rank takes fewer, and the ranks
    /// end within the cheapest batch of each other. Across hosts each rank decodes a share fixed
    /// before the block, smaller for rank 0 (which writes) and for a slower rank
    /// (`DecodingShares`, from each rank's timing of the last block). Which rank decodes a batch
    /// never changes what it decodes.
    /// Under mpirun rank 0 reads the next block as soon as it has sent one, so the others never
    /// wait for the disk between blocks (two blocks in memory instead of one).
    ///
    /// `note` is called on rank 0 with how the ranks share the batches, when there are several.
    public func run(input: PredictionInput?, communicator: Communicator, note: (String) throws -> Void = { _ in },
                    write: (String) throws -> Void) throws {
        let isRoot = communicator.isRoot
        precondition(!isRoot || input != nil, "rank 0 reads the input")
        var parser: SentenceParser? = nil
        var rootError: Error? = nil
        var stopWriting = false
        let worldSize = communicator.worldSize
        var share = DecodingShares(worldSize: worldSize)
        let counter = worldSize > 1 ? try communicator.makeSharedCounter() : nil
        if isRoot && worldSize > 1 {
            try note(counter != nil
                ? "predict: the \(worldSize) ranks share one host: each takes the next batch when it is free (a counter in shared memory)"
                : "predict: the \(worldSize) ranks do not share one host: each decodes a share of every block, set by its speed on the last")
        }
        var ahead: Ahead? = nil
        var message = try nextMessage(input, ahead: &ahead, rootError: &rootError, permille: share.permille, communicator: communicator)
        while true {
            // [0, format, W shares of 2 bytes] + block
            let header = 2 + 2 * worldSize
            guard let kind = message.first, kind == 0, message.count >= header else {
                if message.first == 1 { return }
                if let rootError { throw rootError }
                throw ModelError.failedOnRank(rank: 0, message: String(decoding: message.dropFirst(), as: UTF8.self))
            }
            let allFormats = PredictionIO.InputFormat.allCases
            let format = allFormats[min(Int(message[1]), allFormats.count - 1)]
            let permille = (0..<worldSize).map { r in min(Int(message[2 + 2 * r]) << 8 | Int(message[3 + 2 * r]), 1000) }
            let readStart = DispatchTime.now().uptimeNanoseconds
            if isRoot && worldSize > 1, let input { ahead = Ahead(input) }
            let readSeconds = Double(DispatchTime.now().uptimeNanoseconds - readStart) / 1e9
            if parser == nil { parser = SentenceParser(format: format, fileName: input?.fileName ?? "<input>") }
            let sentences = try parser!.sentences(in: Array(message.dropFirst(header)))
            let plan = DecodingPlan(lengths: sentences.map { $0.tokens.count }, batchSize: batchSize, tokenBudget: tokenBudget)
            let decodeStart = DispatchTime.now().uptimeNanoseconds
            var pieces: [Int: PiecePrediction] = [:]
            var tokens = 0
            if let counter {
                let order = plan.dealingOrder
                while case let i = try counter.next(), i < order.count {
                    try decode(sentences, plan: plan, batch: plan.batches[order[i]], into: &pieces)
                    tokens += plan.cost(of: plan.batches[order[i]])
                }
            } else {
                for batch in plan.batches(rank: communicator.rank, worldSize: worldSize, permille: permille) {
                    try decode(sentences, plan: plan, batch: batch, into: &pieces)
                    tokens += plan.cost(of: batch)
                }
            }
            let timing = DecodeTiming(tokens: tokens, seconds: Double(DispatchTime.now().uptimeNanoseconds - decodeStart) / 1e9)
            share.decoded(rank: 0, tokens: timing.tokens, total: plan.totalCost, seconds: timing.seconds)
            do {
                for (r, t) in try gather(&pieces, of: plan.pieces.count, timing: timing, communicator: communicator) {
                    share.decoded(rank: r, tokens: t.tokens, total: plan.totalCost, seconds: t.seconds)
                }
            } catch {
                // only rank 0 decodes what it gathers: the others hear of a failure with the next message
                guard isRoot, communicator.worldSize > 1 else { throw error }
                rootError = rootError ?? error
                stopWriting = true
            }
            // every rank has taken its last number of this block before it sent rank 0 its predictions
            if isRoot { try counter?.reset() }
            message = try nextMessage(input, ahead: &ahead, rootError: &rootError, permille: share.permille, communicator: communicator)
            // a failed read of the next block still leaves this one to write
            guard isRoot, !stopWriting else { continue }
            let writeStart = DispatchTime.now().uptimeNanoseconds
            do {
                let text = try formatted(sentences, plan: plan, predictions: pieces)
                if !text.isEmpty { try write(text) }
            } catch {
                if communicator.worldSize == 1 { throw error }
                // the others hear of it with the block after the one already sent
                rootError = rootError ?? error
                stopWriting = true
            }
            // rank 0's own work beside decoding: reading ahead and writing
            share.wrote(seconds: readSeconds + Double(DispatchTime.now().uptimeNanoseconds - writeStart) / 1e9)
        }
    }

    /// Rank 0's next block, read ahead (`run`): its bytes, the end of the input, or the read's failure,
    /// which stops the ranks when this block's turn comes, as a failure of a read then would.
    enum Ahead {
        case block([UInt8])
        case end
        case failed(Error)

        init(_ input: PredictionInput) {
            do { self = try input.nextBlock().map { .block($0) } ?? .end } catch { self = .failed(error) }
        }
    }

    /// Rank 0 sends the next block (the one read ahead, else read now) and every rank receives it:
    /// `[0, format, each rank's share in ‰ (2 bytes each)] + bytes`, `[1]` at the end, or
    /// `[2] + message` once rank 0 has failed.
    private func nextMessage(_ input: PredictionInput?, ahead: inout Ahead?, rootError: inout Error?, permille: [Int],
                             communicator: Communicator) throws -> [UInt8] {
        var message: [UInt8] = []
        if communicator.isRoot, let input {
            // after a failure nothing more is read
            let next = rootError == nil ? ahead ?? Ahead(input) : .end
            ahead = nil
            switch (rootError, next) {
            case (let error?, _):
                message = [2] + Array("\(error)".utf8)
            case (nil, .block(let block)):
                let format = UInt8(PredictionIO.InputFormat.allCases.firstIndex(of: input.format) ?? 0)
                message = [0, format] + permille.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } + block
            case (nil, .end):
                message = [1]
            case (nil, .failed(let error)):
                rootError = error
                message = [2] + Array("\(error)".utf8)
            }
        }
        if communicator.worldSize > 1 { message = try communicator.broadcast(message: message, root: 0) }
        return message
    }

    /// Sends each rank's predictions and its decoding time to rank 0 (one broadcast per rank),
    /// where the predictions (of the block's `pieceCount` pieces) join `pieces`; returns on rank 0 the other ranks' timings (empty
    /// elsewhere). Throws on rank 0 when a message cannot be read, after every broadcast.
    private func gather(_ pieces: inout [Int: PiecePrediction], of pieceCount: Int, timing: DecodeTiming,
                        communicator: Communicator) throws -> [(Int, DecodeTiming)] {
        var failure: Error? = nil
        var timings: [(Int, DecodeTiming)] = []
        for r in Swift.stride(from: 1, to: communicator.worldSize, by: 1) {
            let bytes = try communicator.broadcast(message: communicator.rank == r ? timing.bytes + PiecePrediction.encode(pieces) : [],
                                                   root: r, limit: 1 << 30)
            // every broadcast is still joined after a failure, so the ranks stay in step
            guard communicator.isRoot, failure == nil else { continue }
            do {
                guard let t = DecodeTiming(bytes) else { throw ModelError.failedOnRank(rank: r, message: "a short message of predictions") }
                timings.append((r, t))
                pieces.merge(try PiecePrediction.decode(Array(bytes.dropFirst(DecodeTiming.size)), pieces: pieceCount)) { a, _ in a }
            } catch { failure = error }
        }
        if let failure { throw failure }
        return timings
    }

    /// The formatted predictions of one block's sentences, in input order, from every piece's prediction.
    func formatted(_ sentences: [InputSentence], plan: DecodingPlan, predictions pieces: [Int: PiecePrediction]) throws -> String {
        var out = ""
        if output == .conll && !wroteHeader && !sentences.isEmpty {
            // classification tasks are comment lines, not columns; a parser has two, HEAD and DEPREL
            let columns = taskIndices.map { encoder.tasks[$0] }.filter { !$0.taskKind.isSentenceLevel }
            out += SentencePrediction.conllHeader(taskNames: columns.flatMap { task in
                task.taskKind == .dependency ? [task.name + ".head", task.name + ".deprel"] : [task.name]
            })
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

    /// Decodes the pieces of `chunk` (indices into `plan.pieces`, one batch) into `result`.
    func decode(_ sentences: [InputSentence], plan: DecodingPlan, batch chunk: [Int], into result: inout [Int: PiecePrediction]) throws {
        var unknown: [String: Int] = [:]
        let batch = BatchBuilder.inference(chunk.map { p in
            let piece = plan.pieces[p]
            let tokens = Array(sentences[piece.sentence].tokens[piece.tokens])
            return encoder.encode(Sentence(tokens: tokens, source: sentences[piece.sentence].source), taskIndices: [],
                                  unknownLabels: &unknown)
        }, packing: encoder.subwordPacking)
        if confidence {
            let decoded = try model.predictWithPosteriors(batch, taskIndices: taskIndices)
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
            let ids = try model.predict(batch, taskIndices: taskIndices)
            for (r, p) in chunk.enumerated() {
                result[p] = PiecePrediction(tags: ids.map { $0[r] }, probabilities: taskIndices.map { _ in [] },
                                            spanScores: taskIndices.map { _ in [] })
            }
        }
    }

    /// One sentence's output from its pieces: tags converted and joined piece by piece (as
    /// `Evaluator` does), spans read per piece (a span across a piece boundary is cut there) with
    /// char offsets moved into the input (`InputSentence.base`).
    func assemble(_ sentence: InputSentence, plan: DecodingPlan, pieces: Range<Int>,
                  predictions: [Int: PiecePrediction]) throws -> SentencePrediction {
        var tasks: [SentencePrediction.Task] = []
        for (i, t) in taskIndices.enumerated() {
            let task = encoder.tasks[t]
            let sentenceLevel = task.taskKind.isSentenceLevel, parser = task.taskKind == .dependency
            var out = SentencePrediction.Task(name: task.name, tags: [], probabilities: [],
                                              spans: confidence && task.metric == .spanF1 ? [] : nil, sentenceLevel: sentenceLevel,
                                              dependency: parser)
            // a sentence task's label is its first piece's
            for p in sentenceLevel ? pieces.prefix(1) : pieces {
                guard let prediction = predictions[p], i < prediction.tags.count,
                      prediction.tags[i].count == (sentenceLevel ? 1 : (parser ? 2 : 1) * plan.pieces[p].tokens.count) else {
                    throw ModelError.transfer("no prediction of piece \(p) for task \(task.name)")
                }
                let ids = prediction.tags[i]
                let range = plan.pieces[p].tokens
                out.tags += task.predictedTags(ids, forms: Array(sentence.tokens[range]), offset: range.lowerBound)
                out.probabilities += prediction.probabilities[i]
                guard out.spans != nil else { continue }
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

/// How long a rank took to decode its batches of a block: the first 16 bytes of what it sends rank 0
/// (`DecodingShares` reads them; a value that cannot be a measurement is ignored there).
struct DecodeTiming {
    static let size = 16
    let tokens: Int
    let seconds: Double

    init(tokens: Int, seconds: Double) {
        self.tokens = tokens
        self.seconds = seconds
    }

    /// From the first `size` bytes of `bytes` (little-endian tokens, then the seconds' bits), or nil when shorter.
    init?(_ bytes: [UInt8]) {
        guard bytes.count >= Self.size else { return nil }
        func word(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) } }
        tokens = Int(truncatingIfNeeded: word(0))
        seconds = Double(bitPattern: word(8))
    }

    /// Little-endian, as `PiecePrediction.encode` writes its words.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        for v in [UInt64(truncatingIfNeeded: tokens), seconds.bitPattern] { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }
}
