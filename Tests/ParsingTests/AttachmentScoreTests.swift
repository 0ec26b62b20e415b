import Foundation
import Parsing
import XCTest

/// UAS and LAS equal the CoNLL 2018 shared task's evaluation script on the committed fixtures.
///
/// `Fixtures/gold.conllu` holds 6 sentences (42 words, 2 multi-word token lines, 1 empty node, a FORM
/// with a space). `Fixtures/system.conllu` is it with perturbed heads and relations: 4 wrong heads,
/// 3 wrong universal relations on right heads, 3 relations whose subtype alone differs (dropped or
/// changed), the empty node's columns changed and one multi-word token line left out.
///
/// The reference numbers come from the official script, ufal/conll2018
/// `evaluation_script/conll18_ud_eval.py` (version 1.2, commit f2bc4dd), run with Python 3.11.7:
///
///     $ python3 conll18_ud_eval.py -v gold.conllu system.conllu
///     Words      |    100.00 |    100.00 |    100.00 |
///     UAS        |     90.48 |     90.48 |     90.48 |     90.48
///     LAS        |     83.33 |     83.33 |     83.33 |     83.33
///     $ python3 conll18_ud_eval.py -c gold.conllu system.conllu
///     Metric     | Correct   |      Gold | Predicted | Aligned
///     Words      |        42 |        42 |        42 |        42
///     UAS        |        38 |        42 |        42 |        42
///     LAS        |        35 |        42 |        42 |        42
///
/// The script has no LAS with subtypes; it counts one when the `:` of every DEPREL is hidden from it:
///
///     $ for f in gold system; do awk -F'\t' 'BEGIN{OFS="\t"} NF==10{gsub(":","_",$8)} {print}' \
///           $f.conllu > $f-subtypes.conllu; done
///     $ python3 conll18_ud_eval.py -c gold-subtypes.conllu system-subtypes.conllu
///     UAS        |        38 |        42 |        42 |        42
///     LAS        |        32 |        42 |        42 |        42
///
/// With `malformed/system-missing-word.conllu` (a word of sentence s2 left out) the script stops:
/// `UDError: The concatenation of tokens in gold file and in system file differ!`.
final class AttachmentScoreTests: XCTestCase {
    func testEqualsTheCoNLL2018Script() throws {
        let score = try AttachmentScore(goldFile: Fixtures.path("gold.conllu"), systemFile: Fixtures.path("system.conllu"))
        XCTAssertEqual(score, AttachmentScore(words: 42, correctHeads: 38, correctLabelled: 35))
        XCTAssertEqual(String(format: "%.2f", 100 * score.uas), "90.48")
        XCTAssertEqual(String(format: "%.2f", 100 * score.las), "83.33")
    }

    func testWithSubtypesEqualsTheScriptOnHiddenSubtypes() throws {
        let score = try AttachmentScore(goldFile: Fixtures.path("gold.conllu"), systemFile: Fixtures.path("system.conllu"),
                                        relations: .withSubtypes)
        XCTAssertEqual(score, AttachmentScore(words: 42, correctHeads: 38, correctLabelled: 32))
        XCTAssertEqual(String(format: "%.2f", 100 * score.las), "76.19")
    }

    func testGoldAgainstItselfIsPerfect() throws {
        let gold = try DependencyTreebank(contentsOf: Fixtures.path("gold.conllu"))
        let score = try AttachmentScore(gold: gold, system: gold, relations: .withSubtypes)
        XCTAssertEqual(score, AttachmentScore(words: 42, correctHeads: 42, correctLabelled: 42))
        XCTAssertEqual(score.uas, 1)
        XCTAssertEqual(score.las, 1)
    }

    func testCountsAddAcrossSentences() throws {
        let gold = try DependencyTreebank(contentsOf: Fixtures.path("gold.conllu"))
        let system = try DependencyTreebank(contentsOf: Fixtures.path("system.conllu"))
        var total = AttachmentScore()
        for (g, s) in zip(gold.sentences, system.sentences) {
            var one = AttachmentScore()
            one.add(goldHeads: g.heads, goldRelations: g.words.map(\.relation),
                    systemHeads: s.heads, systemRelations: s.words.map(\.relation))
            total += one
        }
        XCTAssertEqual(total, try AttachmentScore(gold: gold, system: system))
        XCTAssertEqual(AttachmentScore().uas, 0)
    }

    func testRefusesOtherTokenisation() throws {
        let gold = try DependencyTreebank(contentsOf: Fixtures.path("gold.conllu"))
        let missing = try DependencyTreebank(contentsOf: Fixtures.path("malformed/system-missing-word.conllu"))
        XCTAssertThrowsError(try AttachmentScore(gold: gold, system: missing)) {
            XCTAssertEqual($0 as? ParsingError, .wordMismatch(gold: "gold.conllu", system: "system-missing-word.conllu:14",
                                                             sentence: "s2 (gold.conllu:14)", expected: "9 words", found: "8 words"))
            let message = String(describing: $0)
            XCTAssertTrue(message.hasPrefix("system-missing-word.conllu:14: expected 9 words in sentence s2 (gold.conllu:14)"), message)
        }
        var renamed = gold
        renamed.sentences[3].words[1].form = "deal"
        XCTAssertThrowsError(try AttachmentScore(gold: gold, system: renamed)) {
            XCTAssertEqual($0 as? ParsingError, .wordMismatch(gold: "gold.conllu", system: "gold.conllu:40", sentence: "s4 (gold.conllu:40)",
                                                             expected: "word 2 \"agreement\"", found: "\"deal\""))
        }
        var shorter = gold
        shorter.sentences.removeLast()
        XCTAssertThrowsError(try AttachmentScore(gold: gold, system: shorter)) {
            XCTAssertEqual($0 as? ParsingError, .sentenceCountMismatch(gold: "gold.conllu", system: "gold.conllu",
                                                                      goldCount: 6, systemCount: 5))
        }
    }

    /// EWT dev against a perturbed copy, when `PARSING_EVAL_GOLD` and `PARSING_EVAL_SYSTEM` name them
    /// (the figures compared with the script by hand); skipped otherwise.
    func testFilesNamedByTheEnvironment() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let gold = environment["PARSING_EVAL_GOLD"], let system = environment["PARSING_EVAL_SYSTEM"] else {
            throw XCTSkip("set PARSING_EVAL_GOLD and PARSING_EVAL_SYSTEM to score two files")
        }
        for relations in [AttachmentScore.RelationMatch.universal, .withSubtypes] {
            let score = try AttachmentScore(goldFile: gold, systemFile: system, relations: relations)
            print("\(relations): words \(score.words), UAS \(score.correctHeads) = \(String(format: "%.2f", 100 * score.uas)), "
                  + "LAS \(score.correctLabelled) = \(String(format: "%.2f", 100 * score.las))")
        }
    }
}
