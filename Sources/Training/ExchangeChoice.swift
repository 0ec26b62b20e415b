import Autodiff
import Collective
import Foundation
import ModelFiles
import Reporting
import RunConfig
import TaskSampling

/// `training.exchange: auto`: what the ranks measure at start, each strategy's predicted step, and
/// the choice.
///
/// Ranks that all share one host (shared memory) take the dense sum without measuring: there no
/// strategy trained more than 3% faster than the dense sum on the CoNLL and MiniLM configs, while
/// their costs on one machine are CPU costs the byte model does not see (packing the touched rows,
/// a reduce-scatter + all-gather of 95 MB at twice an all-reduce's time), so the model picked
/// strategies 7-8% slower there (BENCHMARKS.md). Across hosts the ranks measure on the trainer about
/// to run (built with the dense exchange), before its replicas start: the all-reduce at a few sizes
/// on the run's own communicator (fitted α, β), the reduce-scatter + all-gather pair and the
/// non-blocking all-reduce at one size (the sharded update's and the overlapped buckets'
/// collectives, β each with the all-reduce's α), one forward and backward of this rank's slice of
/// the first global batch (the slowest rank's, since a step waits for it) with the moment in it each
/// bucket of the overlapped sum could start (the slowest rank's), the update timed on
/// scratch buffers, and the bytes each strategy moves (the touched rows of the first global batches,
/// from the data). `StepCostModel` predicts each strategy's step from them (without the scaling
/// kit's stretch of backward beside the overlapped sums, whose timing would not fit the probe's 2 s:
/// x = 0, so the overlapped buckets are priced a little low); the fastest is taken
/// (the dense sum on a tie). A margin (keep the dense sum unless another is predicted 5% faster)
/// was tried and measured worse: at 10 Gbit/s the probe predicted touched rows 1.3% faster where
/// they trained 7.5% faster.
public struct ExchangeChoice {
    /// Each strategy the trainer can make, with its predicted step (seconds); empty on one host.
    public let predictions: [(strategy: TrainingConfig.Exchange, seconds: Double)]
    public let chosen: TrainingConfig.Exchange
    /// For the log: what was measured, each prediction, the choice.
    public let lines: [String]

    /// Measures on `trainer` (every rank calls it: collective) and chooses; rank 0's choice is every rank's.
    public static func measure(_ trainer: Trainer) throws -> ExchangeChoice {
        let communicator = trainer.communicator
        let hosts = try communicator.hostCount()
        guard hosts > 1 else {
            return ExchangeChoice(predictions: [], chosen: .dense, lines: [
                "exchange auto: the \(communicator.worldSize) ranks share one host (shared memory): dense, the fastest or "
                + "within 3% of the fastest there; nothing measured (set training.exchange to choose another)",
            ])
        }
        let probe = try trainer.probeCompute()
        var volume = trainer.exchangeVolume()
        // every rank holds the same layout (the fingerprints matched), so the same buckets; a rank
        // whose backward reported fewer sends none, and the ranks then keep the even-rate assumption
        let measured = probe.bucketReady.count == volume.bucketBytes.count
        var slowest = [probe.compute.forward, probe.compute.backward, probe.compute.update, measured ? 0 : 1]
            + (0..<volume.bucketBytes.count).map { measured ? probe.bucketReady[$0] : 1 }
        try slowest.withUnsafeMutableBufferPointer { try communicator.allReduceMax($0) }
        let compute = ComputeProfile(forward: slowest[0], backward: slowest[1], update: slowest[2])
        if slowest[3] == 0 { volume.bucketReady = Array(slowest[4...]) }
        let timed = try timeAllReduce(communicator, largest: Int(volume.gradientBytes))
        // the exchanges move megabytes: fitted on those (a network's small messages ride its
        // burst and socket buffers and would make the large ones look cheap)
        let all = timed.map { AllReduceSample(worldSize: communicator.worldSize, bytes: Double($0.bytes), seconds: $0.seconds) }
        let large = all.filter { $0.bytes >= Double(1 << 20) }
        guard let fit = AllReduceCostModel.fit(large.count >= 2 ? large : all) else { preconditionFailure("no all-reduce timed on \(communicator.worldSize) ranks") }
        // the other collectives at the largest size whose all-reduce took under 0.2 s (all of it: under 2 s in all)
        let otherSize = timed.last { $0.seconds < 0.2 }?.bytes ?? timed[0].bytes
        let p = Double(communicator.worldSize)
        let others = try [CollectiveOperation.reduceScatterAllGather, .nonBlockingAllReduce].map { operation -> (operation: CollectiveOperation, seconds: Double, fit: AllReduceCostModel) in
            let seconds = try timeCollective(operation, communicator, bytes: otherSize)
            let beta = max(0, seconds - 2 * (p - 1) * fit.alpha) / (2 * (p - 1) / p * Double(otherSize))
            return (operation, seconds, AllReduceCostModel(alpha: fit.alpha, beta: beta))
        }
        let exchange = TwoLevelCostModel(levels: [.cluster: fit],
                                         operations: Dictionary(uniqueKeysWithValues: others.map { ($0.operation, [ScalingLevel.cluster: $0.fit]) }))
        let model = StepCostModel(compute: compute, exchange: exchange)
        // every rank's exchange at the fitted level: a link of W "hosts" (its level is the one fitted, p = W)
        let link = ScalingLink(hosts: communicator.worldSize, ranksPerHost: 1, rateBitsPerSecond: 0)
        var candidates: [(TrainingConfig.Exchange, ExchangeStrategy)] = [(.dense, .dense), (.overlap, .overlap), (.sharded, .sharded)]
        if trainer.touchedRows != nil { candidates.insert((.touched, .touched), at: 1) }
        let predictions = candidates.compactMap { exchange, strategy in
            model.predict(strategy, volume: volume, link: link).map { (strategy: exchange, seconds: $0.step) }
        }
        let best = choose(predictions)
        // every rank takes rank 0's choice, whatever its own arithmetic gave
        let index = try communicator.broadcast(message: [UInt8(TrainingConfig.Exchange.allCases.firstIndex(of: best)!)], root: 0, limit: 1)
        let chosen = TrainingConfig.Exchange.allCases[Int(index[0]) % TrainingConfig.Exchange.allCases.count]

        let sizes = timed.map { String(format: "%d KiB %.2f ms", $0.bytes >> 10, 1000 * $0.seconds) }.joined(separator: ", ")
        let steps = predictions.map { String(format: "%@ %.1f ms", $0.strategy.rawValue, 1000 * $0.seconds) }.joined(separator: ", ")
        let lines = [
            "exchange auto: \(communicator.worldSize) ranks on \(hosts) hosts; all-reduce " + sizes
                + String(format: " -> alpha %.1f us, beta %.3f ns/byte", 1e6 * fit.alpha, 1e9 * fit.beta),
            "exchange auto: at \(otherSize >> 10) KiB " + others.map {
                String(format: "%@ %.2f ms (beta %.3f ns/byte)", $0.operation.label, 1000 * $0.seconds, 1e9 * $0.fit.beta)
            }.joined(separator: ", "),
            String(format: "exchange auto: forward %.1f ms, backward %.1f ms, update %.1f ms (slowest rank); gradient %.2f MB, touched rows %.2f MB, %d buckets",
                   1000 * compute.forward, 1000 * compute.backward, 1000 * compute.update,
                   volume.gradientBytes / 1e6, volume.touchedBytes / 1e6, volume.bucketBytes.count)
                + (volume.bucketReady.isEmpty ? " (ready times not measured: bytes assumed produced at an even rate)"
                   : " ready after " + volume.bucketReady.map { String(format: "%.2f", $0) }.joined(separator: ", ") + " of backward"),
            "exchange auto: predicted step " + steps + " -> \(chosen.rawValue)",
        ]
        return ExchangeChoice(predictions: predictions, chosen: chosen, lines: lines)
    }

