import Collective
import Foundation
import RunConfig
@testable import Training
import XCTest

/// Pretrained word vectors in the word table, in one process: the table holds the file's vectors
/// for the corpus's words (by exact word, lowercase fallback and the file's most frequent words),
/// a frozen table neither takes a gradient nor moves under any update mode, a fine-tuned one trains.
final class WordVectorTrainingTests: TinyCorpusTestCase {
    /// A GloVe-style file of width 8: `zebra` first (so `max_words: 1` adds it), `paris` lowercase
    /// only, `Mary` and `the` as the corpus writes them, `sleeps` with a header-less tab layout.
    func writeVectors() throws -> URL {
        func row(_ word: String, _ base: Float) -> String {
            word + " " + (0..<8).map { String(base + Float($0) / 8) }.joined(separator: " ")
        }
        let text = [row("zebra", 90), row("the", 10), row("paris", 20), row("Mary", 30), row("sleeps", 40), row("unused", 50)]
            .joined(separator: "\n") + "\n"
        let url = folder.appendingPathComponent("vectors.txt")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func trainer(_ overrides: [String]) throws -> Trainer {
        let vectors = try writeVectors()
        let resolved = try ConfigLoader.load(file: folder.appendingPathComponent("tiny.yaml"),
                                             overrides: ["encoder.word_vectors.path=\(vectors.path)"] + overrides, dataDir: nil)
        let data = try TrainingData(resolved: resolved)
        let sampler = try TrainingSession.makeSampler(resolved.config, data: data, worldSize: 1)
        return try Trainer(resolved: resolved, data: data, communicator: SingleProcessCommunicator(), sampler: sampler,
                           outputDirectory: folder.appendingPathComponent("out"),
                           progress: ProgressReporter(interactive: false, plainEvery: 1) { _ in })
    }

    /// Row `word` of the word table.
    func row(_ trainer: Trainer, _ word: String) throws -> [Float] {
        let id = try XCTUnwrap(trainer.data.encoder.words.entries.firstIndex(of: word), "\(word) in the vocabulary")
        let table = try XCTUnwrap(trainer.model.store.parameter(named: "encoder.words.weight"))
        return Array(trainer.model.store.scalars(of: table)[(id * 8)..<((id + 1) * 8)])
    }

    func expected(_ base: Float) -> [Float] { (0..<8).map { base + Float($0) / 8 } }

    func testTheTableHoldsTheFileVectorsOfTheCorpusWords() throws {
        // words as written (no lowercasing): `Paris` falls back to `paris`, `Mary` and `the` are exact
        let t = try trainer(["encoder.lowercase_words=false", "encoder.word_vectors.max_words=1"])
        XCTAssertEqual(try row(t, "the"), expected(10))
        XCTAssertEqual(try row(t, "Paris"), expected(20), "lowercase fallback")
        XCTAssertEqual(try row(t, "Mary"), expected(30))
        XCTAssertEqual(try row(t, "sleeps"), expected(40))
        XCTAssertEqual(try row(t, "zebra"), expected(90), "the file's first max_words words join the vocabulary")
        XCTAssertFalse(t.data.encoder.words.contains("unused"), "a word neither in the corpora nor among the first max_words")
        // a corpus word the file lacks keeps its random initialisation
        let cat = try row(t, "cat")
        XCTAssertTrue(cat.allSatisfy { abs($0) < 1 } && cat.contains { $0 != 0 }, "\(cat)")
        XCTAssertTrue(t.data.notes.contains { $0.hasPrefix("word vectors: vectors.txt: 6 vectors of 8 values") }, "\(t.data.notes)")

        // the default lowercased vocabulary: `mary` takes `Mary` (the word that folds to it)
        let lowered = try trainer([])
        XCTAssertEqual(try row(lowered, "mary"), expected(30))
        XCTAssertEqual(try row(lowered, "paris"), expected(20))
        XCTAssertFalse(lowered.data.encoder.words.contains("zebra"), "max_words: 0 adds none")
        // without the fallback `Paris` finds no vector
        let exact = try trainer(["encoder.lowercase_words=false", "encoder.word_vectors.lowercase_fallback=false"])
        XCTAssertNotEqual(try row(exact, "Paris"), expected(20))
    }

    func testAWidthOtherThanTheTablesIsRefusedNamingTheKey() throws {
        XCTAssertThrowsError(try trainer(["encoder.word_dim=16"])) { error in
            XCTAssertTrue("\(error)".contains("vectors.txt:1") && "\(error)".contains("set encoder.word_dim: 8"), "\(error)")
        }
    }

    /// The table a frozen run starts with is the table after training, whatever the optimizer's
    /// weight decay and the update mode; the rest of the model trains, and its gradient is zero.
    func testAFrozenTableNeitherTakesAGradientNorMoves() throws {
        for mode in [["training.sharded_update=false"], ["training.sharded_update=true"], ["training.sparse_allreduce=true"]] {
            let t = try trainer(["training.optimizer=adamw", "training.weight_decay=0.1"] + mode)
            let table = try XCTUnwrap(t.model.store.parameter(named: "encoder.words.weight"))
            let before = t.model.store.scalars(of: table), others = t.model.store.scalars(of: t.model.store.parameters.last!)
            XCTAssertEqual(t.model.encoder.frozenWordRange, table.offset..<(table.offset + table.count))
            for step in 0..<2 {
                _ = try t.trainStep(epoch: 0, step: step)
                XCTAssertTrue(t.model.store.gradScalars(of: table).allSatisfy { $0 == 0 }, "\(mode): no gradient reaches the table")
            }
            XCTAssertEqual(t.model.store.scalars(of: table), before, "\(mode): the frozen table moved")
            XCTAssertNotEqual(t.model.store.scalars(of: t.model.store.parameters.last!), others, "\(mode): the heads train")
            // the saved optimizer state is zero over the table and as long as the store
            let state = t.combinedOptimizerState
            for buffer in state.buffers {
                XCTAssertEqual(buffer.values.count, t.model.store.count)
                XCTAssertTrue(buffer.values[table.offset..<(table.offset + table.count)].allSatisfy { $0 == 0 })
            }
        }
        // a fine-tuned transformer before the frozen table: its own optimizer (at the same rate) steps
        // it, the table stays, the rest trains
        let tinyBert = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TransformerTests/Fixtures/tiny-bert").path
        let withBert = try trainer(["encoder.transformer.path=\(tinyBert)", "training.optimizer=adamw", "training.weight_decay=0.1"])
        let bertRange = try XCTUnwrap(withBert.model.encoder.transformerRange)
        let frozen = try XCTUnwrap(withBert.model.encoder.frozenWordRange)
        XCTAssertEqual(frozen.lowerBound, bertRange.upperBound)
        let values = { (r: Range<Int>) in Array(UnsafeBufferPointer(start: withBert.model.store.values.base + r.lowerBound, count: r.count)) }
        let (bertBefore, tableBefore) = (values(bertRange), values(frozen))
        for step in 0..<2 { _ = try withBert.trainStep(epoch: 0, step: step) }
        XCTAssertEqual(values(frozen), tableBefore, "the frozen table after the transformer moved")
        XCTAssertNotEqual(values(bertRange), bertBefore, "the fine-tuned transformer trains")

        let tuned = try trainer(["encoder.word_vectors.fine_tune=true"])
        let table = try XCTUnwrap(tuned.model.store.parameter(named: "encoder.words.weight"))
        let before = tuned.model.store.scalars(of: table)
        XCTAssertNil(tuned.model.encoder.frozenWordRange)
        _ = try tuned.trainStep(epoch: 0, step: 0)
        XCTAssertNotEqual(tuned.model.store.scalars(of: table), before, "fine_tune: true trains the table")
    }
}
