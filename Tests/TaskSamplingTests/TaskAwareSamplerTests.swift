import Foundation
@testable import TaskSampling
import XCTest

final class TaskAwareSamplerTests: XCTestCase {
    // MARK: synthetic routings

    /// One corpus per task; corpus t has `sizes[t]` sentences, each training task t only.
    func singleTask(_ sizes: [Int]) -> [[[Int]]] {
        sizes.enumerated().map { t, n in [[Int]](repeating: [t], count: n) }
    }

    /// use_all_tasks style: corpus 0 sentences train tasks 0 and 1, corpus 1 trains 1, corpus 2
    /// trains 2, corpus 3 trains 0. n = (70, 240, 5); groups {0,1}:40, {1}:200, {2}:5, {0}:30.
    let multiTask: [[[Int]]] = [
        [[Int]](repeating: [0, 1], count: 40), [[Int]](repeating: [1], count: 200),
        [[Int]](repeating: [2], count: 5), [[Int]](repeating: [0], count: 30),
    ]

    /// One corpus whose 101 sentences carry all three tasks (NER, POS, chunk columns).
    let allTasks: [[[Int]]] = [[[Int]](repeating: [0, 1, 2], count: 101)]

    func make(_ assignments: [[[Int]]], tasks: Int = 3, batch: Int = 32, worldSize: Int = 1, seed: UInt64 = 7,
              strategy: SamplingStrategy = .proportional, temperature: Double = 1, minPerRank: Int = 1,
              maxWorldSize: Int? = nil) throws -> TaskAwareSampler {
        try TaskAwareSampler(assignments: assignments, taskCount: tasks, batchSize: batch, worldSize: worldSize, seed: seed,
                             strategy: strategy, temperature: temperature, minPerRank: minPerRank, maxWorldSize: maxWorldSize)
    }

    /// Promise 1 for one world size: B/W items per rank, ≥ m items carrying every task.
    func assertEveryRankHasEveryTask(_ s: TaskAwareSampler, worldSize: Int, epochs: Range<Int> = 0..<2,
                                     file: StaticString = #filePath, line: UInt = #line) {
        for e in epochs {
            for step in 0..<s.stepsPerEpoch(epoch: e) {
                for r in 0..<worldSize {
                    let slice = s.rankBatch(epoch: e, step: step, rank: r, worldSize: worldSize)
                    XCTAssertEqual(slice.count, s.batchSize / worldSize, file: file, line: line)
                    for t in 0..<s.taskCount {
                        let carriers = slice.filter { $0.tasks.contains(t) }.count
                        if carriers < s.minPerRank {
                            XCTFail("W=\(worldSize) epoch \(e) step \(step) rank \(r): \(carriers) items of task \(t)", file: file, line: line)
                            return
                        }
                    }
                }
            }
        }
    }

    /// How often each item (by index into `items`) is drawn in `epoch`.
    func occurrences(_ s: TaskAwareSampler, epoch: Int) -> [SampledItem: Int] {
        var count: [SampledItem: Int] = [:]
        for step in 0..<s.stepsPerEpoch(epoch: epoch) {
            for item in s.globalBatch(epoch: epoch, step: step) { count[item, default: 0] += 1 }
        }
        return count
    }

    // MARK: promise 1

    func testSentencesRoutedToNoTaskAreNeverSampled() throws {
        // every third sentence is unannotated for every task (TaskRouting leaves its route empty)
        let routes = (0..<60).map { $0 % 3 == 2 ? [] : [$0 % 2] }
        let s = try make([routes], tasks: 2, batch: 8)
        for e in 0..<2 {
            for step in 0..<s.stepsPerEpoch(epoch: e) {
                for item in s.globalBatch(epoch: e, step: step) { XCTAssertNotEqual(item.sentence % 3, 2, "\(item)") }
            }
        }
    }

    func testEveryRankHoldsEveryTaskForEachWorldSize() throws {
        // planned for 8 ranks (the default plan may be smaller to keep the strategy's shares)
        for routing in [singleTask([500, 60, 3]), multiTask, allTasks] {
            for w in [1, 2, 4, 8] {
                assertEveryRankHasEveryTask(try make(routing, worldSize: w, maxWorldSize: 8), worldSize: w)
            }
        }
    }

