import Autodiff
import Parsing
import TestSupport
import XCTest

/// `LemmaEditScript`: known scripts, their labels, refused labels, seeded random round trips, and
/// every (form, lemma) of UD English EWT train.
final class LemmaEditScriptTests: XCTestCase {
    func testShortestScriptsOfKnownWords() {
        let cases: [(form: String, lemma: String, label: String)] = [
            ("walked", "walk", "lower|-0+|-2+"),
            ("running", "run", "lower|-0+|-4+"),
            ("making", "make", "lower|-0+|-3+e"),
            ("The", "the", "lower|-0+|-0+"),
            ("went", "go", "lower|=go"),
            ("are", "be", "lower|-2+b|-0+"),
            ("PARIS", "Paris", "title|-0+|-0+"),
            ("Nasa", "NASA", "upper|-0+|-0+"),
            ("McDonald's", "McDonald", "keep|-0+|-2+"),
            ("unhappily", "unhappy", "lower|-0+|-3+y"),
            ("a b", "a|b%", "lower|-0+|-2+%7Cb%25"),
        ]
        for (form, lemma, label) in cases {
            let script = LemmaEditScript(form: form, lemma: lemma)
            XCTAssertEqual(script.label, label, "\(form) → \(lemma)")
            XCTAssertEqual(script.apply(to: form), lemma, label)
            XCTAssertEqual(try LemmaEditScript(label: label), script, label)
        }
    }

    func testScriptsGeneraliseAndRefuseFormsTheyDoNotFit() throws {
        let strip4 = LemmaEditScript(form: "running", lemma: "run")
        XCTAssertEqual(strip4.apply(to: "Sitting"), "sit")
        XCTAssertNil(strip4.apply(to: "run"))
        XCTAssertEqual(strip4.apply(to: "sing"), "")
        XCTAssertEqual(LemmaEditScript(form: "went", lemma: "go").apply(to: "anything"), "go")
        let title = try LemmaEditScript(label: "title|-0+|-1+")
        XCTAssertEqual(title.apply(to: "LONDONS"), "London")
        XCTAssertEqual(title.apply(to: ""), nil)
    }

    func testRefusesMalformedLabels() {
        let cases: [(String, String)] = [
            ("", "unknown casing"),
            ("LOWER|-0+|-0+", "unknown casing"),
            ("lower", "0 field(s)"),
            ("lower|-0+", "1 field(s)"),
            ("lower|-0+|-0+|", "3 field(s)"),
            ("lower|go", "1 field(s)"),
            ("lower|-x+|-0+", "strip count \"x\""),
            ("lower|-1234567890+|-0+", "at most 9 digits"),
            ("lower|-0|-0+", "is not -COUNT+TEXT"),
            ("lower|+0|-0+", "is not -COUNT+TEXT"),
            ("lower|-01+|-0+", "not written as LemmaEditScript.label writes it: \"lower|-1+|-0+\""),
            ("lower|=%4", "two hex digits"),
            ("lower|=%ZZ", "two hex digits"),
            ("lower|=%FF", "not UTF-8"),
            ("lower|=%7c", "not written as"),
            ("lower|=a b", "not written as"),
            ("lower|=" + String(repeating: "a", count: LemmaEditScript.maxLabelBytes), "more than the 1024"),
        ]
        for (label, reason) in cases {
            XCTAssertThrowsError(try LemmaEditScript(label: label), label) {
                guard case .malformedLemmaLabel(label, let found)? = $0 as? ParsingError else {
                    return XCTFail("\(label): \($0)")
                }
                XCTAssertTrue(found.contains(reason), "\(label): \(found)")
                XCTAssertTrue(String(describing: $0).contains("Hint: "))
            }
        }
    }

    func testSeededRandomPairsRoundTrip() throws {
        var rng = SplitMix64(seed: 1)
        let alphabet = Array("abcABCéÉß|% \t-İi")
        func word() -> String { String((0..<Int.random(in: 0...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }) }
        for _ in 0..<3000 {
            let (form, lemma) = (word(), word())
            let script = LemmaEditScript(form: form, lemma: lemma)
            XCTAssertEqual(script.apply(to: form), lemma, "\(form) → \(lemma): \(script.label)")
            XCTAssertEqual(try LemmaEditScript(label: script.label), script, script.label)
        }
    }

    /// Every (form, lemma) of EWT train: the script made from it gives back the lemma; prints how many
    /// distinct scripts there are and how many cover 99% of the words. Skipped without the data.
    func testEveryWordOfEWTTrain() throws {
        // the shared corpora beside the checkout (`../shared/data`), absent in CI's clean clone
        let path = ProcessRun.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/ewt/en_ewt-ud-train.conllu").path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("no \(path)") }
        let treebank = try DependencyTreebank(contentsOf: path)
        var counts: [String: Int] = [:]
        var failures: [String] = []
        for sentence in treebank.sentences {
            for word in sentence.words {
                let script = LemmaEditScript(form: word.form, lemma: word.lemma)
                if script.apply(to: word.form) != word.lemma { failures.append("\(word.form) → \(word.lemma)") }
                counts[script.label, default: 0] += 1
            }
        }
        XCTAssertEqual(failures, [])
        let words = treebank.wordCount
        for label in counts.keys { XCTAssertEqual(try LemmaEditScript(label: label).label, label) }
        var covered = 0
        var needed = 0
        for count in counts.values.sorted(by: >) where covered * 100 < words * 99 {
            covered += count
            needed += 1
        }
        print("EWT train: \(words) words, \(counts.count) distinct lemma edit scripts, \(needed) cover 99% of the words")
        let top = counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(10)
        print("most frequent: " + top.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    }
}
