import CoNLL
import XCTest

final class SpanEvaluationTests: XCTestCase {
    /// `Fixtures/conlleval.txt` (token, gold, predicted; 11 sentences, 25 tokens), read as conlleval
    /// reads it. Spans by sentence (gold | predicted), with conlleval's rules:
    ///  1 PER[0,2)              | PER[0,2)                        PER tp
    ///  2 ORG[0,2)              | LOC[0,2)  (wrong type)          ORG fn, LOC fp
    ///  3 LOC[1,3)              | LOC[1,3)  (I-LOC after O starts) LOC tp
    ///  4 ORG[1,4)              | ORG[1,3) LOC[3,4) (overlap)     ORG fn, ORG fp, LOC fp
    ///  5 LOC[0,1) ORG[1,2)     | LOC[0,1) ORG[1,2) (I-ORG after B-LOC starts)  LOC tp, ORG tp
    ///  6 PER[0,2)              | PER[0,1) PER[1,2)               PER fn, PER fp ×2
    ///  7 —                     | MISC[0,1) (I-MISC at start)     MISC fp
    ///  8 PER[1,2)              | PER[1,2)                        PER tp
    ///  9 —                     | PER[0,1) (the blank line ended sentence 8's chunk)  PER fp
    /// 10 LOC[0,1) LOC[1,2)     | LOC[0,2) (I-LOC I-LOC is one chunk)  LOC fn ×2, LOC fp
    /// 11 —                     | —
    /// Per type tp/fp/fn: LOC 2/3/2, MISC 0/1/0, ORG 1/1/2, PER 2/3/1; total 5/8/5, so conlleval prints
    /// `processed 25 tokens with 10 phrases; found: 13 phrases; correct: 5.`
    /// `accuracy:  60.00%; precision:  38.46%; recall:  50.00%; FB1:  43.48` (15 of 25 tags equal;
    /// P = 5/13, R = 5/10, F1 = 2PR/(P+R) = 10/23) and per type
    /// `LOC: precision: 40.00%; recall: 50.00%; FB1: 44.44  5` (F1 = 4/9),
    /// `MISC: precision: 0.00%; recall: 0.00%; FB1: 0.00  1` (no gold MISC: recall 0 by convention),
    /// `ORG: precision: 50.00%; recall: 33.33%; FB1: 40.00  2` (F1 = 2/5),
    /// `PER: precision: 40.00%; recall: 66.67%; FB1: 50.00  5` (F1 = 1/2).
    func testConllevalFixture() throws {
        let format = CoNLLFormat.columns(ColumnFormat(columns: ["text", "gold", "pred"]))
        let sentences = try Fixtures.read("conlleval.txt", format: format).sentences
        XCTAssertEqual(sentences.count, 11)
        var evaluation = SpanEvaluation()
        var accuracy = AccuracyCounts()
        for s in sentences {
            let gold = try XCTUnwrap(s.labels["gold"]), predicted = try XCTUnwrap(s.labels["pred"])
            evaluation.add(gold: gold, predicted: predicted, scheme: .iob2)
            accuracy.add(gold: gold, predicted: predicted)
        }
        XCTAssertEqual(evaluation.types, ["LOC", "MISC", "ORG", "PER"])
        XCTAssertEqual(evaluation.counts(for: "LOC"), SpanCounts(truePositives: 2, falsePositives: 3, falseNegatives: 2))
        XCTAssertEqual(evaluation.counts(for: "MISC"), SpanCounts(truePositives: 0, falsePositives: 1, falseNegatives: 0))
        XCTAssertEqual(evaluation.counts(for: "ORG"), SpanCounts(truePositives: 1, falsePositives: 1, falseNegatives: 2))
        XCTAssertEqual(evaluation.counts(for: "PER"), SpanCounts(truePositives: 2, falsePositives: 3, falseNegatives: 1))
        XCTAssertEqual(evaluation.total, SpanCounts(truePositives: 5, falsePositives: 8, falseNegatives: 5))
        XCTAssertEqual(evaluation.total.gold, 10)
        XCTAssertEqual(evaluation.total.predicted, 13)
        XCTAssertEqual(accuracy, AccuracyCounts(correct: 15, total: 25))
        XCTAssertEqual(accuracy.accuracy, 0.6, accuracy: 1e-12)

        XCTAssertEqual(evaluation.precision, 5.0 / 13.0, accuracy: 1e-12)
        XCTAssertEqual(evaluation.recall, 0.5, accuracy: 1e-12)
        XCTAssertEqual(evaluation.f1, 10.0 / 23.0, accuracy: 1e-12)
        XCTAssertEqual(evaluation.counts(for: "LOC").f1, 4.0 / 9.0, accuracy: 1e-12)
        XCTAssertEqual(evaluation.counts(for: "MISC").precision, 0)
        XCTAssertEqual(evaluation.counts(for: "MISC").recall, 0)
        XCTAssertEqual(evaluation.counts(for: "MISC").f1, 0)
        XCTAssertEqual(evaluation.counts(for: "ORG").recall, 1.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(evaluation.counts(for: "ORG").f1, 0.4, accuracy: 1e-12)
        XCTAssertEqual(evaluation.counts(for: "PER").f1, 0.5, accuracy: 1e-12)
        // conlleval's printed (×100, two decimals) values.
        XCTAssertEqual(String(format: "%.2f %.2f %.2f", 100 * evaluation.precision, 100 * evaluation.recall,
                              100 * evaluation.f1), "38.46 50.00 43.48")

        // The same numbers from a literal port of conlleval's counting loop.
        let reference = ConllevalReference.evaluate(sentences.map { ($0.labels["gold"] ?? [], $0.labels["pred"] ?? []) })
        XCTAssertEqual(reference.byType, evaluation.byType)
        XCTAssertEqual(reference.correctTags, 15)
    }

    func testZeroDivisionConventions() {
        let empty = SpanEvaluation()
        XCTAssertEqual([empty.precision, empty.recall, empty.f1], [0, 0, 0])
        // Gold spans but no prediction: P = 0 (nothing found), R = 0, F1 = 0.
        let missed = SpanEvaluation(gold: ["B-PER", "O"], predicted: ["O", "O"], scheme: .iob2)
        XCTAssertEqual([missed.precision, missed.recall, missed.f1], [0, 0, 0])
        XCTAssertEqual(AccuracyCounts().accuracy, 0)
    }

    func testMatchesConllevalOnRandomSequences() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            // splitmix64 step
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(n))
        }
        // Well-formed and ill-formed IOB tags, plus E- and S- (which original conlleval reads too).
        let alphabet = ["O", "O", "B-X", "I-X", "B-Y", "I-Y", "E-X", "S-Y"]
        var batch: [([String], [String])] = []
        for _ in 0..<400 {
            let length = next(9)
            batch.append(((0..<length).map { _ in alphabet[next(alphabet.count)] },
                          (0..<length).map { _ in alphabet[next(alphabet.count)] }))
        }
        var evaluation = SpanEvaluation()
        for (gold, predicted) in batch { evaluation.add(gold: gold, predicted: predicted, scheme: .iob2) }
        let reference = ConllevalReference.evaluate(batch)
        XCTAssertEqual(evaluation.byType, reference.byType)
        XCTAssertGreaterThan(evaluation.total.truePositives, 50)
    }

    func testCountsSumAcrossShards() {
        let pairs: [([String], [String])] = [
            (["B-PER", "I-PER", "O"], ["B-PER", "I-PER", "O"]),
            (["B-LOC", "O"], ["B-ORG", "O"]),
            (["O", "B-PER"], ["I-PER", "I-PER"]),
            (["B-MISC"], ["B-MISC"]),
        ]
        var whole = SpanEvaluation()
        for (g, p) in pairs { whole.add(gold: g, predicted: p, scheme: .iob2) }
        // Rank 0 takes sentences 0 and 2, rank 1 takes 1 and 3.
        var rank0 = SpanEvaluation(), rank1 = SpanEvaluation()
        for (i, (g, p)) in pairs.enumerated() {
            if i % 2 == 0 { rank0.add(gold: g, predicted: p, scheme: .iob2) } else { rank1.add(gold: g, predicted: p, scheme: .iob2) }
        }
        XCTAssertEqual(rank0 + rank1, whole)
        // Through a flat all-reduce buffer.
        let types = ["LOC", "MISC", "ORG", "PER"]
        let summed = zip(rank0.flatCounts(types: types), rank1.flatCounts(types: types)).map { $0 + $1 }
        XCTAssertEqual(SpanEvaluation(types: types, flatCounts: summed), whole)
        XCTAssertEqual(AccuracyCounts(gold: ["a", "b"], predicted: ["a", "c"]) + AccuracyCounts(correct: 3, total: 4),
                       AccuracyCounts(correct: 4, total: 6))
    }
}