    // MARK: the strategy's shares

    func testDefaultPlanIsTheLargestThatKeepsTheStrategysShares() throws {
        // two tasks of 900 and 100 sentences, proportional: 90% / 10% of a batch of 32. Reserving
        // f = W slots per task gives the small task at least W/32: 8 ranks would force 25%, 4 ranks
        // 12.5% (2.5 points off), 2 ranks 6.25% (not binding): the default plans for 2.
        let routing = singleTask([900, 100])
        let s = try make(routing, tasks: 2)
        XCTAssertEqual(s.maxWorldSize, 2)
        XCTAssertEqual(s.plannedShares[0], 0.9, accuracy: 1e-9)
        XCTAssertEqual(s.plannedShares[1], 0.1, accuracy: 1e-9)
        let lines = s.shareMessages(taskNames: ["big", "small"])
        XCTAssertEqual(lines, ["task shares planned (configured): big 90.0% (90.0%), small 10.0% (10.0%); planned for up to 2 ranks"])

        // uniform asks for 50/50, which any plan keeps: the most ranks the batch allows
        XCTAssertEqual(try make(routing, tasks: 2, strategy: .uniform).maxWorldSize, 16)

        // a plan for 16 forces 50/50 and the start-of-run warning names the keys that decide it
        let forced = try make(routing, tasks: 2, maxWorldSize: 16)
        XCTAssertEqual(forced.plannedShares[1], 0.5, accuracy: 1e-9)
        let warned = forced.shareMessages(taskNames: ["big", "small"])
        XCTAssertEqual(warned.count, 2)
        XCTAssertTrue(warned[1].hasPrefix("warning: the plan gives big 50.0% instead of 90.0%, small 50.0% instead of 10.0%"), warned[1])
        for key in ["sampler.max_world_size=16", "sampler.min_per_rank=1", "training.batch_size=32", "sampler.strategy"] {
            XCTAssertTrue(warned[1].contains(key), "\(key) in \(warned[1])")
        }

        // a task too small for one sentence in every batch: no plan keeps the share, keep the largest
        XCTAssertEqual(try make(singleTask([2000, 10]), tasks: 2).maxWorldSize, 16)
    }

    func testWorldSizesThatDoNotDivideThePlannedMaximumKeepTheMinimum() throws {
        // B = 24, T = 3: W_max = 8, P = 3; W = 3 and 6 give slices not aligned to the windows.
        let s = try make(singleTask([200, 30, 4]), batch: 24)
        XCTAssertEqual(s.maxWorldSize, 8)
        for w in [1, 2, 3, 4, 6, 8] { assertEveryRankHasEveryTask(s, worldSize: w, epochs: 0..<1) }
    }

    func testMinimumOfTwoPerRank() throws {
        let s = try make(multiTask, batch: 48, worldSize: 4, minPerRank: 2)
        XCTAssertEqual(s.maxWorldSize, 8)
        for w in [1, 2, 4, 8] { assertEveryRankHasEveryTask(s, worldSize: w, epochs: 0..<1) }
    }

    // MARK: promise 2

    func testNoItemRepeatsWithinAnEpochUnlessItsTaskIsOversampled() throws {
        for routing in [singleTask([500, 60, 3]), multiTask, allTasks] {
            let s = try make(routing, maxWorldSize: 2)
            let oversampled = Set(s.oversampledTasks.map(\.task))
            for e in 0..<2 {
                let count = occurrences(s, epoch: e)
                XCTAssertEqual(count.count, s.items.count, "every item is drawn at least once per epoch")
                for item in s.items where count[item, default: 0] > 1 {
                    XCTAssertFalse(Set(item.tasks).isDisjoint(with: oversampled), "\(item) repeats but none of its tasks is reported")
                }
                // Repeats come in whole shuffled cycles: items of one group differ by at most one draw.
                for members in s.groupMembers {
                    let counts = members.map { count[s.items[Int($0)], default: 0] }
                    XCTAssertLessThanOrEqual(counts.max()! - counts.min()!, 1)
                }
            }
        }
    }

