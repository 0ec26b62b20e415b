import Foundation
import TestSupport
import XCTest

/// The mixing strategy holds: for every shipped config, `mtl-dist plan` at W = 1, 2, 4, 8 gives
/// each task the share of (sentence, task) assignments that the config's strategy asks for,
/// within 2 points, and prints planned against configured shares on stderr. Configs that read
/// `../shared/data` are skipped when it is absent.
final class PlanSharesTests: XCTestCase {
    private let configs = ProcessRun.packageRoot.appendingPathComponent("configs")
    private let data = ProcessRun.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")

    func testDefaultConfigTrainsItsSharesAtOneToEightRanks() throws {
        try assertShares(config: "default.yaml", data: nil)
    }

    func testConllConfigsTrainTheirSharesAtOneToEightRanks() throws {
        try assertShares(config: "conll03-ner-pos.yaml", data: try sharedData())
        try assertShares(config: "conll03-ner-pos-chunk.yaml", data: try sharedData())
    }

    /// Temperature 2 over UD EWT train (12,543 UPOS sentences) and UNER EWT dev (2,001 NER
    /// sentences): p ∝ √n gives 71.5% / 28.5%, not the 50/50 a plan for 16 ranks would force.
    func testTemperatureConfigTrainsItsSharesAtOneToEightRanks() throws {
        let configured = try assertShares(config: "ewt-pos-uner.yaml", data: try sharedData())
        let pos = 12543.0.squareRoot() / (12543.0.squareRoot() + 2001.0.squareRoot())
        XCTAssertEqual(try XCTUnwrap(configured["pos"]), pos, accuracy: 0.002)
        XCTAssertEqual(try XCTUnwrap(configured["ner"]), 1 - pos, accuracy: 0.002)
    }

    func testAPlanThatForcesTheSharesWarnsNamingTheKeys() throws {
        let run = try MTLDist.run(["plan", "--config", configs.appendingPathComponent("ewt-pos-uner.yaml").path,
                                   "--data-dir", try sharedData().path, "--world-size", "2", "--steps", "1",
                                   "--set", "sampler.max_world_size=16"])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertTrue(run.stderr.contains("warning: the plan gives"), "\(run)")
        for key in ["sampler.max_world_size=16", "sampler.min_per_rank=1", "training.batch_size=32"] {
            XCTAssertTrue(run.stderr.contains(key), "the warning names \(key)\n\(run)")
        }
    }

    private func sharedData() throws -> URL {
        guard FileManager.default.fileExists(atPath: data.appendingPathComponent("ewt").path) else {
            throw XCTSkip("\(data.path) is absent")
        }
        return data
    }

    /// Runs the first 100 steps of the epoch-0 plan at W = 1, 2, 4, 8 and compares each task's share of the lines
    /// with the configured share printed on stderr; returns the configured shares.
    @discardableResult
    private func assertShares(config: String, data: URL?, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Double] {
        var configured: [String: Double] = [:]
        for worldSize in [1, 2, 4, 8] {
            let run = try MTLDist.run(["plan", "--config", configs.appendingPathComponent(config).path, "--world-size", "\(worldSize)",
                                       "--steps", "100"]
                                      + (data.map { ["--data-dir", $0.path] } ?? []), timeout: 120)
            XCTAssertEqual(run.status, 0, "\(config) W=\(worldSize)\n\(run.stderr)", file: file, line: line)
            XCTAssertFalse(run.stderr.contains("warning"), "\(config) W=\(worldSize)\n\(run.stderr)", file: file, line: line)
            // "sampler: task shares planned (configured): pos 71.5% (71.5%), ner 28.5% (28.5%); planned for up to 8 ranks"
            let summary = try XCTUnwrap(run.stderr.split(separator: "\n").first { $0.contains("task shares planned (configured): ") },
                                        "\(run.stderr)", file: file, line: line)
            let pairs = summary.components(separatedBy: "(configured): ")[1].components(separatedBy: ";")[0]
            for pair in pairs.components(separatedBy: ", ") {
                let words = pair.split(separator: " ")
                if let share = Double(words.last?.trimmingCharacters(in: CharacterSet(charactersIn: "()%")) ?? "") {
                    configured[String(words[0])] = share / 100
                }
            }
            var counts: [String: Int] = [:]
            var total = 0
            for object in run.jsonLines {
                guard let task = object["task"] as? String else { continue }
                counts[task, default: 0] += 1
                total += 1
            }
            XCTAssertEqual(Set(counts.keys), Set(configured.keys), "\(config) W=\(worldSize)", file: file, line: line)
            for (task, share) in configured {
                let planned = Double(counts[task] ?? 0) / Double(max(total, 1))
                XCTAssertEqual(planned, share, accuracy: 0.02, "\(config) W=\(worldSize) task \(task)", file: file, line: line)
            }
        }
        return configured
    }
}
