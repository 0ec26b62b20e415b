import Foundation
import TestSupport
import XCTest

/// `encoder.transformer.precision: bf16` through the binary, on the tiny BERT fixture: training says
/// what its products run as, the trained model keeps the setting (predict and export read it back),
/// `MTL_DIST_BF16=off` falls back to fp32 and says so (train, and predict of a bf16 model), `bench
/// step` reports it, and two ranks of which one cannot use bf16 train together and say how many do.
final class BFloat16TrainingTests: XCTestCase {
    let settings = MTLDist.settings([
        "encoder.transformer.path": EncodeReference.fixtures.appendingPathComponent("tiny-bert").path,
        "encoder.transformer.fine_tune": "true", "encoder.transformer.precision": "bf16",
        "encoder.word_dim": "0", "encoder.char_dim": "0", "encoder.case_dim": "4", "encoder.shared_hidden": "0",
        "training.max_steps": "4", "training.batch_size": "8", "training.log_every": "2", "training.seed": "3",
    ])

    func testBF16TrainsPredictsExportsAndFallsBack() throws {
        let root = try temporaryDirectory()
        let output = root.appendingPathComponent("bf16")
        let train = try MTLDist.run(["train", "--output", output.path] + settings, timeout: 300)
        XCTAssertEqual(train.status, 0, "\(train)")
        let available = train.stdout.contains("transformer products: bf16 (operands rounded to bfloat16")
        XCTAssertTrue(available || train.stdout.contains("transformer products: fp32: bf16 was asked, but this CPU has no AVX512_BF16"),
                      train.stdout)

        // the model keeps the setting: model.json's transformer spec, and predict from it and from its export
        let best = output.appendingPathComponent("best")
        let spec = try String(contentsOf: best.appendingPathComponent("model.json"), encoding: .utf8)
        XCTAssertTrue(spec.contains("\"precision\":\"bf16\"") || spec.contains("\"precision\" : \"bf16\""), spec)
        let input = root.appendingPathComponent("input.txt")
        try "Peter Blackburn visited Brussels .\n".write(to: input, atomically: true, encoding: .utf8)
        let predict = try MTLDist.run(["predict", "--model", best.path, "--input-format", "pretokenized", "--input", input.path])
        XCTAssertEqual(predict.status, 0, "\(predict)")
        let export = root.appendingPathComponent("export")
        XCTAssertEqual(try MTLDist.run(["export", "--model", best.path, "--output", export.path]).status, 0)
        let fromExport = try MTLDist.run(["predict", "--model", export.path, "--input-format", "pretokenized", "--input", input.path])
        XCTAssertEqual(fromExport.status, 0, "\(fromExport)")
        XCTAssertEqual(fromExport.stdout, predict.stdout)

        XCTAssertEqual(available, !predict.stderr.contains("note: the model's transformer multiplies in bf16"), predict.stderr)

        // MTL_DIST_BF16=off: fp32, said so by train, and by predict of the bf16 model
        let offEnvironment = MTLDist.environment.merging(["MTL_DIST_BF16": "off"]) { $1 }
        let off = try ProcessRun([try MTLDist.binary(), "train", "--output", root.appendingPathComponent("off").path] + settings,
                                 environment: offEnvironment, timeout: 300)
        XCTAssertEqual(off.status, 0, "\(off)")
        XCTAssertTrue(off.stdout.contains(available ? "transformer products: fp32: bf16 was asked, but MTL_DIST_BF16=off"
                                                    : "but this CPU has no AVX512_BF16"), off.stdout)
        // `0` turns it off as `off` does, and is quoted
        let predictOff = try ProcessRun([try MTLDist.binary(), "predict", "--model", best.path, "--input-format", "pretokenized",
                                         "--input", input.path], environment: MTLDist.environment.merging(["MTL_DIST_BF16": "0"]) { $1 })
        XCTAssertEqual(predictOff.status, 0, "\(predictOff)")
        XCTAssertTrue(predictOff.stderr.contains("note: the model's transformer multiplies in bf16 (encoder.transformer.precision); here fp32"),
                      predictOff.stderr)
        XCTAssertTrue(!available || predictOff.stderr.contains("but MTL_DIST_BF16=0,"), predictOff.stderr)

        // bench step reports the precision asked and what it ran as
        let bench = try MTLDist.run(["bench", "step", "--steps", "1", "--warmup", "0", "--json"] + settings)
        XCTAssertEqual(bench.status, 0, "\(bench)")
        XCTAssertEqual(bench.jsonLines.first?["transformer_precision"] as? String, "bf16", "\(bench)")
        XCTAssertEqual(bench.jsonLines.first?["transformer_precision_ran_as"] as? String, available ? "bf16" : "fp32", "\(bench)")

        // two ranks, one of them told off: they count the ranks in bf16 and train on
        let binary = try MTLDist.binary()
        let mixed = try ProcessRun(try ProcessRun.mpirun()
                                   + ["-np", "1", "/usr/bin/env", "MTL_DIST_BF16=off", binary, "train", "--output", root.appendingPathComponent("mixed").path] + settings
                                   + [":", "-np", "1", binary, "train", "--output", root.appendingPathComponent("mixed").path] + settings,
                                   environment: MTLDist.environment, timeout: 300)
        XCTAssertEqual(mixed.status, 0, "\(mixed)")
        XCTAssertTrue(mixed.stdout.contains(available ? "transformer products: bf16 on 1 of 2 ranks, fp32 on the others"
                                                      : "but this CPU has no AVX512_BF16 (products run as sgemm) on every rank"), mixed.stdout)
    }

    /// A value other than fp32 or bf16 is refused naming the key and the values it takes.
    func testAnUnknownPrecisionIsRefused() throws {
        let run = try MTLDist.run(["train", "--output", try temporaryDirectory().path] + settings
                                  + ["--set", "encoder.transformer.precision=fp16"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("encoder.transformer.precision") && run.stderr.contains("fp16"), run.stderr)
        XCTAssertTrue(run.stderr.contains("bf16"), run.stderr)
    }
}
