import Autodiff
import Foundation
import TestSupport
import Transformer
import XCTest

/// Malformed tokenizer.json files and components this build does not implement: each is refused
/// with a message naming the file and the field, what was found and what is expected.
final class JSONTokenizerRefusalTests: XCTestCase {
    /// A small valid WordPiece tokenizer.json; each case edits one part of it.
    static let base = """
        {"version": "1.0", "truncation": null, "padding": null,
         "added_tokens": [{"id": 0, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
         "normalizer": {"type": "Lowercase"},
         "pre_tokenizer": {"type": "WhitespaceSplit"},
         "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 2], "cls": ["[CLS]", 1]},
         "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
         "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
                   "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "a": 3, "##b": 4}}}
        """

    func write(_ text: String) throws -> URL {
        let url = try temporaryDirectory().appendingPathComponent("tokenizer.json")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func refusal(_ text: String) throws -> String {
        let url = try write(text)
        do {
            _ = try JSONTokenizer(contentsOf: url)
            return "no error"
        } catch {
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix(url.path + ": "), "the message starts with the file: \(message)")
            return message
        }
    }

    func testTheBaseFileReads() throws {
        let t = try JSONTokenizer(contentsOf: write(Self.base))
        XCTAssertEqual(t.tokenize("AB"), [3, 4])
        XCTAssertEqual([t.classID, t.separatorID, t.unknownID], [1, 2, 0])
    }

