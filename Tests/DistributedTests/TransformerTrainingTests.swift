import Foundation
import TestSupport
import XCTest

/// Training the taggers on a pretrained transformer (the tiny BERT fixture) through the real
/// binary: np 1 and np 2 train the same parameters with the transformer fine-tuned and dropout on
/// (its gradient joins the flat buffer and the all-reduce, its dropout masks are keyed per
/// sentence); a frozen transformer stays out of the saved parameters; the saved models evaluate.
final class TransformerTrainingTests: XCTestCase {
    static var tinyBert: String {
        ProcessRun.packageRoot.appendingPathComponent("Tests/TransformerTests/Fixtures/tiny-bert").path
    }

    /// The embedded corpus on the tiny BERT (plus casing features), 12 steps of AdamW with the
    /// transformer at a tenth of the learning rate, every dropout on.
    ///
    /// The agreement test uses SGD instead: a BERT's attention key bias has a gradient of exactly 0
    /// (softmax ignores a score added to a whole row), so what is computed there is float noise,
    /// whose summation order differs between np 1 and np 2, and Adam divides it by its own size,
    /// turning it into steps of ±learning rate (measured: 56 of 26368 parameters, all key biases).
    func settings(fineTune: Bool, optimizer: String = "adamw", learningRate: String = "0.001") -> [String] {
        MTLDist.settings([
            "encoder.transformer.path": Self.tinyBert, "encoder.transformer.fine_tune": fineTune ? "true" : "false",
            "encoder.transformer.layers": "[-1, -2]", "encoder.transformer.pooling": "mean",
            "encoder.transformer.dropout": "0.1",
            "encoder.word_dim": "0", "encoder.char_dim": "0", "encoder.case_dim": "4", "encoder.shared_hidden": "0",
            "encoder.dropout": "0.2", "encoder.word_dropout": "0.05",
            "training.max_steps": "12", "training.batch_size": "8", "training.optimizer": optimizer,
            "training.learning_rate": learningRate, "training.transformer_lr_multiplier": "0.1",
            "training.schedule": "linear", "training.warmup_steps": "2", "training.log_every": "6", "training.seed": "3",
        ])
    }

    func testOneAndTwoRanksFineTuneTheSameParameters() throws {
        try oneAndTwoRanksFineTuneTheSameParameters()
    }

    /// The same with the transformer's products in bf16, over 4 steps: each operand is rounded element
    /// by element, whatever rank holds its row, so np 2 differs from np 1 by the order of float sums.
    /// Over more steps the two drift apart by more than that, as bf16 must: a weight that differs by
    /// float noise between the runs can round to the other bfloat16 neighbour, 2^-8 away (measured:
    /// within the tolerance at 1, 2 and 4 steps; 30 of 26,368 parameters beyond it at 8, 125 at 12).
    func testOneAndTwoRanksFineTuneTheSameParametersInBF16() throws {
        try oneAndTwoRanksFineTuneTheSameParameters(MTLDist.settings(["encoder.transformer.precision": "bf16", "training.max_steps": "4"]))
    }