    /// The strategy of `predictions` with the shortest step; the dense sum on a tie with it, or
    /// when there is no prediction.
    public static func choose(_ predictions: [(strategy: TrainingConfig.Exchange, seconds: Double)]) -> TrainingConfig.Exchange {
        guard let fastest = predictions.min(by: { $0.seconds < $1.seconds }) else { return .dense }
        let dense = predictions.first { $0.strategy == .dense }?.seconds
        return dense == fastest.seconds ? .dense : fastest.strategy
    }

    /// The all-reduce of 256 KiB, 1 MiB, 4 MiB and 16 MiB (at most the gradient's size) over the
    /// ranks, each the median of up to 5 calls, a size's calls stopping once they took 0.4 s on the
    /// slowest rank, and no larger size started once 1 s went (a slow network stops at 4 MiB);
    /// ranks agree on when to stop (the slowest rank's times), so they make the same calls.
    static func timeAllReduce(_ communicator: Communicator, largest: Int) throws -> [(bytes: Int, seconds: Double)] {
        let sizes = Array(Set([256 << 10, 1 << 20, 4 << 20, 16 << 20].map { min($0, max(largest / 4 * 4, 4096)) })).sorted()
        var result: [(bytes: Int, seconds: Double)] = []
        var total = 0.0
        for bytes in sizes where total < 1 {
            var spent = 0.0
            result.append((bytes, try timeCollective(.allReduce, communicator, bytes: bytes, spent: &spent)))
            total += spent
        }
        return result
    }

    /// `operation` on `bytes` (a multiple of 4) as the strategies call it: the median of up to 5
    /// calls, stopping once they took 0.4 s on the slowest rank (every rank stops alike); `spent`
    /// gets the calls' time.
    static func timeCollective(_ operation: CollectiveOperation, _ communicator: Communicator, bytes: Int) throws -> Double {
        var spent = 0.0
        return try timeCollective(operation, communicator, bytes: bytes, spent: &spent)
    }

    static func timeCollective(_ operation: CollectiveOperation, _ communicator: Communicator, bytes: Int, spent: inout Double) throws -> Double {
        var buffer = [Float](repeating: 0, count: bytes / 4)
        var times: [Double] = []
        while times.count < 5 && spent < 0.4 {
            try communicator.barrier()
            let start = DispatchTime.now().uptimeNanoseconds
            try buffer.withUnsafeMutableBufferPointer { try communicator.perform(operation, on: $0) }
            var elapsed = [Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9]
            try elapsed.withUnsafeMutableBufferPointer { try communicator.allReduceMax($0) }
            times.append(elapsed[0])
            spent += elapsed[0]
        }
        return times.sorted()[times.count / 2]
    }
}
