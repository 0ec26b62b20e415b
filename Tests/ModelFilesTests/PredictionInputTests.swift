import Autodiff
import CoNLL
import Foundation
import ModelFiles
import XCTest

/// predict's streamed input: blocks of a few KiB give exactly the sentences of the whole input read
/// at once, for every format and line end, with offsets that index the input; and the decoding
/// plan gives every piece to exactly one rank.
final class PredictionInputTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("prediction-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// The input file of `streamed`, the name whole reads are given too.
    private var inputName: String { folder.appendingPathComponent("input").path }

    /// The sentences of `text` read through `PredictionInput` in blocks of `blockBytes`.
    private func streamed(_ text: String, format: PredictionIO.InputFormat, blockBytes: Int = 4096) throws -> (blocks: Int, sentences: [InputSentence]) {
        let file = folder.appendingPathComponent("input")
        try Data(text.utf8).write(to: file)
        let input = try PredictionInput(path: file.path, format: format, blockBytes: blockBytes, detectionBytes: 1)
        var parser: SentenceParser?
        var result: [InputSentence] = []
        var blocks = 0
        while let block = try input.nextBlock() {
            blocks += 1
            if parser == nil { parser = SentenceParser(format: input.format, fileName: input.fileName) }
            result += try parser!.sentences(in: block)
        }
        return (blocks, result)
    }

    /// Prose of many paragraphs (and one paragraph longer than a block), lines ended by `end`.
    private func prose(end: String) -> String {
        let sentences = ["Mr. Smith didn't come on Tuesday.", "He said: \"It's 10:30, e.g. late!\"", "See https://example.com/a?b=1 now.",
                         "The U.S. economy grew 3.5 % in 2019...", "Then (as usual) nothing happened."]
        var text = ""
        for p in 0..<60 {
            let lines = (0..<(p % 7 + 1)).map { sentences[($0 + p) % sentences.count] }
            text += lines.joined(separator: p % 2 == 0 ? end : " ") + end + (p % 3 == 0 ? " \t" : "") + end
        }
        text += Array(repeating: sentences[0], count: 200).joined(separator: end) + end
        return text
    }

    func testTextInBlocksGivesTheSentencesOfTheWholeInput() throws {
        for end in ["\n", "\r\n", "\r"] {
            let text = prose(end: end)
            let whole = try PredictionIO.inputSentences(in: text, format: .text, fileName: inputName)
            let (blocks, parts) = try streamed(text, format: .text)
            XCTAssertGreaterThan(blocks, 3, "line end \(end.debugDescription)")
            // the paragraph longer than a block is cut at a line end: its sentences are whole lines
            XCTAssertEqual(parts.count, whole.count, "line end \(end.debugDescription)")
            for (a, b) in zip(parts, whole) where a != b {
                XCTFail("line end \(end.debugDescription): \(a) streamed, \(b) whole")
                break
            }
            // each token's offsets index the whole input's scalars
            let scalars = Array(text.unicodeScalars)
            for s in parts {
                let rebuilt = Array(s.text.unicodeScalars)
                XCTAssertEqual(rebuilt, Array(scalars[s.base..<(s.base + rebuilt.count)]))
            }
        }
    }

    func testCoNLLAndPretokenizedInBlocksGiveTheWholeInputsSentences() throws {
        for end in ["\n", "\r\n", "\r"] {
            var conll = "# sent_id = 1" + end
            var lines = ""
            for i in 0..<900 {
                let tokens = (0..<(i % 9 + 1)).map { "w\($0)é\(i)" }
                conll += tokens.map { $0 + "\tNN" }.joined(separator: end) + end + end
                lines += tokens.joined(separator: i % 2 == 0 ? " " : "\t") + end
            }
            for (text, format) in [(conll, PredictionIO.InputFormat.conll), (lines, .pretokenized), (conll, .auto)] {
                let whole = try PredictionIO.inputSentences(in: text, format: format, fileName: inputName)
                let (blocks, parts) = try streamed(text, format: format)
                XCTAssertGreaterThan(blocks, 3, "\(format) \(end.debugDescription)")
                XCTAssertEqual(whole.count, 900)
                XCTAssertEqual(parts.count, whole.count, "\(format) line end \(end.debugDescription)")
                for (a, b) in zip(parts, whole) where a != b {
                    XCTFail("\(format) line end \(end.debugDescription): \(a) streamed, \(b) whole")
                    break
                }
            }
        }
    }

    func testCoNLLUInBlocksGivesTheWholeInputsSentences() throws {
        let text = String(repeating: PredictionInputFormatTests.coNLLU, count: 600)
        for format in [PredictionIO.InputFormat.conllu, .auto] {
            let whole = try PredictionIO.inputSentences(in: text, format: format, fileName: inputName)
            let (blocks, parts) = try streamed(text, format: format)
            XCTAssertGreaterThan(blocks, 3, "\(format)")
            XCTAssertEqual(whole.count, 1200)
            XCTAssertEqual(parts, whole, "\(format)")
        }
    }

    func testJoinedOffsetsIndexTheTokensJoinedBySpaces() throws {
        let s = try PredictionIO.inputSentences(in: "Zoë  lives\tin São_Paulo\n", format: .pretokenized, fileName: "x")[0]
        XCTAssertEqual(s.text, "Zoë lives in São_Paulo")
        XCTAssertEqual(s.offsets, [0..<3, 4..<9, 10..<12, 13..<22])
        XCTAssertEqual(s.base, 0)
    }

    func testTextGivenAsCoNLLIsRefusedOnTheFirstBlock() throws {
        let text = String(repeating: "EU rejects German call.\nJohn lives in Paris now.\n", count: 500)
        XCTAssertThrowsError(try streamed(text, format: .conll)) { error in
            XCTAssertTrue("\(error)".contains(":1: --input-format conll expects a token per line"), "\(error)")
        }
        XCTAssertEqual(try streamed(text, format: .auto).sentences.count, 1000)
    }

    func testInvalidUTF8InALaterBlockNamesTheInputsLine() throws {
        var bytes = Array(String(repeating: "a b c\n", count: 2000).utf8)
        bytes[6 * 1500 + 2] = 0xFF
        let file = folder.appendingPathComponent("bad")
        try Data(bytes).write(to: file)
        let input = try PredictionInput(path: file.path, format: .pretokenized, blockBytes: 4096, detectionBytes: 1)
        var parser = SentenceParser(format: .pretokenized, fileName: input.fileName)
        XCTAssertThrowsError(try { while let block = try input.nextBlock() { _ = try parser.sentences(in: block) } }()) { error in
            XCTAssertEqual(error as? CoNLLError,
                           .invalidUTF8(file: file.path, line: 1501, byteOffset: 6 * 1500 + 2, byte: 0xFF), "\(error)")
        }
    }

    func testEveryPieceIsDecodedByExactlyOneRankInOneBatch() {
        let lengths = [3, 2500, 1, 7, 40, 1000, 1001, 5, 5, 5] + (0..<300).map { $0 % 37 + 1 }
        let plan = DecodingPlan(lengths: lengths, batchSize: 16, tokenBudget: 512)
        XCTAssertEqual(plan.pieces.filter { $0.sentence == 1 }.map(\.tokens), [0..<1000, 1000..<2000, 2000..<2500])
        XCTAssertEqual(plan.batches.flatMap { $0 }.sorted(), Array(plan.pieces.indices))
        for batch in plan.batches {
            let longest = batch.map { plan.pieces[$0].tokens.count }.max()!
            XCTAssertTrue(batch.count == 1 || (batch.count <= 16 && batch.count * longest <= 512), "\(batch)")
        }
        let largest = plan.batches.map(plan.cost(of:)).max()!
        for w in 1...4 {
            for permille in [nil, 0, 100, 1000 / w, 1000] {
                // rank 0 takes `permille`, the others share the rest evenly
                let split = permille.map { p in [p] + Array(repeating: (1000 - p) / max(1, w - 1), count: w - 1) }
                let shares = (0..<w).map { plan.batches(rank: $0, worldSize: w, permille: w == 1 ? nil : split) }
                XCTAssertEqual(shares.flatMap { $0 }.flatMap { $0 }.sorted(), Array(plan.pieces.indices), "W = \(w), \(String(describing: permille)) ‰")
                let loads = shares.map { $0.reduce(0) { $0 + plan.cost(of: $1) } }
                XCTAssertEqual(loads.reduce(0, +), plan.totalCost)
                guard w > 1 else { continue }
                let root = permille ?? 1000 / w
                // each rank within one batch of its target
                let targets = [Double(root) / 1000] + Array(repeating: Double(1000 - root) / 1000 / Double(w - 1), count: w - 1)
                for r in 0..<w {
                    XCTAssertLessThanOrEqual(abs(Double(loads[r]) - targets[r] * Double(plan.totalCost)), Double(largest),
                                             "W = \(w), rank \(r), \(root) ‰: \(loads)")
                }
                if root == 0 { XCTAssertEqual(loads[0], 0) }
                if root == 1000 { XCTAssertEqual(loads[0], plan.totalCost) }
            }
        }
    }

    /// Dealt costliest first, two ranks' loads end within the second-cheapest batch of each other
    /// (each assignment leaves a gap no larger than the batch before it), on a block's worth of
    /// sentences whose costliest batches come last in plan order; and each rank's batches stay in
    /// plan order.
    func testTwoRanksEndWithinACheapBatch() {
        var rng = SplitMix64(seed: 7)
        let lengths = (0..<3000).map { _ in Int(rng.next() % 60) + 1 }
        let plan = DecodingPlan(lengths: lengths, batchSize: 64, tokenBudget: 4096)
        let costs = plan.batches.map(plan.cost(of:)).sorted()
        let shares = (0..<2).map { plan.batches(rank: $0, worldSize: 2) }
        let loads = shares.map { $0.reduce(0) { $0 + plan.cost(of: $1) } }
        XCTAssertLessThanOrEqual(abs(loads[0] - loads[1]), costs[1], "loads \(loads), cheapest batches \(costs.prefix(2)), costliest \(costs.last!)")
        XCTAssertGreaterThan(costs.last!, 10 * costs[1])
        for share in shares {
            let positions = share.map { batch in plan.batches.firstIndex(of: batch)! }
            XCTAssertEqual(positions, positions.sorted())
        }
    }
}