/// A literal port of conlleval.pl's counting loop (version 2004-01-26), the reference the span-based
/// evaluation is checked against. Each sentence is followed by a boundary line, as in a conlleval
/// input file with blank lines between sentences.
enum ConllevalReference {
    struct Result {
        var byType: [String: SpanCounts]
        var correctTags: Int
    }

    static func evaluate(_ sentences: [([String], [String])]) -> Result {
        var correctChunk: [String: Int] = [:], foundCorrect: [String: Int] = [:], foundGuessed: [String: Int] = [:]
        var correctTags = 0
        var inCorrect = false
        var lastCorrect = "O", lastCorrectType = "", lastGuessed = "O", lastGuessedType = ""
        func split(_ tag: String) -> (String, String) {
            guard let dash = tag.firstIndex(of: "-") else { return (tag, "") }
            return (String(tag[..<dash]), String(tag[tag.index(after: dash)...]))
        }
        func endOfChunk(_ prevTag: String, _ tag: String, _ prevType: String, _ type: String) -> Bool {
            var end = false
            if prevTag == "B" && tag == "B" { end = true }
            if prevTag == "B" && tag == "O" { end = true }
            if prevTag == "I" && tag == "B" { end = true }
            if prevTag == "I" && tag == "O" { end = true }
            if prevTag == "E" && tag == "E" { end = true }
            if prevTag == "E" && tag == "I" { end = true }
            if prevTag == "E" && tag == "O" { end = true }
            if prevTag != "O" && prevTag != "." && prevType != type { end = true }
            if prevTag == "]" || prevTag == "[" { end = true }
            return end
        }
        func startOfChunk(_ prevTag: String, _ tag: String, _ prevType: String, _ type: String) -> Bool {
            var start = false
            if prevTag == "B" && tag == "B" { start = true }
            if prevTag == "I" && tag == "B" { start = true }
            if prevTag == "O" && tag == "B" { start = true }
            if prevTag == "O" && tag == "I" { start = true }
            if prevTag == "E" && tag == "E" { start = true }
            if prevTag == "E" && tag == "I" { start = true }
            if prevTag == "O" && tag == "E" { start = true }
            if tag != "O" && tag != "." && prevType != type { start = true }
            if tag == "[" || tag == "]" { start = true }
            return start
        }
        // One conlleval input line: (gold, guessed, isBoundary).
        var lines: [(String, String, Bool)] = []
        for (gold, guessed) in sentences {
            for t in gold.indices { lines.append((gold[t], guessed[t], false)) }
            lines.append(("O", "O", true))
        }
        for (goldTag, guessedTag, boundary) in lines {
            let (correct, correctType) = split(goldTag)
            let (guessed, guessedType) = split(guessedTag)
            if inCorrect {
                let correctEnds = endOfChunk(lastCorrect, correct, lastCorrectType, correctType)
                let guessedEnds = endOfChunk(lastGuessed, guessed, lastGuessedType, guessedType)
                if correctEnds && guessedEnds && lastGuessedType == lastCorrectType {
                    inCorrect = false
                    correctChunk[lastCorrectType, default: 0] += 1
                } else if correctEnds != guessedEnds || guessedType != correctType {
                    inCorrect = false
                }
            }
            let correctStarts = startOfChunk(lastCorrect, correct, lastCorrectType, correctType)
            let guessedStarts = startOfChunk(lastGuessed, guessed, lastGuessedType, guessedType)
            if correctStarts && guessedStarts && guessedType == correctType { inCorrect = true }
            if correctStarts { foundCorrect[correctType, default: 0] += 1 }
            if guessedStarts { foundGuessed[guessedType, default: 0] += 1 }
            if !boundary && correct == guessed && guessedType == correctType { correctTags += 1 }
            (lastCorrect, lastCorrectType, lastGuessed, lastGuessedType) = (correct, correctType, guessed, guessedType)
        }
        if inCorrect { correctChunk[lastCorrectType, default: 0] += 1 }
        var byType: [String: SpanCounts] = [:]
        for type in Set(foundCorrect.keys).union(foundGuessed.keys) {
            let tp = correctChunk[type, default: 0]
            byType[type] = SpanCounts(truePositives: tp, falsePositives: foundGuessed[type, default: 0] - tp,
                                      falseNegatives: foundCorrect[type, default: 0] - tp)
        }
        return Result(byType: byType, correctTags: correctTags)
    }
}
