import Foundation
import TestSupport
import XCTest

/// The same run on 1, 2 and 4 ranks trains the same model, and evaluation on 3 ranks scores
/// exactly what one process scores: the global batch, the dropout masks (keyed per sentence) and
/// the loss normalisation do not depend on the world size; only float summation order does.
final class AgreementAcrossRanksTests: XCTestCase {
    /// 20 steps of the embedded corpus with every kind of dropout and `<unk>` replacement on.
    /// Learning rate 0.05: at the default 1.0 the clipped SGD steps are so large that the
    /// summation-order noise of the all-reduce (1e-7 relative after one step) grows past the
    /// tolerance within 20 steps (measured: worst element 155× its tolerance at np 2), which says
    /// nothing about the ranks; at 0.05 the worst element of np 1/2/4 is about 0.2× its tolerance.
    private let agreementRun = MTLDist.tinyModel + MTLDist.settings([
        "training.max_steps": "20", "training.batch_size": "8", "training.learning_rate": "0.05",
        "training.log_every": "5", "training.seed": "1",
        "encoder.dropout": "0.5", "encoder.word_dropout": "0.05", "encoder.locked_dropout": "0.2",
        "encoder.unk_replacement": "0.5",
    ])

    func testOneTwoAndFourRanksTrainTheSameParameters() throws {
        let root = try temporaryDirectory()
        var models: [Int: Parameters] = [:]
        for worldSize in [1, 2, 4] {
            let output = root.appendingPathComponent("np\(worldSize)")
            let run = try MTLDist.ranks(worldSize, ["train", "--output", output.path] + agreementRun)
            XCTAssertEqual(run.status, 0, "\(run)")
            XCTAssertEqual(run.occurrences(of: "training upos + ner on \(worldSize) rank"), 1, "\(run)")
            // every rank of these runs is on this host: the dense sum runs in place over shared memory
            if worldSize > 1 {
                XCTAssertEqual(run.occurrences(of: "gradient all-reduce blocking, one in-place sum over shared memory"), 1, "\(run)")
            }
            models[worldSize] = try Parameters(model: output.appendingPathComponent("best"))
        }
        let one = try XCTUnwrap(models[1]), two = try XCTUnwrap(models[2]), four = try XCTUnwrap(models[4])
        XCTAssertGreaterThan(one.values.count, 10_000)
        for (name, other) in [("np 2", two), ("np 4", four)] {
            let d = one.differences(from: other)
            XCTAssertEqual(d.outside, 0, "\(name) vs np 1: \(d.outside) of \(one.values.count) parameters differ by more than " +
                           "float summation order; worst at [\(d.worstIndex)]: \(d.worstRatio)× its tolerance")
        }

        // The comparison can tell runs apart: another seed, and one step fewer, both fall outside.
        let otherSeed = root.appendingPathComponent("seed2")
        let seedRun = try MTLDist.mpirun(2, ["train", "--output", otherSeed.path] + agreementRun
                                            + MTLDist.settings(["training.seed": "2"]))
        XCTAssertEqual(seedRun.status, 0, "\(seedRun)")
        let seeded = try Parameters(model: otherSeed.appendingPathComponent("best")).differences(from: two)
        XCTAssertLessThan(seeded.identical, two.values.count, "np 2 with seed 2 is bit-identical to seed 1")
        XCTAssertGreaterThan(seeded.outside, two.values.count / 2, "seed 2 vs seed 1: \(seeded)")

        let shorter = root.appendingPathComponent("steps19")
        let shortRun = try MTLDist.run(["train", "--output", shorter.path] + agreementRun
                                       + MTLDist.settings(["training.max_steps": "19"]))
        XCTAssertEqual(shortRun.status, 0, "\(shortRun)")
        let oneStep = try Parameters(model: shorter.appendingPathComponent("best")).differences(from: one)
        XCTAssertGreaterThan(oneStep.outside, 1_000, "19 vs 20 steps: one step of training must show: \(oneStep)")
    }

