import Foundation
import TestSupport
import XCTest

/// `mpirun -np 8 --oversubscribe mtl-dist train --config configs/default.yaml` runs to the end on
/// a 2-core machine (tiny model, 6 steps), writes the model and a well-formed metrics log.
final class EightRanksTests: XCTestCase {
    func testEightRanksTrainTheDefaultConfigToTheEnd() throws {
        let output = try temporaryDirectory().appendingPathComponent("run")
        let steps = 6
        let run = try MTLDist.mpirun(8, ["train", "--config", MTLDist.defaultConfig.path, "--output", output.path]
                                        + MTLDist.tinyModel
                                        + MTLDist.settings(["training.max_steps": "\(steps)", "training.log_every": "1"]))
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.occurrences(of: "training upos + ner on 8 ranks"), 1, "rank 0 alone prints\n\(run)")
        XCTAssertEqual(run.occurrences(of: "done: \(steps) steps"), 1, "\(run)")

        let best = output.appendingPathComponent("best")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: best.appendingPathComponent("model.json"))) as? [String: Any]
        let count = try XCTUnwrap(manifest?["parameter_count"] as? Int, "best/model.json: \(String(describing: manifest))")
        XCTAssertEqual(try Parameters(model: best).values.count, count, "parameters.bin holds parameter_count floats")
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent("resolved-config.yaml").path))

        let lines = try metricsLines(output)
        let train = lines.filter { $0["type"] as? String == "train" }
        let eval = lines.filter { $0["type"] as? String == "eval" }
        XCTAssertEqual(lines.count, train.count + eval.count + 1, "train and eval lines, then the throughput: \(lines)")
        let throughput = try XCTUnwrap(lines.last)
        XCTAssertEqual(throughput["type"] as? String, "throughput")
        XCTAssertEqual((throughput["peak_rss_mib_per_rank"] as? [Double])?.count, 8, "one peak RSS per rank: \(throughput)")
        XCTAssertEqual(throughput["sentences"] as? Int, 32 * steps, "\(throughput)")
        XCTAssertEqual(train.compactMap { $0["step"] as? Int }, Array(1...steps))
        for entry in train {
            let loss = entry["loss"] as? [String: Double] ?? [:]
            XCTAssertEqual(Set(loss.keys), ["upos", "ner"], "\(entry)")
            XCTAssertTrue(loss.values.allSatisfy { $0.isFinite && $0 > 0 }, "\(entry)")
        }
        XCTAssertEqual(eval.count, 1, "one dev evaluation, at the last step: \(eval)")
        XCTAssertEqual(eval.first?["step"] as? Int, steps)
        let score = try XCTUnwrap(eval.first?["main_score"] as? Double)
        XCTAssertTrue((0...1).contains(score), "main_score \(score)")
    }
}
