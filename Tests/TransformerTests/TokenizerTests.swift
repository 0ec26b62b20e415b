import Foundation
import Transformer
import TestSupport
import XCTest

/// The tokeniser against transformers' `BertTokenizer` on the cases of `tokenization.json`:
/// English, accented, CJK, emoji, control characters, fullwidth, Hangul, >100-scalar words, on
/// the tiny vocabulary (uncased and cased) and on MiniLM's real 30522-token vocabulary.
final class TokenizerTests: XCTestCase {
    struct Case: Decodable {
        let vocab: String
        let lowercase: Bool
        let text: String?
        let tokens: [String]?
        let ids: [Int32]?
        let words: [String]?
        let word_tokens: [[String]]?
        let input_ids: [Int32]?
    }

    func tokenizer(_ vocab: String, lowercase: Bool) throws -> BertTokenizer {
        let file = vocab == "tiny" ? "tiny-bert/vocab.txt" : "minilm-vocab.txt"
        return try BertTokenizer(vocabulary: WordPieceVocabulary(contentsOf: Fixtures.url(file)), lowercase: lowercase)
    }

    func testTextsMatchTransformers() throws {
        let cases = try Fixtures.json([Case].self, "tokenization.json")
        var checked = 0
        for c in cases {
            guard let text = c.text, let tokens = c.tokens, let ids = c.ids else { continue }
            let t = try tokenizer(c.vocab, lowercase: c.lowercase)
            XCTAssertEqual(t.tokens(text), tokens, "\(c.vocab) lowercase=\(c.lowercase): \(text.debugDescription)")
            XCTAssertEqual(t.tokenize(text), ids, "\(c.vocab): \(text.debugDescription)")
            checked += 1
        }
        XCTAssertEqual(checked, 39, "13 texts × (tiny uncased, tiny cased, MiniLM)")
    }

    func testWordsMatchTransformersSplitIntoWords() throws {
        let cases = try Fixtures.json([Case].self, "tokenization.json")
        var checked = 0
        for c in cases {
            guard let words = c.words, let wordTokens = c.word_tokens, let inputIDs = c.input_ids else { continue }
            let t = try tokenizer(c.vocab, lowercase: c.lowercase)
            XCTAssertEqual(words.map { t.tokens($0) }, wordTokens, "\(c.vocab) lowercase=\(c.lowercase): \(words)")
            XCTAssertEqual([t.classID] + words.flatMap { t.tokenize($0) } + [t.separatorID], inputIDs, "\(words)")
            checked += 1
        }
        XCTAssertEqual(checked, 12)
    }

    func testGreedyLongestMatchAndUnknown() throws {
        let vocabulary = WordPieceVocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "##a", "a"])
        let t = try BertTokenizer(vocabulary: vocabulary, lowercase: true)
        XCTAssertEqual(t.tokens("unaffable"), ["un", "##aff", "##able"])
        XCTAssertEqual(t.tokens("unaffablex"), ["[UNK]"], "a remainder with no match makes the whole word unknown")
        XCTAssertEqual(t.tokens(String(repeating: "a", count: 100)), ["a"] + Array(repeating: "##a", count: 99))
        XCTAssertEqual(t.tokens(String(repeating: "a", count: 101)), ["[UNK]"], "over 100 scalars")
        XCTAssertEqual(t.tokens("[CLS]un[SEP]"), ["[CLS]", "un", "[SEP]"], "special tokens split off the raw text")
        XCTAssertEqual(t.tokens("[cls]"), ["[UNK]", "[UNK]", "[UNK]"], "special tokens are case-sensitive")
    }

    func testScalarsAreComparedExactly() throws {
        // "é" precomposed is in the vocabulary, "e" + U+0301 is not: with accents kept they differ
        let vocabulary = WordPieceVocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "caf", "##\u{E9}"])
        let cased = try BertTokenizer(vocabulary: vocabulary, lowercase: false)
        XCTAssertEqual(cased.tokens("caf\u{E9}"), ["caf", "##\u{E9}"])
        XCTAssertEqual(cased.tokens("cafe\u{301}"), ["[UNK]"])
    }

    func testVocabularyFileErrors() throws {
        let dir = try temporaryDirectory()
        let crlf = dir.appendingPathComponent("crlf.txt")
        try Data("[PAD]\r\n[UNK]\r\n".utf8).write(to: crlf)
        XCTAssertThrowsError(try WordPieceVocabulary(contentsOf: crlf)) { error in
            XCTAssertEqual(error as? TransformerError, .vocabulary(file: crlf.path, line: 1,
                problem: "line ends in CR LF; vocab.txt has one token per LF-terminated line (convert it with dos2unix)"))
        }
        let latin1 = dir.appendingPathComponent("latin1.txt")
        try Data([0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: latin1)
        XCTAssertThrowsError(try WordPieceVocabulary(contentsOf: latin1)) { error in
            XCTAssertTrue("\(error)".contains("not UTF-8"), "\(error)")
        }
        let noUnknown = dir.appendingPathComponent("no-unk.txt")
        try Data("[PAD]\n[CLS]\n[SEP]\n".utf8).write(to: noUnknown)
        XCTAssertThrowsError(try BertTokenizer(vocabulary: WordPieceVocabulary(contentsOf: noUnknown), lowercase: true)) { error in
            XCTAssertTrue("\(error)".contains("no [UNK] token"), "\(error)")
        }
        XCTAssertThrowsError(try WordPieceVocabulary(contentsOf: dir.appendingPathComponent("absent.txt"))) { error in
            guard case .unreadable? = error as? TransformerError else { return XCTFail("\(error)") }
        }
    }

    func testFolderReadsTokenizerConfig() throws {
        let dir = try temporaryDirectory()
        try FileManager.default.copyItem(at: Fixtures.url("tiny-bert/vocab.txt"), to: dir.appendingPathComponent("vocab.txt"))
        XCTAssertEqual(try BertTokenizer(folder: dir).tokens("The"), ["the"], "no tokenizer_config.json: uncased")
        try Data(#"{"do_lower_case": false}"#.utf8).write(to: dir.appendingPathComponent("tokenizer_config.json"))
        XCTAssertEqual(try BertTokenizer(folder: dir).tokens("The"), ["[UNK]"], "cased: the tiny vocabulary has no T")
        try Data(#"{"do_lower_case": "yes"}"#.utf8).write(to: dir.appendingPathComponent("tokenizer_config.json"))
        XCTAssertThrowsError(try BertTokenizer(folder: dir)) { error in
            XCTAssertTrue("\(error)".contains("'do_lower_case': expected true, false or null"), "\(error)")
        }
    }
}