    func testAllTasksCorpusIsOnePassWithoutOversampling() throws {
        // Every item carries every task: an epoch is ⌈101 / 32⌉ = 4 steps and only the fill repeats.
        let s = try make(allTasks)
        XCTAssertEqual(s.stepsPerEpoch(epoch: 0), 4)
        XCTAssertEqual(s.oversampledTasks.map(\.reason), [.lastBatchFill, .lastBatchFill, .lastBatchFill])
        XCTAssertEqual(s.oversampledTasks.map(\.drawsPerEpoch), [128, 128, 128])
    }

    // MARK: promise 3

    func testGlobalScheduleDoesNotDependOnWorldSize() throws {
        for routing in [singleTask([500, 60, 3]), multiTask] {
            let reference = try make(routing, worldSize: 1, maxWorldSize: 8)
            for w in [2, 4, 8] {
                let s = try make(routing, worldSize: w, maxWorldSize: 8)
                XCTAssertEqual(s.stepsPerEpoch(epoch: 0), reference.stepsPerEpoch(epoch: 0))
                for e in 0..<2 {
                    for step in 0..<s.stepsPerEpoch(epoch: e) {
                        let union = (0..<w).flatMap { s.rankBatch(epoch: e, step: step, rank: $0) }
                        let expected = reference.globalBatch(epoch: e, step: step)
                        XCTAssertEqual(multiset(union), multiset(expected), "W=\(w) epoch \(e) step \(step)")
                        XCTAssertEqual(union, expected)
                    }
                }
            }
        }
    }

    func testSeedAndEpochChangeTheSchedule() throws {
        let a = try make(singleTask([500, 60, 3]), seed: 1), b = try make(singleTask([500, 60, 3]), seed: 2)
        XCTAssertNotEqual(a.globalBatch(epoch: 0, step: 0), b.globalBatch(epoch: 0, step: 0))
        XCTAssertNotEqual(a.globalBatch(epoch: 0, step: 0), a.globalBatch(epoch: 1, step: 0))
    }

    // MARK: promise 4

    func testTaskSharesFollowEachStrategyWhenTheMinimumDoesNotBind() throws {
        let sizes = [600, 300, 100]
        let cases: [(SamplingStrategy, Double, [Double])] = [
            (.proportional, 1, [0.6, 0.3, 0.1]),
            (.uniform, 1, [1.0 / 3, 1.0 / 3, 1.0 / 3]),
            (.temperature, 2, sizes.map { Double($0).squareRoot() / (600.0.squareRoot() + 300.0.squareRoot() + 10) }),
            (.temperature, 1, [0.6, 0.3, 0.1]),
        ]
        for (strategy, temperature, expected) in cases {
            let s = try make(singleTask(sizes), batch: 40, strategy: strategy, temperature: temperature, maxWorldSize: 1)
            let shares = taskShares(s, epoch: 0)
            for t in 0..<3 {
                XCTAssertEqual(shares[t], expected[t], accuracy: 0.005, "\(strategy) task \(t)")
                XCTAssertEqual(s.strategyShares[t], expected[t], accuracy: 1e-12)
            }
        }
    }

    func testBindingMinimumRaisesSmallTasksAndKeepsTheRestProportional() throws {
        // B = 64, W_max = 4: f = 4 per task. Proportional targets 56.8, 6.8, 0.34 → task 2 raised to 4;
        // tasks 0 and 1 share the other 60 as 500 : 60.
        let s = try make(singleTask([500, 60, 3]), batch: 64, maxWorldSize: 4)
        let perStep = (0..<s.stepsPerEpoch(epoch: 0)).map { step in
            (0..<3).map { t in s.globalBatch(epoch: 0, step: step).filter { $0.tasks == [t] }.count }
        }
        XCTAssertTrue(perStep.allSatisfy { $0[2] == 4 }, "the tiny task gets exactly m·W_max per step")
        let total0 = Double(perStep.map { $0[0] }.reduce(0, +)), total1 = Double(perStep.map { $0[1] }.reduce(0, +))
        XCTAssertEqual(total0 / (total0 + total1), 500.0 / 560, accuracy: 0.01)
        XCTAssertEqual(s.expectedPerStep[2], 4, accuracy: 1e-9)
        XCTAssertEqual(s.expectedPerStep.reduce(0, +), 64, accuracy: 1e-9)
    }