    func oneAndTwoRanksFineTuneTheSameParameters(_ extra: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws {
        let root = try temporaryDirectory()
        var models: [Int: Parameters] = [:]
        for worldSize in [1, 2] {
            let output = root.appendingPathComponent("np\(worldSize)")
            let run = try MTLDist.ranks(worldSize, ["train", "--output", output.path]
                                        + settings(fineTune: true, optimizer: "sgd", learningRate: "0.05") + extra, timeout: 300)
            XCTAssertEqual(run.status, 0, "\(run)", file: file, line: line)
            models[worldSize] = try Parameters(model: output.appendingPathComponent("best"))
        }
        let one = try XCTUnwrap(models[1]), two = try XCTUnwrap(models[2])
        XCTAssertGreaterThan(one.values.count, 24_928, "the transformer's parameters are in the model", file: file, line: line)
        let d = one.differences(from: two)
        XCTAssertEqual(d.outside, 0, "np 2 vs np 1: \(d.outside) of \(one.values.count) parameters differ by more than " +
                       "float summation order; worst at [\(d.worstIndex)]: \(d.worstRatio)× its tolerance", file: file, line: line)

        let model = root.appendingPathComponent("np1/best").path
        let evaluate = try MTLDist.run(["evaluate", "--model", model, "--json"], timeout: 300)
        XCTAssertEqual(evaluate.status, 0, "\(evaluate)", file: file, line: line)
        XCTAssertNotNil((evaluate.jsonLines.first?["tasks"] as? [String: Any])?["upos"], "\(evaluate)", file: file, line: line)
    }

    /// `training.sparse_allreduce: true` with a fine-tuned transformer exchanges, of its WordPiece
    /// table, only the rows of the global batch's subwords (and [CLS], [SEP]); every other row's
    /// gradient is zero on every rank, so on two ranks (one addition per element) the model is the
    /// dense sum's bit for bit. The settings have no word or character table: without the
    /// WordPiece table there would be nothing to leave out and no touched-rows sum at all.
    func testTouchedSubwordRowsSumEqualsTheDenseSum() throws {
        let root = try temporaryDirectory()
        var models: [Bool: Parameters] = [:]
        for sparse in [true, false] {
            let output = root.appendingPathComponent(sparse ? "sparse" : "dense")
            let run = try MTLDist.mpirun(2, ["train", "--output", output.path] + settings(fineTune: true)
                                            + MTLDist.settings(["training.sparse_allreduce": "\(sparse)"]), timeout: 300)
            XCTAssertEqual(run.status, 0, "\(run)")
            XCTAssertEqual(run.occurrences(of: "touched embedding rows"), sparse ? 1 : 0, "the log names the sum it ran\n\(run)")
            models[sparse] = try Parameters(model: output.appendingPathComponent("best"))
        }
        let sparse = try XCTUnwrap(models[true]), dense = try XCTUnwrap(models[false])
        XCTAssertGreaterThan(dense.values.count, 24_928, "the transformer's parameters are in the model")
        let d = sparse.differences(from: dense)
        XCTAssertEqual(d.identical, dense.values.count, "np 2 touched rows vs dense: \(d)")
    }

    func testAFrozenTransformerFolderThatChangedOrWentIsRefused() throws {
        let root = try temporaryDirectory()
        let bert = root.appendingPathComponent("bert"), output = root.appendingPathComponent("frozen")
        try FileManager.default.copyItem(atPath: Self.tinyBert, toPath: bert.path)
        let run = try MTLDist.run(["train", "--output", output.path] + settings(fineTune: false)
                                  + ["--set", "encoder.transformer.path=\(bert.path)", "--set", "training.max_steps=2"], timeout: 300)
        XCTAssertEqual(run.status, 0, "\(run)")
        let best = output.appendingPathComponent("best").path
        XCTAssertEqual(try MTLDist.run(["evaluate", "--model", best]).status, 0)
        // the first weight of the pretrained folder (a tensor the encoder uses; the pooler at the end
        // it does not) changed after training: the scores would silently move
        let weights = try FileHandle(forUpdating: bert.appendingPathComponent("model.safetensors"))
        let headerLength = try weights.read(upToCount: 8)!.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        try weights.seek(toOffset: 8 + headerLength)
        try weights.write(contentsOf: Data([0x00, 0x00, 0x80, 0x3F]))
        try weights.close()
        for command in [["evaluate", "--model", best], ["export", "--model", best, "--output", root.appendingPathComponent("export").path]] {
            let changed = try MTLDist.run(command)
            XCTAssertNotEqual(changed.status, 0, "\(command)\n\(changed)")
            XCTAssertTrue(changed.stderr.contains("frozen transformer") && changed.stderr.contains(bert.path), "\(changed)")
        }
        // the folder gone: the message says which folder the model needs
        try FileManager.default.removeItem(at: bert)
        let gone = try MTLDist.run(["evaluate", "--model", best])
        XCTAssertNotEqual(gone.status, 0, "\(gone)")
        XCTAssertTrue(gone.stderr.contains("Restore that folder"), "\(gone)")
    }

    func testFrozenTransformerIsNotSavedEvaluatesAndExports() throws {
        let root = try temporaryDirectory()
        let frozen = root.appendingPathComponent("frozen"), tuned = root.appendingPathComponent("tuned")
        for (output, fineTune) in [(frozen, false), (tuned, true)] {
            let run = try MTLDist.run(["train", "--output", output.path] + settings(fineTune: fineTune), timeout: 300)
            XCTAssertEqual(run.status, 0, "\(run)")
        }
        let frozenCount = try Parameters(model: frozen.appendingPathComponent("best")).values.count
        let tunedCount = try Parameters(model: tuned.appendingPathComponent("best")).values.count
        // the tiny BERT without its pooler: 177·32 + 64·32 + 2·32 + 2·32 + 2 · (4·(32·32 + 32) + 2·2·32 + 64·32 + 64 + 32·64 + 32)
        XCTAssertEqual(tunedCount - frozenCount, 24_928)
        let evaluate = try MTLDist.run(["evaluate", "--model", frozen.appendingPathComponent("best").path, "--json"], timeout: 300)
        XCTAssertEqual(evaluate.status, 0, "\(evaluate)")

        // the export holds the transformer as a Hugging Face folder that `encode` reads like the
        // pretrained one: the frozen model's encodes exactly as the fixture, the fine-tuned one's not
        let text = root.appendingPathComponent("input.txt")
        try "Peter Blackburn visited Brussels .\nEU rejects German call\n".write(to: text, atomically: true, encoding: .utf8)
        func encode(_ folder: String) throws -> String {
            let run = try MTLDist.run(["encode", "--transformer", folder, "--input", text.path], timeout: 300)
            XCTAssertEqual(run.status, 0, "\(run)")
            return run.stdout
        }
        let pretrained = try encode(Self.tinyBert)
        for (output, fineTune) in [(frozen, false), (tuned, true)] {
            let export = root.appendingPathComponent("export-\(fineTune)")
            let run = try MTLDist.run(["export", "--model", output.appendingPathComponent("best").path, "--output", export.path])
            XCTAssertEqual(run.status, 0, "\(run)")
            let folder = export.appendingPathComponent("transformer")
            for file in ["config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file) in \(folder.path)")
            }
            let vectors = try encode(folder.path)
            XCTAssertEqual(vectors.split(separator: "\n").count, 2)
            if fineTune { XCTAssertNotEqual(vectors, pretrained, "fine-tuned weights give other vectors") }
            else { XCTAssertEqual(vectors, pretrained, "a frozen transformer is exported as it was loaded") }
        }
    }