    /// `training.accumulation_steps: 4` on one rank runs the global batch of 8 as the four slices
    /// of 2 that four ranks would run, adding their gradients before one update: the same model as
    /// np 4, up to float summation order. A K larger than a rank's slice stops before any work.
    func testOneRankWithFourMicroBatchesTrainsWhatFourRanksTrain() throws {
        let root = try temporaryDirectory()
        let four = root.appendingPathComponent("np4"), accumulated = root.appendingPathComponent("np1x4")
        let fourRun = try MTLDist.mpirun(4, ["train", "--output", four.path] + agreementRun)
        XCTAssertEqual(fourRun.status, 0, "\(fourRun)")
        let accumulatedRun = try MTLDist.run(["train", "--output", accumulated.path] + agreementRun
                                             + MTLDist.settings(["training.accumulation_steps": "4"]))
        XCTAssertEqual(accumulatedRun.status, 0, "\(accumulatedRun)")
        let reference = try Parameters(model: four.appendingPathComponent("best"))
        let d = try Parameters(model: accumulated.appendingPathComponent("best")).differences(from: reference)
        XCTAssertEqual(d.outside, 0, "np 1 × 4 micro-batches vs np 4: \(d.outside) of \(reference.values.count) parameters differ "
                       + "by more than float summation order; worst at [\(d.worstIndex)]: \(d.worstRatio)× its tolerance")

        // and the key is honoured: one rank without accumulation sums in another order (not the same bits)
        let plain = root.appendingPathComponent("np1")
        let plainRun = try MTLDist.run(["train", "--output", plain.path] + agreementRun)
        XCTAssertEqual(plainRun.status, 0, "\(plainRun)")
        let unaccumulated = try Parameters(model: plain.appendingPathComponent("best"))
            .differences(from: try Parameters(model: accumulated.appendingPathComponent("best")))
        XCTAssertLessThan(unaccumulated.identical, reference.values.count, "accumulation_steps 4 ran as one batch: \(unaccumulated)")
        XCTAssertEqual(unaccumulated.outside, 0, "\(unaccumulated)")

        let tooMany = try MTLDist.mpirun(2, ["train", "--output", root.appendingPathComponent("bad").path] + agreementRun
                                            + MTLDist.settings(["training.accumulation_steps": "5"]))
        XCTAssertNotEqual(tooMany.status, 0, "\(tooMany)")
        XCTAssertTrue(tooMany.stderr.contains("training.accumulation_steps"), "the error names the key\n\(tooMany)")
    }

    /// `training.sparse_allreduce: true` sums only the embedding rows the global batch
    /// touched plus every other parameter: on two ranks each element's sum is one addition, so the
    /// model is the dense sum's bit for bit; on four, equal up to summation order.
    func testTouchedRowsSumEqualsTheDenseSum() throws {
        let root = try temporaryDirectory()
        var models: [String: Parameters] = [:]
        for (name, worldSize, sparse) in [("np2-sparse", 2, true), ("np2-dense", 2, false), ("np4-sparse", 4, true), ("np4-dense", 4, false)] {
            let output = root.appendingPathComponent(name)
            let run = try MTLDist.mpirun(worldSize, ["train", "--output", output.path] + agreementRun
                                                    + MTLDist.settings(["training.sparse_allreduce": "\(sparse)"]))
            XCTAssertEqual(run.status, 0, "\(run)")
            XCTAssertEqual(run.occurrences(of: "touched embedding rows"), sparse ? 1 : 0, "the log names the sum it ran\n\(run)")
            models[name] = try Parameters(model: output.appendingPathComponent("best"))
        }
        let sparse2 = try XCTUnwrap(models["np2-sparse"]), dense2 = try XCTUnwrap(models["np2-dense"])
        let two = sparse2.differences(from: dense2)
        XCTAssertEqual(two.identical, dense2.values.count, "np 2 touched rows vs dense: \(two)")
        let four = try XCTUnwrap(models["np4-sparse"]).differences(from: try XCTUnwrap(models["np4-dense"]))
        XCTAssertEqual(four.outside, 0, "np 4 touched rows vs dense: \(four)")
    }

