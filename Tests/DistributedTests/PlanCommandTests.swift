import Foundation
import TestSupport
import XCTest

/// `mtl-dist plan` (one process, no MPI) checked end to end against the sampler's promises
/// (README.md, "Running on several processes", and `TaskAwareSampler`'s doc comment): every rank
/// gets B/W sentences holding every task, no sentence twice in an epoch except by reported
/// oversampling, the global schedule does not depend on W, and the schedule is a function of
/// (epoch, step): a plan cut at step k is the full plan's first k steps.
/// The sampler itself is unit-tested in TaskSamplingTests/TaskAwareSamplerTests.swift.
final class PlanCommandTests: XCTestCase {
    private let batchSize = 32
    private let worldSizes = [1, 2, 4, 8]

    /// The default config plans for up to 16 ranks: each window is 2 positions, one per task.
    func testPlansForOneToEightRanksKeepThePromises() throws {
        try assertPromises(settings: [])
    }

    /// Planned for at most 8 ranks, each window of 4 positions has 2 free ones, shuffled per step.
    func testPlansWithFreePositionsKeepThePromises() throws {
        try assertPromises(settings: MTLDist.settings(["sampler.max_world_size": "8"]))
    }

    private func assertPromises(settings: [String]) throws {
        var schedules: [Int: [Schedule.Item]] = [:]
        for worldSize in worldSizes {
            let run = try MTLDist.run(["plan", "--world-size", "\(worldSize)"] + settings)
            XCTAssertEqual(run.status, 0, "\(run)")
            let lines = try PlanLine.parse(run)
            let schedule = Schedule(lines)
            XCTAssertEqual(Set(lines.map(\.epoch)), [0])
            XCTAssertEqual(schedule.steps, (0..<schedule.steps.count).map { $0 }, "W \(worldSize): consecutive steps from 0")

            // 1: B/W sentences per (step, rank), every task among them; rank r holds positions r·B/W ..< (r+1)·B/W
            let perRank = batchSize / worldSize
            var broken: [String] = []
            let batches = Dictionary(grouping: schedule.items, by: \.step)
            for step in schedule.steps {
                let batch = batches[step] ?? []
                if batch.count != batchSize { broken.append("step \(step): \(batch.count) sentences") }
                for (position, item) in batch.enumerated() where item.rank != position / perRank {
                    broken.append("step \(step) position \(position): rank \(item.rank)")
                }
                for rank in 0..<worldSize {
                    let tasks = Set(batch.filter { $0.rank == rank }.flatMap(\.tasks))
                    if tasks != ["upos", "ner"] { broken.append("step \(step) rank \(rank): tasks \(tasks.sorted())") }
                }
            }
            XCTAssertEqual(broken.count, 0, "W \(worldSize), first: \(broken.prefix(3).joined(separator: "; "))")
            schedules[worldSize] = schedule.items
        }

        // 3: the same global batches, in the same order, for every W (the rank is position / (B/W))
        let reference = try XCTUnwrap(schedules[1])
        for worldSize in worldSizes.dropFirst() {
            let items = try XCTUnwrap(schedules[worldSize])
            XCTAssertEqual(items.count, reference.count, "W \(worldSize) vs W 1")
            if let i = reference.indices.first(where: { i in i >= items.count || items[i].unranked != reference[i].unranked }) {
                XCTFail("W \(worldSize) vs W 1: item \(i) is \(i < items.count ? items[i].unranked : []), expected \(reference[i].unranked)")
            }
        }

        // 2: every training sentence once per epoch; a sentence repeats only to fill the last step
        // (the log's "oversampled … to fill the epoch's last step": S·B draws for n sentences)
        let sentences = try trainingSentenceCount()
        var draws: [Int: Int] = [:]
        for item in reference { draws[item.sentence, default: 0] += 1 }
        let missing = Set(0..<sentences).subtracting(draws.keys)
        XCTAssertEqual(missing.count, 0, "sentences never drawn in the epoch, e.g. \(missing.sorted().prefix(5))")
        XCTAssertTrue(draws.keys.allSatisfy { (0..<sentences).contains($0) }, "sentence indices within the corpus")
        let repeats = reference.count - sentences
        XCTAssertTrue((0..<batchSize).contains(repeats), "\(reference.count) draws for \(sentences) sentences")
        XCTAssertEqual(draws.values.filter { $0 > 1 }.count, repeats, "at most one repeat per sentence")
        XCTAssertLessThanOrEqual(draws.values.max() ?? 0, 2)
        XCTAssertEqual(Set(reference.map(\.tasks)), [["upos", "ner"]], "each sentence carries both tasks")
    }

