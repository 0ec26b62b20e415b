import Foundation
import TestSupport
import Transformer
import XCTest

/// tokenizer.json against the tokenizers library and transformers (tokenizer-parity.json and
/// encode-reference.json, made by make_tokenizers.py), and its refusals.
final class JSONTokenizerTests: XCTestCase {
    struct Parity: Decodable {
        struct Row: Decodable {
            let words: [String]
            let ids: [[Int32]]
            let framing: [Int32]
        }
        let file: String
        let sentences: [Row]
    }

    struct Encoded: Decodable {
        let words: [String]
        let ids: [[Int32]]
        let vectors: [[Float]]
    }

    /// Every word of the multilingual sample (English, Danish, Swedish, German, accents, CJK, emoji,
    /// empty and zero-width words, special tokens inside words) gets exactly the tokenizers
    /// library's ids, and the framing tokens are the post-processor's.
    func testIdsEqualTheTokenizersLibraryOnTheMultilingualSample() throws {
        let parity = try Fixtures.json([String: Parity].self, "tokenizer-parity.json")
        XCTAssertEqual(Set(parity.keys), ["wordpiece", "char-bpe", "split-bpe", "unigram", "sentencepiece-unigram",
                                          "byte-fallback-bpe", "byte-fallback-unigram", "roberta", "xlm-roberta", "camembert"])
        var words = 0
        for (name, p) in parity.sorted(by: { $0.key < $1.key }) {
            let tokenizer = try JSONTokenizer(contentsOf: Fixtures.url(p.file))
            for row in p.sentences {
                XCTAssertEqual([tokenizer.classID, tokenizer.separatorID], row.framing, "\(name): framing")
                for (word, expected) in zip(row.words, row.ids) {
                    XCTAssertEqual(tokenizer.tokenize(word), expected,
                                   "\(name): word \(word.unicodeScalars.map { String($0.value, radix: 16) }) '\(word)'")
                    words += 1
                }
            }
        }
        XCTAssertGreaterThan(words, 1000)
    }

    /// `encode`'s word vectors (last layer, first subword) of each RoBERTa-family tiny model equal
    /// transformers' within 1e-4, windows and all (16 positions cut long sentences).
    func testEncodeOfTheRobertaFamilyEqualsTransformers() throws {
        let reference = try Fixtures.json([String: [Encoded]].self, "encode-reference.json")
        XCTAssertEqual(Set(reference.keys), ["roberta", "xlm-roberta", "camembert"])
        for (family, sentences) in reference {
            let encoder = try WordVectorEncoder(folder: Fixtures.url("tiny-models/\(family)"), layers: [-1], pooling: .first)
            for s in sentences {
                XCTAssertEqual(encoder.bert.tokenizer.subwords(words: s.words).ids, s.ids.flatMap { $0 }, "\(family): \(s.words)")
            }
            var index = 0
            encoder.embeddings.encode(sentences.map(\.words), tokenizer: encoder.bert.tokenizer, batchSize: 3) { encoded in
                let expected = sentences[index]
                XCTAssertEqual(encoded.subwords, expected.ids.map { $0.map { encoder.bert.tokenizer.token($0) } })
                assertClose(encoded.vectors.flatMap { $0 }, expected.vectors.flatMap { $0 }, atol: 1e-4, rtol: 0, "\(family) \(expected.words)")
                index += 1
            }
            XCTAssertEqual(index, sentences.count)
        }
    }

    /// A folder with tokenizer.json reads it; one with only vocab.txt keeps BERT's WordPiece.
    func testTheFolderChoosesTokenizerJSONElseVocabTxt() throws {
        guard case .json = try SubwordTokenizer(folder: Fixtures.url("tiny-models/roberta")) else { return XCTFail("roberta: tokenizer.json") }
        guard case .wordPiece = try SubwordTokenizer(folder: Fixtures.url("tiny-models/distilbert")) else { return XCTFail("distilbert: vocab.txt") }
        // more ids than the embedding table holds
        let source = try Fixtures.url("tiny-models/roberta")
        let dir = try temporaryDirectory()
        for f in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.copyItem(at: source.appendingPathComponent(f), to: dir.appendingPathComponent(f))
        }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("tokenizer.json"))
        try FileManager.default.copyItem(at: Fixtures.url("tokenizers/char-bpe.json"), to: dir.appendingPathComponent("tokenizer.json"))
        XCTAssertThrowsError(try PretrainedBert(folder: dir)) { error in
            XCTAssertTrue("\(error)".contains("tokenizer.json: 250 tokens, but config.json's vocab_size is 100"), "\(error)")
        }
    }

    /// A model carries its tokenizer: the tokenizer.json form round-trips through JSON (as in
    /// model.json) and tokenises as before; the WordPiece form keeps its old shape.
    func testTheTokenizerRoundTripsThroughJSON() throws {
        for folder in ["tiny-models/xlm-roberta", "tiny-models/electra"] {
            let tokenizer = try SubwordTokenizer(folder: Fixtures.url(folder))
            let data = try JSONEncoder().encode(tokenizer)
            let back = try JSONDecoder().decode(SubwordTokenizer.self, from: data)
            XCTAssertEqual(back, tokenizer, folder)
            let words = ["Größere", "Straßenbahnen", "東京", "🦀", ""]
            XCTAssertEqual(back.subwords(words: words), tokenizer.subwords(words: words), folder)
        }
        let wordPiece = try JSONSerialization.jsonObject(with: JSONEncoder().encode(SubwordTokenizer(folder: Fixtures.url("tiny-models/electra")))) as? [String: Any]
        XCTAssertNotNil(wordPiece?["tokens"], "the WordPiece form is saved as before (tokens, lowercase, ...)")
    }

    /// A word that leaves no subword becomes the unknown token; a model without one (byte-level
    /// BPE) uses the added `<unk>`.
    func testAnEmptyWordIsTheUnknownToken() throws {
        let roberta = try SubwordTokenizer(folder: Fixtures.url("tiny-models/roberta"))
        XCTAssertEqual(roberta.tokenize(""), [])
        XCTAssertEqual(roberta.subwords(words: ["", "a"]).ids.first, 3)
        XCTAssertEqual(roberta.token(3), "<unk>")
    }
}