    /// A checkpoint holds the transformer optimizer's state (its range first, then the rest, as one
    /// optimizer over the store would) and a resume splits it back: 6 steps, save, 6 more equal 12
    /// straight steps bit for bit (parameters and optimizer state).
    func testResumeWithTheTransformersOwnOptimizerIsBitExact() throws {
        let root = try temporaryDirectory()
        let every = MTLDist.settings(["checkpoint.every": "6"])
        let straight = root.appendingPathComponent("straight"), resumed = root.appendingPathComponent("resumed")
        let first = try MTLDist.run(["train", "--output", straight.path] + settings(fineTune: true) + every, timeout: 300)
        XCTAssertEqual(first.status, 0, "\(first)")
        let second = try MTLDist.run(["train", "--output", resumed.path, "--resume",
                                      straight.appendingPathComponent("checkpoints/step-6").path] + settings(fineTune: true) + every,
                                     timeout: 300)
        XCTAssertEqual(second.status, 0, "\(second)")
        let a = try CheckpointState(straight, step: 12), b = try CheckpointState(resumed, step: 12)
        XCTAssertGreaterThan(a.bytes.count, 3 * 4 * 24_928, "parameters and AdamW's two buffers, transformer included")
        XCTAssertEqual(a.bytes, b.bytes)
    }