    func testProportionalWithSeveralTasksPerItemDrawsEveryItemEquallyOften() throws {
        // B = 60, maxWorldSize 1: the minimum does not bind (the 5-item group's target is 60·5/275 > 1),
        // so every item is drawn once (twice only to fill the last step) and pair counts are ∝ n_t = (70, 240, 5).
        let s = try make(multiTask, batch: 60, maxWorldSize: 1)
        let count = occurrences(s, epoch: 0)
        let extra = count.values.reduce(0, +) - s.items.count
        XCTAssertLessThan(extra, 60, "only the last step's fill repeats")
        XCTAssertTrue(count.values.allSatisfy { $0 == 1 || $0 == 2 })
        XCTAssertTrue(s.oversampledTasks.allSatisfy { $0.reason == .lastBatchFill })
        var pairs = [0, 0, 0]
        for (item, c) in count { for t in item.tasks { pairs[t] += c } }
        let total = Double(pairs.reduce(0, +))
        for t in 0..<3 { XCTAssertEqual(Double(pairs[t]) / total, Double(s.taskSizes[t]) / 315, accuracy: 0.02) }
    }

    func taskShares(_ s: TaskAwareSampler, epoch: Int) -> [Double] {
        var count = [Double](repeating: 0, count: s.taskCount)
        for step in 0..<s.stepsPerEpoch(epoch: epoch) {
            for item in s.globalBatch(epoch: epoch, step: step) { for t in item.tasks { count[t] += 1 } }
        }
        let total = count.reduce(0, +)
        return count.map { $0 / total }
    }

    // MARK: promise 5

    func testResumingAtAnyStepContinuesTheExactScheduleOnAnyWorldSize() throws {
        let straight = try make(multiTask, worldSize: 2, maxWorldSize: 8)
        var sequence: [[SampledItem]] = []
        for e in 0..<3 { for step in 0..<straight.stepsPerEpoch(epoch: e) { sequence.append(straight.globalBatch(epoch: e, step: step)) } }
        let steps = straight.stepsPerEpoch(epoch: 0)
        for (w, k) in [(1, 5), (4, steps + 3), (8, 2 * steps - 1)] {
            let resumed = try make(multiTask, worldSize: w, maxWorldSize: 8)
            var flat = k
            for e in (k / steps)..<3 {
                for step in (e == k / steps ? k % steps : 0)..<steps {
                    XCTAssertEqual(resumed.globalBatch(epoch: e, step: step), sequence[flat], "resume W=\(w) at \(k)")
                    flat += 1
                }
            }
        }
        // Jumping between epochs (cache misses) returns the same batches.
        XCTAssertEqual(straight.globalBatch(epoch: 0, step: 3), sequence[3])
        XCTAssertEqual(straight.globalBatch(epoch: 2, step: 1), sequence[2 * steps + 1])
        XCTAssertEqual(straight.globalBatch(epoch: 0, step: 3), sequence[3])
    }

    // MARK: oversampling report

