import Autodiff
import Collective
import Foundation
import ModelFiles
import Reporting
import RunConfig
import TaskSampling

/// `training.exchange: auto`: what the ranks measure at start, each strategy's predicted step, and
/// the choice. Measured on the trainer about to run (built with the dense exchange), before its
/// replicas start: the all-reduce at a few sizes on the run's own communicator (fitted α, β), one
/// forward and backward of this rank's slice of the first global batch (the slowest rank's, since a
/// step waits for it), the update timed on scratch buffers, and the bytes each strategy moves
/// (the touched rows of the first global batches, from the data). `StepCostModel` predicts each
/// strategy's step from them; the fastest is taken (the dense sum on a tie). A margin (keep the
/// dense sum unless another is predicted 5% faster) was tried and measured worse: at 10 Gbit/s the
/// probe predicts touched rows 1.3% faster where they train 7.5% faster (BENCHMARKS.md).
public struct ExchangeChoice {
    public let compute: ComputeProfile
    public let volume: ExchangeVolume
    public let fit: AllReduceCostModel
    /// Milliseconds of the collective sizes timed, for the log.
    public let timedSizes: [(bytes: Int, seconds: Double)]
    /// Each strategy the trainer can make, with its predicted step (seconds).
    public let predictions: [(strategy: TrainingConfig.Exchange, seconds: Double)]
    public let chosen: TrainingConfig.Exchange

    /// Measures on `trainer` (every rank calls it: collective) and chooses; rank 0's choice is every rank's.
    public static func measure(_ trainer: Trainer) throws -> ExchangeChoice {
        let communicator = trainer.communicator
        var compute = try trainer.probeCompute()
        var slowest = [compute.forward, compute.backward, compute.update]
        try slowest.withUnsafeMutableBufferPointer { try communicator.allReduceMax($0) }
        compute = ComputeProfile(forward: slowest[0], backward: slowest[1], update: slowest[2])
        let volume = trainer.exchangeVolume()
        let timed = try timeAllReduce(communicator, largest: Int(volume.gradientBytes))
        // the exchanges move megabytes: fitted on those (a network's small messages ride its
        // burst and socket buffers and would make the large ones look cheap)
        let all = timed.map { AllReduceSample(worldSize: communicator.worldSize, bytes: Double($0.bytes), seconds: $0.seconds) }
        let large = all.filter { $0.bytes >= Double(1 << 20) }
        guard let fit = AllReduceCostModel.fit(large.count >= 2 ? large : all) else { preconditionFailure("no all-reduce timed on \(communicator.worldSize) ranks") }
        let model = StepCostModel(compute: compute, exchange: TwoLevelCostModel(levels: [.cluster: fit]))
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
        return ExchangeChoice(compute: compute, volume: volume, fit: fit, timedSizes: timed, predictions: predictions, chosen: chosen)
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
        var buffer = [Float](repeating: 0, count: sizes.last! / 4)
        var result: [(bytes: Int, seconds: Double)] = []
        var total = 0.0
        for bytes in sizes where total < 1 {
            var times: [Double] = []
            var spent = [0.0]
            while times.count < 5 && spent[0] < 0.4 {
                try communicator.barrier()
                let start = DispatchTime.now().uptimeNanoseconds
                try buffer.withUnsafeMutableBufferPointer { try communicator.allReduceSum(UnsafeMutableBufferPointer(rebasing: $0[0..<(bytes / 4)])) }
                var elapsed = [Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9]
                try elapsed.withUnsafeMutableBufferPointer { try communicator.allReduceMax($0) }
                times.append(elapsed[0])
                spent[0] += elapsed[0]
            }
            total += spent[0]
            result.append((bytes, times.sorted()[times.count / 2]))
        }
        return result
    }

    /// The log lines: what was measured, each prediction, the choice.
    public var lines: [String] {
        let sizes = timedSizes.map { String(format: "%d KiB %.2f ms", $0.bytes >> 10, 1000 * $0.seconds) }.joined(separator: ", ")
        let steps = predictions.map { String(format: "%@ %.1f ms", $0.strategy.rawValue, 1000 * $0.seconds) }.joined(separator: ", ")
        return [
            "exchange auto: all-reduce " + sizes + String(format: " -> alpha %.1f us, beta %.3f ns/byte", 1e6 * fit.alpha, 1e9 * fit.beta),
            String(format: "exchange auto: forward %.1f ms, backward %.1f ms, update %.1f ms (slowest rank); gradient %.2f MB, touched rows %.2f MB, %d buckets",
                   1000 * compute.forward, 1000 * compute.backward, 1000 * compute.update,
                   volume.gradientBytes / 1e6, volume.touchedBytes / 1e6, volume.bucketBytes.count),
            "exchange auto: predicted step " + steps + " -> \(chosen.rawValue)",
        ]
    }
}