    func testAPlanCutAtAStepIsTheStartOfTheFullPlan() throws {
        for worldSize in [1, 4] {
            for epoch in [0, 1] {
                let full = try MTLDist.run(["plan", "--world-size", "\(worldSize)", "--epoch", "\(epoch)"])
                let cut = try MTLDist.run(["plan", "--world-size", "\(worldSize)", "--epoch", "\(epoch)", "--steps", "7"])
                XCTAssertEqual(full.status, 0, "\(full)")
                XCTAssertEqual(cut.status, 0, "\(cut)")
                let lines = try PlanLine.parse(full)
                XCTAssertEqual(Set(lines.map(\.epoch)), [epoch])
                let head = try PlanLine.parse(cut), expected = lines.filter { $0.step < 7 }
                XCTAssertEqual(head.count, expected.count, "W \(worldSize) epoch \(epoch)")
                if let i = expected.indices.first(where: { $0 >= head.count || head[$0] != expected[$0] }) {
                    XCTFail("W \(worldSize) epoch \(epoch): line \(i) of --steps 7 is \(i < head.count ? "\(head[i])" : "missing"), " +
                            "the full plan has \(expected[i])")
                }
                XCTAssertEqual(Set(head.map(\.step)), Set(0..<7))
            }
        }
        // epochs are shuffled differently
        let first = try PlanLine.parse(try MTLDist.run(["plan", "--world-size", "2", "--steps", "2"]))
        let second = try PlanLine.parse(try MTLDist.run(["plan", "--world-size", "2", "--steps", "2", "--epoch", "1"]))
        XCTAssertNotEqual(first.map(\.sentence), second.map(\.sentence))
    }

    /// Sentences in the embedded corpus's train.tsv: runs of token lines between blank lines.
    private func trainingSentenceCount() throws -> Int {
        let text = try String(contentsOf: MTLDist.defaultCorpus.appendingPathComponent("train.tsv"), encoding: .utf8)
        return text.components(separatedBy: "\n\n").filter {
            $0.split(separator: "\n").contains { !$0.hasPrefix("#") && !$0.isEmpty }
        }.count
    }
}

/// A plan's lines grouped into items: one item is one sentence in one position of a global
/// batch, printed as consecutive lines with distinct tasks.
private struct Schedule {
    struct Item: Equatable {
        let step: Int
        let rank: Int
        let corpus: String
        let sentence: Int
        var tasks: [String]
        /// The item without its rank: what must not depend on W.
        var unranked: [String] { ["\(step)", corpus, "\(sentence)"] + tasks }
    }

    let items: [Item]
    let steps: [Int]

    init(_ lines: [PlanLine]) {
        var items: [Item] = []
        for l in lines {
            if let last = items.last, last.step == l.step, last.rank == l.rank, last.corpus == l.corpus,
               last.sentence == l.sentence, !last.tasks.contains(l.task) {
                items[items.count - 1].tasks.append(l.task)
            } else {
                items.append(Item(step: l.step, rank: l.rank, corpus: l.corpus, sentence: l.sentence, tasks: [l.task]))
            }
        }
        self.items = items
        var steps: [Int] = []
        for item in items where steps.last != item.step { steps.append(item.step) }
        self.steps = steps
    }
}