    /// `sharded_update` with the transformer's own optimizer: rank 0's half of the store lies inside
    /// the transformer's range, rank 1's straddles its end, so each rank steps the parts of its slice
    /// at their own rates. One rank: the replicated bits (AdamW); two ranks: the replicated run up to
    /// summation order (SGD momentum, see `settings`), and a sharded resume is bit-exact (AdamW).
    func testShardedUpdateWithTheTransformersOwnOptimizer() throws {
        let root = try temporaryDirectory()
        let every = MTLDist.settings(["checkpoint.every": "6"])
        func train(_ np: Int, _ name: String, sharded: Bool, _ extra: [String]) throws -> URL {
            let output = root.appendingPathComponent(name)
            let run = try MTLDist.ranks(np, ["train", "--output", output.path] + extra + every
                                        + MTLDist.settings(["training.sharded_update": "\(sharded)"]), timeout: 300)
            XCTAssertEqual(run.status, 0, "\(run)")
            return output
        }
        let adamw = settings(fineTune: true)
        XCTAssertEqual(try CheckpointState(try train(1, "replicated1", sharded: false, adamw), step: 12).bytes,
                       try CheckpointState(try train(1, "sharded1", sharded: true, adamw), step: 12).bytes)
        let momentum = settings(fineTune: true, optimizer: "sgd", learningRate: "0.05") + MTLDist.settings(["training.momentum": "0.9"])
        let a = try CheckpointState(try train(2, "replicated2", sharded: false, momentum), step: 12).values
        let b = try CheckpointState(try train(2, "sharded2", sharded: true, momentum), step: 12).values
        let d = a.differences(from: b)
        XCTAssertEqual(d.outside, 0, "np 2: \(d.outside) of \(a.values.count) state floats differ by more than summation order; worst \(d.worstRatio)× at [\(d.worstIndex)]")
        let straight = try train(2, "adamw2", sharded: true, adamw)
        let resumed = try train(2, "adamw2resumed", sharded: true, adamw + ["--resume", straight.appendingPathComponent("checkpoints/step-6").path])
        XCTAssertEqual(try CheckpointState(straight, step: 12).bytes, try CheckpointState(resumed, step: 12).bytes)
    }

    func testABadTransformerFolderStopsEveryRankWithItsMessage() throws {
        let output = try temporaryDirectory().appendingPathComponent("run")
        let run = try MTLDist.mpirun(2, ["train", "--output", output.path] + settings(fineTune: true)
                                        + MTLDist.settings(["encoder.transformer.path": "/nonexistent/bert"]))
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("/nonexistent/bert"), "\(run)")

        // a config.json claiming ~10^11 floats beside 108 KB of weights: refused from the header,
        // before anything is allocated (this crashed out of memory before the layout check)
        let huge = try temporaryDirectory()
        for f in ["vocab.txt", "tokenizer_config.json", "model.safetensors"] {
            try FileManager.default.copyItem(atPath: Self.tinyBert + "/" + f, toPath: huge.appendingPathComponent(f).path)
        }
        let config = hugeBertConfig(from: try String(contentsOfFile: Self.tinyBert + "/config.json", encoding: .utf8))
        try config.write(to: huge.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let refused = try MTLDist.run(["train", "--output", output.path] + settings(fineTune: true)
                                      + MTLDist.settings(["encoder.transformer.path": huge.path]))
        XCTAssertEqual(refused.status, 1, "\(refused)")
        XCTAssertTrue(refused.stderr.contains("config.json implies [262144, 8192]"), "\(refused)")
    }
}