    func testOversamplingIsReportedWithReasonAndFactor() throws {
        // B = 32, W_max = 8: f = 8 per task per step; e = (16, 8, 8); S = ⌈500 / 16⌉ = 32.
        let s = try make(singleTask([500, 60, 3]))
        XCTAssertEqual(s.stepsPerEpoch(epoch: 0), 32)
        for (e, want) in zip(s.expectedPerStep, [16.0, 8, 8]) { XCTAssertEqual(e, want, accuracy: 1e-9) }
        let report = Dictionary(uniqueKeysWithValues: s.oversampledTasks.map { ($0.task, $0) })
        XCTAssertEqual(report[0], TaskOversampling(task: 0, items: 500, drawsPerEpoch: 512, reason: .lastBatchFill))
        XCTAssertEqual(report[1], TaskOversampling(task: 1, items: 60, drawsPerEpoch: 256, reason: .perRankMinimum))
        XCTAssertEqual(report[2], TaskOversampling(task: 2, items: 3, drawsPerEpoch: 256, reason: .perRankMinimum))
        XCTAssertEqual(report[2]!.factor, 256.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(occurrences(s, epoch: 0).filter { $0.key.tasks == [2] }.values.reduce(0, +), 256)
        let messages = s.oversamplingMessages(taskNames: ["ner", "pos", "tiny"])
        XCTAssertEqual(messages[2], "task 'tiny' is oversampled: 3 sentences drawn 256 times per epoch (85.33×) to keep at least 1 per rank on up to 8 ranks")

        let uniform = try make(singleTask([600, 300, 100]), batch: 30, strategy: .uniform, maxWorldSize: 1)
        XCTAssertEqual(uniform.oversampledTasks.first { $0.task == 2 }?.reason, .strategy)
        XCTAssertNil(uniform.oversampledTasks.first { $0.task == 0 }, "600 = 60 steps × 10: no repeat")
    }

    // MARK: errors

    func testImpossibleSettingsThrowTypedErrors() throws {
        let routing = singleTask([50, 20, 5])
        XCTAssertThrowsError(try make(routing, batch: 30, worldSize: 4)) { error in
            XCTAssertEqual(error as? SamplerError, .batchNotDivisible(batchSize: 30, worldSize: 4))
            XCTAssertTrue("\(error)".contains("training.batch_size 30 is not divisible by the world size 4"))
        }
        XCTAssertThrowsError(try make(routing, batch: 16, worldSize: 8)) { error in
            XCTAssertEqual(error as? SamplerError, .batchTooSmall(batchSize: 16, worldSize: 8, taskCount: 3, minPerRank: 1))
            XCTAssertEqual("\(error)", "training.batch_size 16 over 8 ranks gives 2 sentences per rank, but every rank needs sampler.min_per_rank 1 × 3 tasks = 3. Use training.batch_size ≥ 24 (a multiple of 8), at most 4 ranks, or fewer tasks.")
        }
        XCTAssertThrowsError(try make(routing, batch: 2, worldSize: 1)) { error in
            XCTAssertEqual(error as? SamplerError, .batchTooSmall(batchSize: 2, worldSize: 1, taskCount: 3, minPerRank: 1))
        }
        XCTAssertThrowsError(try make(routing, batch: 32, worldSize: 2, maxWorldSize: 5)) { error in
            XCTAssertEqual(error as? SamplerError, .maxWorldSizeNotDivisor(batchSize: 32, maxWorldSize: 5))
        }
        XCTAssertThrowsError(try make(routing, batch: 32, worldSize: 8, maxWorldSize: 4)) { error in
            XCTAssertEqual(error as? SamplerError, .worldSizeAbovePlan(worldSize: 8, maxWorldSize: 4))
        }
        XCTAssertThrowsError(try make(routing, batch: 32, worldSize: 1, maxWorldSize: 16)) { error in
            XCTAssertEqual(error as? SamplerError, .batchTooSmall(batchSize: 32, worldSize: 16, taskCount: 3, minPerRank: 1))
        }
        XCTAssertThrowsError(try make(routing, minPerRank: 0)) { error in
            XCTAssertEqual(error as? SamplerError, .invalidSetting(key: "sampler.min_per_rank", value: "0", expected: "at least 1"))
        }
        XCTAssertThrowsError(try make(routing, strategy: .temperature, temperature: 0)) { error in
            XCTAssertEqual(error as? SamplerError, .invalidSetting(key: "sampler.temperature", value: "0.0", expected: "a positive finite number"))
        }
        XCTAssertThrowsError(try make(routing, tasks: 4)) { error in
            XCTAssertEqual(error as? SamplerError, .taskWithoutItems(task: 3))
        }
        let s = try make(routing, batch: 32, worldSize: 2, maxWorldSize: 8)
        XCTAssertThrowsError(try s.validate(worldSize: 3)) { error in
            XCTAssertEqual(error as? SamplerError, .batchNotDivisible(batchSize: 32, worldSize: 3))
        }
        XCTAssertNoThrow(try s.validate(worldSize: 8))
        XCTAssertEqual(TaskAwareSampler.largestWorldSize(batchSize: 60, taskCount: 3, minPerRank: 1), 20)
        XCTAssertEqual(TaskAwareSampler.largestWorldSize(batchSize: 32, taskCount: 3, minPerRank: 2), 4)
        XCTAssertNil(TaskAwareSampler.largestWorldSize(batchSize: 5, taskCount: 3, minPerRank: 2))
    }

    // MARK: plan

    func testPlanLinesListEverySentenceTaskAssignment() throws {
        let s = try make(multiTask, batch: 24, maxWorldSize: 4)
        let names = ["ner", "pos", "chunk \"x\""], corpora = ["conll03", "ewt", "tiny", "extra"]
        let lines = try s.planLines(epoch: 1, steps: 2, worldSize: 4, taskNames: names, corpusNames: corpora)
        let batches = (0..<2).map { s.globalBatch(epoch: 1, step: $0) }
        XCTAssertEqual(lines.count, batches.joined().map(\.tasks.count).reduce(0, +))

        let first = batches[0][0]
        XCTAssertEqual(lines[0], "{\"epoch\":1,\"step\":0,\"rank\":0,\"task\":\"\(names[first.tasks[0]])\",\"corpus\":\"\(corpora[first.corpus])\",\"sentence\":\(first.sentence)}"
            .replacingOccurrences(of: "chunk \"x\"", with: "chunk \\\"x\\\""))
        var seen: [[Int]: Set<String>] = [:]
        for line in lines {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object.count, 6)
            XCTAssertTrue(line.hasPrefix("{\"epoch\":1,\"step\":"))
            let keyOrder = ["\"epoch\"", "\"step\"", "\"rank\"", "\"task\"", "\"corpus\"", "\"sentence\""].map { line.range(of: $0)!.lowerBound }
            XCTAssertEqual(keyOrder, keyOrder.sorted())
            seen[[object["step"] as! Int, object["rank"] as! Int], default: []].insert(object["task"] as! String)
        }
        XCTAssertEqual(seen.count, 2 * 4)
        XCTAssertTrue(seen.values.allSatisfy { $0 == Set(names) }, "every rank of every step trains every task")

        XCTAssertEqual(try s.planLines(epoch: 0, worldSize: 1, taskNames: names, corpusNames: corpora).count,
                       (0..<s.stepsPerEpoch(epoch: 0)).map { s.globalBatch(epoch: 0, step: $0).map(\.tasks.count).reduce(0, +) }.reduce(0, +))
        XCTAssertThrowsError(try s.planLines(epoch: 0, steps: 1, worldSize: 8, taskNames: names, corpusNames: corpora))
        XCTAssertThrowsError(try s.planLines(epoch: -1, steps: 1, worldSize: 2, taskNames: names, corpusNames: corpora))
    }