    /// Gradient sums started bucket by bucket during backward, and the in-place sum over shared
    /// memory, train what the blocking sum of the same buckets trains. 0.01 MiB buckets cut this model's 75k parameters into 6 buckets (the
    /// word embedding, finished last by backward, alone in the last one), for both sums. np 2 with
    /// overlap equals np 2 without it bit for bit: with two ranks each element's sum is one
    /// addition, which commutes exactly.
    /// (Which bucket starts when is the same on every rank here: the sampler keeps every task on
    /// every rank. Buckets becoming ready in a different order per rank are tested in
    /// `GradientBucketsTests`.)
    func testOverlappedAllReduceTrainsWhatTheBlockingOneTrains() throws {
        let root = try temporaryDirectory()
        let buckets = MTLDist.settings(["training.allreduce_bucket_mb": "0.01"])
        let runs: [(name: String, worldSize: Int, settings: [String], plan: String)] = [
            ("np 1", 1, buckets, "training upos + ner on 1 rank: "),
            ("np 2 blocking", 2, buckets + MTLDist.settings(["training.overlap_allreduce": "false"]),
             "gradient all-reduce blocking, 6 buckets of whole parameters, ≤ 0.01 MiB or one parameter"),
            ("np 2 overlapped", 2, buckets,
             "gradient all-reduce overlapped with backward, 6 buckets of whole parameters, ≤ 0.01 MiB or one parameter, advanced by a progress thread every 1000 µs"),
            ("np 4 overlapped", 4, buckets,
             "gradient all-reduce overlapped with backward, 6 buckets of whole parameters, ≤ 0.01 MiB or one parameter, advanced by a progress thread every 1000 µs"),
            ("np 2 shared", 2, [], "gradient all-reduce blocking, one in-place sum over shared memory (every rank on this host)"),
        ]
        var models: [String: Parameters] = [:]
        for (i, run) in runs.enumerated() {
            let output = root.appendingPathComponent("run\(i)")
            let result = try MTLDist.ranks(run.worldSize, ["train", "--output", output.path] + agreementRun + run.settings)
            XCTAssertEqual(result.status, 0, "\(run.name)\n\(result)")
            XCTAssertEqual(result.occurrences(of: run.plan), 1, "\(run.name)\n\(result)")
            models[run.name] = try Parameters(model: output.appendingPathComponent("best"))
        }
        let one = try XCTUnwrap(models["np 1"]), blocking = try XCTUnwrap(models["np 2 blocking"])
        for name in ["np 2 blocking", "np 2 overlapped", "np 4 overlapped"] {
            let d = one.differences(from: try XCTUnwrap(models[name]))
            XCTAssertEqual(d.outside, 0, "\(name) vs np 1: \(d.outside) of \(one.values.count) parameters differ by more than " +
                           "float summation order; worst at [\(d.worstIndex)]: \(d.worstRatio)× its tolerance")
        }
        let overlapped = try XCTUnwrap(models["np 2 overlapped"]).differences(from: blocking)
        XCTAssertEqual(overlapped.identical, blocking.values.count, "np 2 overlapped vs blocking: \(overlapped)")
        // the in-place sum over shared memory adds the same two numbers: the same bits as MPI's
        let shared = try XCTUnwrap(models["np 2 shared"]).differences(from: blocking)
        XCTAssertEqual(shared.identical, blocking.values.count, "np 2 over shared memory vs MPI_Allreduce: \(shared)")
    }

    func testEvaluationOnThreeRanksEqualsOneProcessExactly() throws {
        let output = try temporaryDirectory().appendingPathComponent("run")
        // 60 steps at the default learning rate: some entities predicted (not needed: gold counts sum too)
        let train = try MTLDist.run(["train", "--output", output.path] + MTLDist.tinyModel + MTLDist.settings([
            "training.max_steps": "60", "training.batch_size": "8", "training.log_every": "20",
        ]))
        XCTAssertEqual(train.status, 0, "\(train)")
        let model = output.appendingPathComponent("best").path

        let alone = try MTLDist.run(["evaluate", "--model", model, "--json"])
        let ranks = try MTLDist.mpirun(3, ["evaluate", "--model", model, "--json"])
        XCTAssertEqual(alone.status, 0, "\(alone)")
        XCTAssertEqual(ranks.status, 0, "\(ranks)")
        XCTAssertEqual(alone.jsonLines.count, 1, "one JSON object\n\(alone)")
        XCTAssertEqual(ranks.stdout, alone.stdout, "np 3 must print exactly the single-process JSON, once")

        // what was summed is the whole split, counted once: every dev token, every gold entity
        let dev = try devTokens()
        let tasks = try XCTUnwrap(alone.jsonLines.first?["tasks"] as? [String: Any], "\(alone)")
        XCTAssertEqual((tasks["upos"] as? [String: Any])?["tokens"] as? Int, dev.count, "\(alone)")
        let types = try XCTUnwrap((tasks["ner"] as? [String: Any])?["per_type"] as? [String: [String: Any]], "\(alone)")
        for type in ["LOC", "ORG", "PER"] {
            let gold = (types[type]?["tp"] as? Int ?? -1) + (types[type]?["fn"] as? Int ?? -1)
            XCTAssertEqual(gold, dev.filter { $0.hasSuffix("\tB-\(type)") }.count, "gold \(type) entities (IOB2: one B- each)")
        }
    }

    /// The token lines of the embedded corpus's dev.tsv (`text<TAB>upos<TAB>ner`).
    private func devTokens() throws -> [Substring] {
        let text = try String(contentsOf: MTLDist.defaultCorpus.appendingPathComponent("dev.tsv"), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }
}