    func testEachMalformedPartIsNamed() throws {
        // the model object, from "model" to the top level's closing brace
        let model = String(Self.base[try XCTUnwrap(Self.base.range(of: "\"model\": {")).lowerBound...].dropLast())
        let cases: [(String, String, String)] = [
            (#"{"type": "Lowercase"}"#, #"{"type": "Nmt"}"#,
             "'normalizer.type': \"Nmt\" is not supported; this build reads BertNormalizer, NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Replace, Strip, Precompiled, Sequence"),
            (#"{"type": "WhitespaceSplit"}"#, #"{"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, {"type": "UnicodeScripts"}]}"#,
             "'pre_tokenizer.pretokenizers[1].type': \"UnicodeScripts\" is not supported"),
            (#""type": "WordPiece", "unk_token""#, #""type": "WordLevel", "unk_token""#,
             "'model.type': \"WordLevel\" is not supported; this build reads WordPiece, BPE, Unigram"),
            (#"{"type": "WhitespaceSplit"}"#, #"{"type": "Split", "pattern": {"String": "-"}, "behavior": "Sideways", "invert": false}"#,
             "'pre_tokenizer.behavior': \"Sideways\" is not a split behaviour; expected one of Removed, Isolated"),
            (#"{"type": "WhitespaceSplit"}"#, #"{"type": "Split", "pattern": {"Regex": "(ab"}, "behavior": "Isolated", "invert": false}"#,
             "'pre_tokenizer.pattern.Regex': not a regular expression this build compiles"),
            (#"{"type": "WhitespaceSplit"}"#, #"{"type": "Metaspace", "replacement": "__", "prepend_scheme": "always", "split": true}"#,
             "'pre_tokenizer.replacement': 2 scalars, expected one"),
            ("\"vocab\": {\"[UNK]\": 0, \"[CLS]\": 1, \"[SEP]\": 2, \"a\": 3, \"##b\": 4}", #""vocab": ["[UNK]", "a"]"#,
             "'model.vocab': expected {token: id}, found a list"),
            (#""a": 3,"#, #""a": -1,"#, "'model.vocab[\"a\"]': expected a whole number in 0...999999, found -1"),
            (#""unk_token": "[UNK]""#, #""unk_token": "[UNK2]""#, "'model.unk_token': \"[UNK2]\" is not in model.vocab"),
            (model, #""model": {"type": "BPE", "dropout": null, "unk_token": null, "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b", "a c"]}"#,
             "'model.merges[1]': \"a\" + \"c\": a token of the merge or its result is not in model.vocab"),
            (model, #""model": {"type": "BPE", "dropout": 0.1, "vocab": {"a": 0}, "merges": []}"#,
             "'model.dropout': 0.1: BPE dropout samples segmentations at random; tagging needs null"),
            (model, #""model": {"type": "BPE", "vocab": {"a": 0}, "merges": [["a"]]}"#,
             "'model.merges[0]': expected \"left right\" or [\"left\", \"right\"]"),
            (model, #""model": {"type": "Unigram", "vocab": [["[UNK]", 0.0], ["a", -1.0]]}"#,
             "'model.unk_id': missing, expected the id of the unknown piece"),
            (model, #""model": {"type": "Unigram", "unk_id": 0, "vocab": [["[UNK]", 0.0], ["a"]]}"#,
             "'model.vocab[1]': expected [piece, score] with a finite score, found a list"),
            (model, #""model": {"type": "Unigram", "unk_id": 5, "vocab": [["[UNK]", 0.0], ["a", -1.0]]}"#,
             "'model.unk_id': expected a whole number in 0...1, found 5"),
            (#"{"type": "Lowercase"}"#, #"{"type": "Precompiled", "precompiled_charsmap": "not base64!"}"#,
             "'normalizer.precompiled_charsmap': not base64 text"),
            // a trie of 65,535 bytes claimed in a blob of 8
            (#"{"type": "Lowercase"}"#, #"{"type": "Precompiled", "precompiled_charsmap": "//8AAAECAwQ="}"#,
             "'normalizer.precompiled_charsmap': trie size 65535 bytes in a blob of 8, expected a positive multiple of 4 within the blob"),
            (#"{"type": "Lowercase"}"#, #"{"type": "BertNormalizer", "lowercase": "yes"}"#,
             "'normalizer.lowercase': expected true or false, found \"yes\""),
            (#"{"type": "Lowercase"}"#, String(repeating: #"{"type": "Sequence", "normalizers": ["#, count: 10) + #"{"type": "NFC"}"# + String(repeating: "]}", count: 10),
             "Sequence nested deeper than 8"),
            (#"{"type": "BertProcessing", "sep": ["[SEP]", 2], "cls": ["[CLS]", 1]}"#, "null",
             "'post_processor': null: this build frames each sequence as one special token, the subwords, one special token"),
            (#"{"type": "BertProcessing", "sep": ["[SEP]", 2], "cls": ["[CLS]", 1]}"#,
             #"{"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A", "type_id": 0}}], "pair": [], "special_tokens": {}}"#,
             "'post_processor.single': [\"$A\"]: this build frames each sequence"),
            (#"{"type": "BertProcessing", "sep": ["[SEP]", 2], "cls": ["[CLS]", 1]}"#, #"{"type": "BertProcessing", "sep": ["[SEP]", 9], "cls": ["[CLS]", 1]}"#,
             "'post_processor': post_processor (the token after a sequence) has id 9, beyond the 5 ids"),
            (#""id": 0, "content": "[UNK]""#, #""id": 7000000, "content": "[UNK]""#,
             "'added_tokens[0].id': expected a whole number in 0...999999, found 7000000"),
            (#""id": 0, "content": "[UNK]""#, #""id": 0, "content": """#, "'added_tokens[0].content': empty, expected the token's text"),
        ]
        for (from, to, expected) in cases {
            XCTAssertTrue(Self.base.contains(from), "the base lacks \(from)")
            let message = try refusal(Self.base.replacingOccurrences(of: from, with: to))
            XCTAssertTrue(message.contains(expected), "\(to):\n expected '\(expected)'\n got '\(message)'")
        }
    }

    func testTheFileItselfMustBeAJSONObject() throws {
        XCTAssertTrue(try refusal("{\"model\": ").contains("'(top level)': not readable JSON"))
        XCTAssertTrue(try refusal("[1, 2]").contains("'(top level)': expected a JSON object"))
        XCTAssertTrue(try refusal("{}").contains("'model': missing, expected a JSON object"))
    }

    /// A damaged charsmap trie never reads outside itself: a rule it cannot follow is no rule.
    func testADamagedCharsmapReadsNothingOutsideItself() throws {
        let real = try String(contentsOf: Fixtures.url("tokenizers/sentencepiece-unigram.json"), encoding: .utf8)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(real.utf8)) as? [String: Any])
        let normalizers = try XCTUnwrap((object["normalizer"] as? [String: Any])?["normalizers"] as? [[String: Any]])
        let blob = try XCTUnwrap(Data(base64Encoded: XCTUnwrap(normalizers[0]["precompiled_charsmap"] as? String)))
        var damaged = [UInt8](blob)
        var rng = SplitMix64(seed: 20)
        for _ in 0..<2000 { damaged[4 + rng.nextInt(below: damaged.count - 4)] = UInt8(truncatingIfNeeded: rng.next()) }
        let text = real.replacingOccurrences(of: blob.base64EncodedString(), with: Data(damaged).base64EncodedString())
        XCTAssertNotEqual(text, real)
        let t = try JSONTokenizer(contentsOf: write(text))
        for word in ["ﬁnancial", "Ａｂｃ", "café", "東京", "🦀", "x²", "\u{200B}"] { _ = t.tokenize(word) }
    }
}