    func testJSONStringEscapes() {
        XCTAssertEqual(jsonString("a\"b\\c\nd\u{01}é"), "\"a\\\"b\\\\c\\nd\\u0001é\"")
    }

    // MARK: internals

    func testWaterFillMeetsFloorsAndTotal() {
        let (e, binds) = SlotSchedule.waterFill(floors: [8, 8, 8], targets: [28.4, 3.4, 0.2], total: 32)
        XCTAssertEqual(e, [16, 8, 8])
        XCTAssertEqual(binds, [false, true, true])
        let (free, none) = SlotSchedule.waterFill(floors: [1, 1], targets: [30, 10], total: 40)
        XCTAssertEqual(free, [30, 10])
        XCTAssertEqual(none, [false, false])
    }

    func testSmoothRoundRobinStaysWithinOneOfItsShare() {
        var picker = SmoothRoundRobin(weights: [0.5, 0.3, 0.2])
        var count = [0, 0, 0]
        for k in 1...1000 {
            count[picker.next()] += 1
            for (i, w) in [0.5, 0.3, 0.2].enumerated() { XCTAssertLessThan(abs(Double(count[i]) - Double(k) * w), 1.0 + 1e-9) }
        }
    }

    func testLargeEpochBuildsOnce() throws {
        // CoNLL-sized: 14 000 items over 3 tasks. The epoch is built once; steps are slices of it.
        let s = try make(singleTask([9000, 4000, 1000]), batch: 64)
        let start = Date()
        for step in 0..<s.stepsPerEpoch(epoch: 0) { XCTAssertEqual(s.globalBatch(epoch: 0, step: step).count, 64) }
        XCTAssertLessThan(Date().timeIntervalSince(start), 20, "debug build; release is milliseconds")
    }

    func multiset(_ items: [SampledItem]) -> [SampledItem: Int] {
        items.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }
}
