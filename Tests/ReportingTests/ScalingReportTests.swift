import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Reporting
import XCTest

final class ScalingReportTests: XCTestCase {
    func testReportWritesTheCSVColumnsTheMarkdownAndBothPlots() throws {
        let directory = try sweepFolder(runs: [run(mode: "strong", np: 1, round: 1, sentences: 500),
                                               run(mode: "strong", np: 2, round: 1, sentences: 900),
                                               run(mode: "weak", np: 1, round: 1, sentences: 510),
                                               run(mode: "weak", np: 2, round: 1, sentences: 1000),
                                               run(mode: "strong", np: 2, round: 2, sentences: 800)])
        let report = try ScalingReport(directory: directory)
        try report.write()

        let csv = try String(contentsOf: directory.appendingPathComponent("results.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(csv.first, ScalingRun.csvHeader)
        XCTAssertEqual(csv.count, 6, "a header and one row per run")
        for row in csv { XCTAssertEqual(row.count, ScalingRun.csvHeader.count) }
        XCTAssertEqual(csv[2][ScalingRun.csvHeader.firstIndex(of: "peak_rss_mib_per_rank")!], "100.0;101.0")

        // T = 2(p−1)α + 2(p−1)/p·n·β at p = 2 is 2α + nβ: the fixture's 2e-6 + n·1e-10
        let cost = try XCTUnwrap(report.cost)
        XCTAssertEqual(cost.alpha, 1e-6, accuracy: 1e-12)
        XCTAssertEqual(cost.beta, 1e-10, accuracy: 1e-15)
        XCTAssertEqual(report.fittedWorldSizes, [2])

        let strong2 = try XCTUnwrap(report.points.first { $0.mode == "strong" && $0.worldSize == 2 })
        XCTAssertEqual(strong2.sentencesPerSecond, 850, "median of the two rounds")
        XCTAssertEqual(try XCTUnwrap(report.speedUp(strong2)), 1.7, accuracy: 1e-12)
        let weak2 = try XCTUnwrap(report.points.first { $0.mode == "weak" && $0.worldSize == 2 })
        XCTAssertEqual(try XCTUnwrap(report.speedUp(weak2)), 1000.0 / 510, accuracy: 1e-12, "against weak np = 1")

        let md = try String(contentsOf: directory.appendingPathComponent("report.md"), encoding: .utf8)
        // one host: shared memory's α and β price nothing between hosts, so there is no projection
        for part in ["## Strong scaling", "## Weak scaling", "1.70×", "85%", "## All-reduce cost model",
                     "## No projection beyond one host", "launch/scaling.sh --config x.yaml",
                     "cpu: test machine", "no (ranks share cores)"] {
            XCTAssertTrue(md.contains(part), "report.md lacks \(part):\n\(md)")
        }
        XCTAssertFalse(md.contains("a model, not a measurement"), md)
        let svg = try Data(contentsOf: directory.appendingPathComponent("scaling.svg"))
        XCTAssertTrue(XMLParser(data: svg).parse(), "scaling.svg is well-formed XML")
        XCTAssertTrue(String(decoding: svg, as: UTF8.self).contains("<polyline"), "scaling.svg draws lines")
        XCTAssertTrue(XMLParser(data: try Data(contentsOf: directory.appendingPathComponent("projection.svg"))).parse())
        // projection.json: one entry per configuration (mode, np), the np > 1 ones priced with shared memory
        let entries = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("projection.json")))
            as? [[String: Any]])
        XCTAssertEqual(entries.count, 4)
        XCTAssertTrue(entries.allSatisfy { $0["predicted_step_ms"] is NSNumber && $0["rate_bits_per_s"] as? Double == 0 }, "\(entries)")
    }

    /// An `--emulate` sweep: a run per (link, strategy), collectives per link; each configuration
    /// predicted from the np = 1 compute and its own link's fit, and projected on the network only.
    func testEmulatedSweepPredictsEveryConfigurationFromItsLinksFit() throws {
        let gigabit = AllReduceCostModel(alpha: 5e-5, beta: 8e-9), shm = AllReduceCostModel(alpha: 1e-6, beta: 2e-10)
        func link(_ hosts: Int, _ ranks: Int, _ rate: Double) -> String {
            "{\"hosts\":\(hosts),\"ranks_per_host\":\(ranks),\"rate_bits_per_s\":\(Int(rate)),\"oversubscription\":1}"
        }
        func emulated(_ strategy: String, np: Int, hosts: Int, rate: Double, stepMs: Double, bytes: Int) -> String {
            run(mode: "weak", np: np, round: 1, sentences: Double(32 * np) / stepMs * 1000)
                .replacingOccurrences(of: "{\"mode\"", with: "{\"strategy\":\"\(strategy)\",\"link\":\(link(hosts, np / hosts, rate)),\"mode\"")
                .replacingOccurrences(of: "\"hosts\":1,", with: "\"hosts\":\(hosts),")
                .replacingOccurrences(of: "\"allreduce_bytes\":4000", with: "\"allreduce_bytes\":\(bytes),\"gradient_bytes\":4000000,\"allreduce_bucket_bytes\":[2000000,2000000]")
        }
        // compute: forward 20 + backward 30 + update 4 = 54 ms at np = 1
        let dense = 54 + 1000 * gigabit.seconds(worldSize: 2, bytes: 4e6)
        let runs = [emulated("dense", np: 1, hosts: 1, rate: 0, stepMs: 54, bytes: 0),
                    emulated("dense", np: 2, hosts: 2, rate: 1e9, stepMs: dense, bytes: 4_000_000),
                    emulated("touched", np: 2, hosts: 2, rate: 1e9, stepMs: 60, bytes: 500_000),
                    emulated("dense", np: 2, hosts: 1, rate: 0, stepMs: 56, bytes: 4_000_000)]
        let directory = try sweepFolder(runs: runs)
        let sizes = [65536.0, 1_048_576, 16_777_216]
        func line(_ l: String, _ w: Int, _ model: AllReduceCostModel) -> String {
            "{\"link\":\(l),\"world_size\":\(w),\"allreduce\":[" + sizes.map {
                "{\"bytes\":\(Int($0)),\"median_s\":\(model.seconds(worldSize: w, bytes: $0)),\"repetitions\":5}"
            }.joined(separator: ",") + "]}"
        }
        try ([line(link(1, 2, 0), 2, shm)] + [2, 4, 8].map { line(link($0, 1, 1e9), $0, gigabit) }).joined(separator: "\n")
            .write(to: directory.appendingPathComponent("collective.jsonl"), atomically: true, encoding: .utf8)
        let report = try ScalingReport(directory: directory)
        try report.write()
        XCTAssertEqual(report.points.count, 4, "np 1, and np 2 on shm and (dense, touched) on 1 Gbit/s")
        let net = try XCTUnwrap(report.exchange.levels[.network(bitsPerSecond: 1e9)])
        XCTAssertEqual(net.beta, gigabit.beta, accuracy: 1e-15)
        let gigabitDense = try XCTUnwrap(report.points.first { $0.strategy == .dense && $0.placement.hosts == 2 })
        XCTAssertEqual(try XCTUnwrap(report.prediction(for: gigabitDense)).step * 1000, dense, accuracy: 1e-6)
        let touched = try XCTUnwrap(report.points.first { $0.strategy == .touched })
        XCTAssertEqual(try XCTUnwrap(report.prediction(for: touched)).exchange, gigabit.seconds(worldSize: 2, bytes: 500_000), accuracy: 1e-12,
                       "the touched rows' measured bytes, not the gradient's")
        let entries = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("projection.json")))
            as? [[String: Any]])
        XCTAssertEqual(entries.count, 4)
        for key in ["np", "hosts", "ranks_per_host", "rate_bits_per_s", "strategy", "predicted_step_ms", "measured_step_ms"] {
            XCTAssertTrue(entries.allSatisfy { $0[key] != nil }, "\(key) missing: \(entries)")
        }
        XCTAssertEqual(Set(entries.compactMap { $0["rate_bits_per_s"] as? Double }), [0, 1e9])
        let md = try String(contentsOf: directory.appendingPathComponent("report.md"), encoding: .utf8)
        for part in ["## Exchange strategies on emulated links", "## Two-level exchange cost", "| 1 Gbit/s | touched |",
                     "a model, not a measurement", "| 1 Gbit/s | dense | "] {
            XCTAssertTrue(md.contains(part), "report.md lacks \(part):\n\(md)")
        }
        let csv = try String(contentsOf: directory.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertTrue(csv[3].hasSuffix(",touched,1,1000000000,1.00"), "\(csv[3])")
        let svg = try Data(contentsOf: directory.appendingPathComponent("projection.svg"))
        XCTAssertTrue(XMLParser(data: svg).parse())
        XCTAssertTrue(String(decoding: svg, as: UTF8.self).contains("PROJECTION"))
    }

    func testMalformedRunLineNamesFileAndLine() throws {
        let directory = try sweepFolder(runs: [run(mode: "strong", np: 1, round: 1, sentences: 500), "{\"mode\": \"sideways\"}"])
        XCTAssertThrowsError(try ScalingReport(directory: directory)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("runs.jsonl:2:"), message)
            XCTAssertTrue(message.contains("strong"), message)
        }
        let missing = directory.appendingPathComponent("nothing-here")
        XCTAssertThrowsError(try ScalingReport(directory: missing)) { XCTAssertTrue("\($0)".contains("runs.jsonl"), "\($0)") }
    }

    func testRSSListMustHaveOneValuePerRank() throws {
        let bad = run(mode: "strong", np: 2, round: 1, sentences: 1).replacingOccurrences(of: "[100,101]", with: "[100]")
        let directory = try sweepFolder(runs: [bad])
        XCTAssertThrowsError(try ScalingReport(directory: directory)) {
            XCTAssertTrue("\($0)".contains("peak_rss_mib_per_rank"), "\($0)")
        }
    }

    // MARK: - fixtures

    private func run(mode: String, np: Int, round: Int, sentences: Double) -> String {
        let batch = mode == "weak" ? 32 * np : 32
        let rss = (0..<np).map { String(100 + $0) }.joined(separator: ",")
        return """
            {"mode":"\(mode)","round":\(round),"launcher":"mpirun","bench":{"world_size":\(np),"hosts":1,"cores":2,\
            "blas_threads_per_rank":1,"batch_size":\(batch),"parameters":1000,"sentences_per_s":\(sentences),\
            "tokens_per_s":\(sentences * 14),"median_step_ms":\(Double(batch) / sentences * 1000),"median_forward_ms":20,\
            "median_backward_ms":30,"median_allreduce_ms":\(np > 1 ? 3 : 0),"median_allreduce_in_backward_ms":0,\
            "median_update_ms":4,"allreduce_bytes":4000,"peak_rss_mib_per_rank":[\(rss)]}}
            """
    }

    private func sweepFolder(runs: [String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scaling-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        try (runs.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("runs.jsonl"), atomically: true, encoding: .utf8)
        let sizes = [4096, 65536, 1 << 20].map { "{\"bytes\":\($0),\"median_s\":\(2e-6 + Double($0) * 1e-10),\"repetitions\":5}" }
        // np = 4 on 2 cores: ranks share cores, 10× slower; the fit leaves it out
        let shared = [4096, 65536].map { "{\"bytes\":\($0),\"median_s\":\(10 * (6e-6 + Double($0) * 1.5e-10))}" }
        try ("{\"world_size\":2,\"allreduce\":[\(sizes.joined(separator: ","))]}\n"
             + "{\"world_size\":4,\"allreduce\":[\(shared.joined(separator: ","))]}\n")
            .write(to: directory.appendingPathComponent("collective.jsonl"), atomically: true, encoding: .utf8)
        try "cpu: test machine\n".write(to: directory.appendingPathComponent("machine.txt"), atomically: true, encoding: .utf8)
        try "launch/scaling.sh --config x.yaml --output d\n".write(to: directory.appendingPathComponent("command.txt"),
                                                                    atomically: true, encoding: .utf8)
        return directory
    }
}
