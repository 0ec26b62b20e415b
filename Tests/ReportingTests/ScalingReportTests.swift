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
        XCTAssertTrue(csv[3].hasSuffix(",touched,1,1000000000,1.00,false,"), "\(csv[3])")
        let svg = try Data(contentsOf: directory.appendingPathComponent("projection.svg"))
        XCTAssertTrue(XMLParser(data: svg).parse())
        XCTAssertTrue(String(decoding: svg, as: UTF8.self).contains("PROJECTION"))
    }

    /// A link timed in several runs (`launch/scaling.sh --collective-rounds`): the report fits and
    /// shows each size's median over the runs, once, and says how far apart the runs were. Two runs
    /// follow the model and one is slower (three times at 1 MiB, 10% at the others): the fit recovers the model's β exactly, which
    /// it cannot from the three runs' timings taken one by one.
    func testALinkTimedInSeveralRunsIsFittedOnTheirMedian() throws {
        let gigabit = AllReduceCostModel(alpha: 5e-5, beta: 8e-9)
        let link = "{\"hosts\":2,\"ranks_per_host\":1,\"rate_bits_per_s\":1000000000,\"oversubscription\":1}"
        let runs = [run(mode: "weak", np: 1, round: 1, sentences: 600)
                        .replacingOccurrences(of: "{\"mode\"", with: "{\"strategy\":\"dense\",\"link\":{\"hosts\":1,\"ranks_per_host\":1,\"rate_bits_per_s\":0,\"oversubscription\":1},\"mode\""),
                    run(mode: "weak", np: 2, round: 1, sentences: 500)
                        .replacingOccurrences(of: "{\"mode\"", with: "{\"strategy\":\"dense\",\"link\":\(link),\"mode\"")
                        .replacingOccurrences(of: "\"hosts\":1,", with: "\"hosts\":2,")]
        let directory = try sweepFolder(runs: runs)
        let sizes = [1_048_576.0, 4_194_304, 16_777_216]
        func line(slower: Double, stretch: Double) -> String {
            "{\"link\":\(link),\"world_size\":2,\"allreduce\":[" + sizes.map {
                "{\"bytes\":\(Int($0)),\"median_s\":\(($0 == sizes[0] ? slower : 1 + (slower - 1) / 20) * gigabit.seconds(worldSize: 2, bytes: $0)),\"repetitions\":5}"
            }.joined(separator: ",") + "],\"overlap_stretch\":{\"bytes\":4194304,\"stretch\":\(stretch),\"alone_s\":0.01,\"during_s\":\(0.01 * (1 + stretch))}}"
        }
        try [line(slower: 1, stretch: 0.2), line(slower: 3, stretch: 0.9), line(slower: 1, stretch: 0.3)].joined(separator: "\n")
            .write(to: directory.appendingPathComponent("collective.jsonl"), atomically: true, encoding: .utf8)
        let report = try ScalingReport(directory: directory)
        try report.write()
        let net = try XCTUnwrap(report.exchange.levels[.network(bitsPerSecond: 1e9)])
        XCTAssertEqual(net.beta, gigabit.beta, accuracy: 1e-15, "the median run's β, not one pulled up by the slow run")
        let timed = report.samples.filter { $0.link?.hosts == 2 }
        XCTAssertEqual(timed.map(\.bytes), sizes, "one sample per size, in the order timed")
        XCTAssertEqual(timed.map(\.runs), [3, 3, 3])
        XCTAssertEqual(try XCTUnwrap(timed.first).spread, 2, accuracy: 1e-9, "the slowest run took 3× the fastest")
        XCTAssertEqual(report.stretches.count, 1)
        XCTAssertEqual(try XCTUnwrap(report.stretches.first).stretch, 0.3, accuracy: 1e-12, "the median of 0.2, 0.9 and 0.3")
        let md = try String(contentsOf: directory.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertEqual(md.components(separatedBy: "| all-reduce | 1 Gbit/s | 2 × 1 | 4194304 |").count, 2, "one row per size:\n\(md)")
        XCTAssertTrue(md.contains("median over 3 runs of `bench collective` on its link or world size, spread over the sweep"), md)
        XCTAssertTrue(md.contains("within 20% of its fastest for 2 of 3, and at most 200% slower (all-reduce, 1048576 bytes, 2 hosts at 1 Gbit/s)"), md)
    }

    /// `exchange: auto` runs are reported as their choice and compared with the best fixed strategy
    /// on their link; a run during which something else was runnable, and a configuration whose
    /// rounds spread by more than 10%, are marked, and the report says the machine was loaded; two
    /// ranks computing on one machine are priced with their measured contention (the median over the
    /// shared-memory runs without sums beside backward), the projection (hosts with their own
    /// machines) without it.
    func testAutoIsComparedWithTheBestFixedStrategyAndALoadedSweepSaysSo() throws {
        let gigabit = AllReduceCostModel(alpha: 5e-5, beta: 8e-9)
        let link = "{\"hosts\":2,\"ranks_per_host\":1,\"rate_bits_per_s\":1000000000,\"oversubscription\":1}"
        let shmLink = "{\"hosts\":1,\"ranks_per_host\":2,\"rate_bits_per_s\":0,\"oversubscription\":1}"
        func line(_ strategy: String, np: Int, round: Int, stepMs: Double, link l: String, others: Double = 0,
                  forward: Int = 20, backward: Int = 30, exchange: String? = nil) -> String {
            run(mode: "weak", np: np, round: round, sentences: Double(32 * np) / stepMs * 1000)
                .replacingOccurrences(of: "{\"mode\"", with: "{\"strategy\":\"\(strategy)\",\"link\":\(l),"
                                      + "\"load\":{\"start_1min\":0.5,\"end_1min\":2.1,\"others_running\":\(others)},\"mode\"")
                .replacingOccurrences(of: "\"hosts\":1,", with: "\"hosts\":\(np == 2 && l == link ? 2 : 1),")
                .replacingOccurrences(of: "\"median_forward_ms\":20", with: "\"median_forward_ms\":\(forward)")
                .replacingOccurrences(of: "\"median_backward_ms\":30", with: "\"median_backward_ms\":\(backward)")
                .replacingOccurrences(of: "\"allreduce_bytes\":4000", with: "\"allreduce_bytes\":4000,\"gradient_bytes\":4000000"
                                      + (exchange.map { ",\"exchange\":\"\($0)\"" } ?? ""))
        }
        let one = "{\"hosts\":1,\"ranks_per_host\":1,\"rate_bits_per_s\":0,\"oversubscription\":1}"
        let runs = [line("dense", np: 1, round: 1, stepMs: 54, link: one),
                    // two ranks on this machine: forward 22 + backward 33 = 1.1 × one rank's 50
                    line("dense", np: 2, round: 1, stepMs: 60, link: shmLink, forward: 22, backward: 33),
                    line("dense", np: 2, round: 1, stepMs: 100, link: link),
                    line("dense", np: 2, round: 2, stepMs: 120, link: link),
                    line("touched", np: 2, round: 1, stepMs: 80, link: link),
                    line("auto", np: 2, round: 1, stepMs: 82, link: link, others: 1.5, exchange: "touched"),
                    line("auto", np: 2, round: 2, stepMs: 81, link: link, exchange: "touched"),
                    // the contention is the median over every shared-memory run whose backward has no sum beside it:
                    // an unlucky dense round (100) and the overlapped run (80) do not set it
                    line("dense", np: 2, round: 2, stepMs: 110, link: shmLink, forward: 40, backward: 60),
                    line("touched", np: 2, round: 1, stepMs: 58, link: shmLink, forward: 22, backward: 33),
                    line("overlap", np: 2, round: 1, stepMs: 90, link: shmLink, forward: 30, backward: 50)]
        let directory = try sweepFolder(runs: runs)
        try "load:      3.50 1.00 0.50 (1, 5, 15 min, at the start)\n".write(to: directory.appendingPathComponent("machine.txt"),
                                                                             atomically: true, encoding: .utf8)
        let sizes = [1_048_576.0, 4_194_304, 16_777_216]
        try ("{\"link\":\(link),\"world_size\":2,\"allreduce\":[" + sizes.map {
            "{\"bytes\":\(Int($0)),\"median_s\":\(gigabit.seconds(worldSize: 2, bytes: $0)),\"repetitions\":5}"
        }.joined(separator: ",") + "]}\n").write(to: directory.appendingPathComponent("collective.jsonl"), atomically: true, encoding: .utf8)
        let report = try ScalingReport(directory: directory)
        try report.write()

        let auto = try XCTUnwrap(report.points.first(where: \.automatic))
        XCTAssertEqual(auto.strategy, .touched, "auto's choice, from bench's \"exchange\"")
        XCTAssertEqual(auto.caveats, ["loaded"], "one of its runs had another task runnable for most of it")
        let dense = try XCTUnwrap(report.points.first { $0.strategy == .dense && $0.placement.hosts == 2 })
        XCTAssertEqual(dense.caveats, ["spread 18%"], "100 and 120 ms around a median of 110")
        XCTAssertEqual(report.contention(for: dense), 1.1, accuracy: 1e-12)
        let predicted = try XCTUnwrap(report.prediction(for: dense))
        XCTAssertEqual(predicted.forward + predicted.backward + predicted.update, 1.1 * 0.054, accuracy: 1e-9)
        XCTAssertEqual(predicted.exchange, gigabit.seconds(worldSize: 2, bytes: 4e6), accuracy: 1e-12)
        XCTAssertEqual(report.contention(for: report.points[0]), 1, "one rank contends with nobody")
        let projected = try XCTUnwrap(report.projectedStep(.dense, hosts: 16, level: .network(bitsPerSecond: 1e9)))
        XCTAssertEqual(projected.forward + projected.backward, 0.050, accuracy: 1e-9, "hosts of a cluster compute alone")

        let md = try String(contentsOf: directory.appendingPathComponent("report.md"), encoding: .utf8)
        for part in ["**Taken on a loaded machine.**", "The 1-minute load at the start was 3.50, above the 2 ranks",
                     "| auto → touched |", "| loaded |", "| spread 18% |", "### `exchange: auto` against the best fixed strategy",
                     "| 1 Gbit/s | 2 | touched (2) | \(fmt(64 / 0.0815)) | touched | \(fmt(64 / 0.080)) | \(String(format: "%.3f", 80 / 81.5)) |",
                     "Contention c",
                     // auto took touched, the best fixed one, in both rounds: the same configuration, its steps shown
                     "per round: 1 Gbit/s: auto's steps 82.0, 81.0 ms, touched's 80.0 ms."] {
            XCTAssertTrue(md.contains(part), "report.md lacks \(part):\n\(md)")
        }
        let csv = try String(contentsOf: directory.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertTrue(csv[6].hasSuffix(",touched,1,1000000000,1.00,true,1.5"), "\(csv[6])")
        let entries = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("projection.json")))
            as? [[String: Any]])
        XCTAssertEqual(entries.filter { $0["auto"] as? Bool == true }.count, 1)
        XCTAssertTrue(XMLParser(data: try Data(contentsOf: directory.appendingPathComponent("projection.svg"))).parse())
        XCTAssertTrue(String(decoding: try Data(contentsOf: directory.appendingPathComponent("projection.svg")), as: UTF8.self)
            .contains("dense, 2 emulated hosts (measured, spread 18%)"), "each measured point labelled by what it was")

        // a quiet sweep says so; an auto run without bench's choice is refused naming the field
        let quiet = try sweepFolder(runs: [line("dense", np: 1, round: 1, stepMs: 54, link: one),
                                           line("dense", np: 2, round: 1, stepMs: 60, link: shmLink)])
        XCTAssertTrue(try ScalingReport(directory: quiet).markdown.contains("Quiet machine"))
        let unnamed = try sweepFolder(runs: [line("auto", np: 2, round: 1, stepMs: 60, link: shmLink)])
        XCTAssertThrowsError(try ScalingReport(directory: unnamed)) {
            XCTAssertTrue("\($0)".contains("runs.jsonl:1") && "\($0)".contains("\"exchange\""), "\($0)")
        }
    }

    /// `unshaped.jsonl` (2 hosts, no rate held): a rate whose line needs less than twice the
    /// machine's own time for the largest size is marked "CPU-bound" in every table and in
    /// `projection.json`; a slower rate is not, and nothing is without the file.
    func testRatesFasterThanTheMachinesOwnTCPAreMarkedCPUBound() throws {
        let gigabit = AllReduceCostModel(alpha: 5e-5, beta: 8e-9), tengig = AllReduceCostModel(alpha: 2e-5, beta: 9e-10)
        func link(_ hosts: Int, _ rate: Double) -> String {
            "{\"hosts\":\(hosts),\"ranks_per_host\":1,\"rate_bits_per_s\":\(Int(rate)),\"oversubscription\":1}"
        }
        func emulated(np: Int, rate: Double, stepMs: Double) -> String {
            run(mode: "weak", np: np, round: 1, sentences: Double(32 * np) / stepMs * 1000)
                .replacingOccurrences(of: "{\"mode\"", with: "{\"strategy\":\"dense\",\"link\":\(link(np, rate)),\"mode\"")
                .replacingOccurrences(of: "\"hosts\":1,", with: "\"hosts\":\(np),")
        }
        func line(_ l: String, _ model: AllReduceCostModel) -> String {
            "{\"link\":\(l),\"world_size\":2,\"allreduce\":[" + [1_048_576.0, 16_777_216].map {
                "{\"bytes\":\(Int($0)),\"median_s\":\(model.seconds(worldSize: 2, bytes: $0)),\"repetitions\":5}"
            }.joined(separator: ",") + "]}"
        }
        let directory = try sweepFolder(runs: [emulated(np: 1, rate: 0, stepMs: 54), emulated(np: 2, rate: 1e9, stepMs: 190),
                                               emulated(np: 2, rate: 1e10, stepMs: 70)])
        try [line(link(2, 1e9), gigabit), line(link(2, 1e10), tengig)].joined(separator: "\n")
            .write(to: directory.appendingPathComponent("collective.jsonl"), atomically: true, encoding: .utf8)
        let plain = try ScalingReport(directory: directory)
        XCTAssertFalse(plain.isCPUBound(.network(bitsPerSecond: 1e10)), "nothing is marked without the machine's own speed")
        // 16 MiB unshaped in 20 ms: 10 Gbit/s needs 13.4 ms (< 2 × 20), 1 Gbit/s 134 ms
        let unshaped = AllReduceCostModel(alpha: 0, beta: 0.02 / 16_777_216)
        try line(link(2, 1e11), unshaped).write(to: directory.appendingPathComponent("unshaped.jsonl"), atomically: true, encoding: .utf8)
        let report = try ScalingReport(directory: directory)
        XCTAssertTrue(report.isCPUBound(.network(bitsPerSecond: 1e10)))
        XCTAssertFalse(report.isCPUBound(.network(bitsPerSecond: 1e9)))
        XCTAssertFalse(report.isCPUBound(.sharedMemory))
        try report.write()
        let md = try String(contentsOf: directory.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("16 MiB summed in 20.0 ms"), md)
        XCTAssertTrue(md.contains("| all-reduce | 10 Gbit/s (CPU-bound) |"), md)
        XCTAssertFalse(md.contains("1 Gbit/s (CPU-bound)"), md)
        let rows = md.split(separator: "\n").filter { $0.hasPrefix("| 10 Gbit/s | 2 |") || $0.hasPrefix("| 1 Gbit/s | 2 |") }
        XCTAssertEqual(rows.count, 2, md)
        for row in rows { XCTAssertEqual(row.hasSuffix("CPU-bound |"), row.hasPrefix("| 10 Gbit/s"), "\(row)") }
        let entries = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("projection.json")))
            as? [[String: Any]])
        for e in entries {
            XCTAssertEqual((e["caveats"] as? [String])?.contains("CPU-bound"), e["rate_bits_per_s"] as? Double == 1e10, "\(e)")
        }
        try "{\"world_size\": 2}\n".write(to: directory.appendingPathComponent("unshaped.jsonl"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ScalingReport(directory: directory)) { XCTAssertTrue("\($0)".contains("unshaped.jsonl:1"), "\($0)") }
    }

    private func fmt(_ v: Double) -> String { String(format: "%.1f", v) }

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

    /// `allreduce_bucket_ready`: one fraction of backward from 0 to 1 per bucket, never decreasing,
    /// or none; a point takes the median over its runs per bucket.
    func testBucketReadyTimesAreBoundedAndTakenPerBucket() throws {
        func overlapped(_ ready: String, round: Int = 1) -> String {
            run(mode: "strong", np: 2, round: round, sentences: 500)
                .replacingOccurrences(of: "\"allreduce_bytes\":4000", with: "\"allreduce_bytes\":4000,\"allreduce_bucket_bytes\":[1000,3000],\"allreduce_bucket_ready\":\(ready)")
        }
        let solo = run(mode: "strong", np: 1, round: 1, sentences: 300)
        for bad in ["[0.5]", "[0.5,1.5]", "[0.9,0.5]", "[-0.1,0.5]", "\"late\""] {
            XCTAssertThrowsError(try ScalingReport(directory: sweepFolder(runs: [overlapped(bad), solo])), bad) {
                XCTAssertTrue("\($0)".contains("runs.jsonl:1") && "\($0)".contains("allreduce_bucket_ready"), "\($0)")
            }
        }
        let report = try ScalingReport(directory: sweepFolder(runs: [solo, overlapped("[0.8,0.9]"), overlapped("[0.6,1]", round: 2),
                                                                     overlapped("[]", round: 3)]))
        let ready = try XCTUnwrap(report.points.first { $0.worldSize == 2 }?.bucketReady)
        XCTAssertEqual(ready.count, 2)
        XCTAssertEqual(ready[0], 0.7, accuracy: 1e-12, "the median of the runs that measured it")
        XCTAssertEqual(ready[1], 0.95, accuracy: 1e-12)
        XCTAssertEqual(try ScalingReport(directory: sweepFolder(runs: [solo, overlapped("[]")])).points.first { $0.worldSize == 2 }?.bucketReady, [])
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
