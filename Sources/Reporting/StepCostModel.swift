import Foundation

/// How a training step exchanges gradients over ranks (`launch/scaling.sh --strategies`).
public enum ExchangeStrategy: String, CaseIterable, Sendable {
    /// One blocking all-reduce of the whole gradient after backward (the defaults).
    case dense
    /// One blocking all-reduce of the embedding rows the global batch touched and every other
    /// parameter (`training.sparse_allreduce`).
    case touched
    /// Buckets summed with non-blocking all-reduces started during backward
    /// (`training.allreduce_bucket_mb` with `training.overlap_allreduce`).
    case overlap
    /// Reduce-scatter of the gradient, each rank updates its 1/p slice, all-gather of the
    /// parameters (`training.sharded_update`).
    case sharded
}

/// One rank's compute in a step with a core of its own: forward, backward and the update of every
/// parameter (clipping included), seconds, at the per-rank batch of the step it describes.
public struct ComputeProfile: Equatable, Sendable {
    public var forward: Double
    public var backward: Double
    public var update: Double

    public init(forward: Double, backward: Double, update: Double) {
        self.forward = forward
        self.backward = backward
        self.update = update
    }
}

/// What the cost model needs of one configuration besides its compute and link: the bytes it
/// exchanges, measured by the run (`bench --json`).
public struct ExchangeVolume: Equatable, Sendable {
    /// Bytes of the whole gradient (what the dense sum and the sharded exchange move).
    public var gradientBytes: Double
    /// Bytes the touched-rows sum moved per step (median over the run's steps): the embedding rows
    /// the global batch touched, measured from the data, and every other parameter.
    public var touchedBytes: Double
    /// Each bucket's bytes in the order the sums start (backward finishes bucket 0 first).
    public var bucketBytes: [Double]
    /// When each bucket can start, as a fraction of backward (one per bucket, never decreasing),
    /// measured (bench's `allreduce_bucket_ready`, `exchange: auto`'s probe); empty when not
    /// measured: the buckets are then assumed ready as backward produces their bytes at an even rate.
    public var bucketReady: [Double]

    public init(gradientBytes: Double, touchedBytes: Double, bucketBytes: [Double], bucketReady: [Double] = []) {
        self.gradientBytes = gradientBytes
        self.touchedBytes = touchedBytes
        self.bucketBytes = bucketBytes
        self.bucketReady = bucketReady
    }

    /// Bucket k's bytes and when it can start, as a fraction of backward: the measured fractions
    /// where there is one per bucket, else (n_0 + … + n_k) ÷ gradient (bytes produced at an even
    /// rate); the whole gradient at the end of backward without buckets.
    public var buckets: [(bytes: Double, ready: Double)] {
        guard !bucketBytes.isEmpty else { return [(gradientBytes, 1)] }
        if bucketReady.count == bucketBytes.count { return Array(zip(bucketBytes, bucketReady)) }
        let total = max(bucketBytes.reduce(0, +), 1)
        var produced = 0.0
        return bucketBytes.map { n in
            produced += n
            return (n, produced / total)
        }
    }
}

/// A predicted step, seconds: compute (forward + backward, after core sharing), the exchange time
/// the step waits for (not hidden behind backward), and the update.
public struct StepPrediction: Equatable, Sendable {
    public var forward: Double
    public var backward: Double
    public var exchange: Double
    public var update: Double

    public var step: Double { forward + backward + exchange + update }
}

/// The step time of each exchange strategy on a link, from one rank's compute (`ComputeProfile`, a
/// core per rank) and the two-level exchange cost (`TwoLevelCostModel`). With p ranks on the link,
/// s its core sharing (ranks × BLAS threads ÷ cores, at least 1), F, B, U the compute profile and
/// T(n) the all-reduce of n bytes at the link's level:
///
/// - dense:   s·F + s·B + T(gradient) + s·U, T the in-place sum's fit on one host where the sweep
///   timed it (`shared_sum`: the dense sum runs over shared memory there), else the all-reduce's
/// - touched: s·F + s·B + T(touched bytes) + s·U
/// - overlap: s·F + B' + max(0, e_K − B') + s·U, where bucket k (of n_k bytes) is ready at
///   r_k = B' · f_k, f_k the fraction of backward after which it could start (measured by the
///   run, `ExchangeVolume.bucketReady`: the word embedding, most of the bytes, is final only at
///   the end; where not measured, f_k = (n_0 + … + n_k) / gradient, bytes produced at an even
///   rate), its sum starts at max(r_k, e_(k−1)) and ends at e_k = start + T_nb(n_k), T_nb the
///   non-blocking all-reduce's fit: the sums run one after another, each hidden behind the
///   backward still running. B' = s·B + L·x/(1+x) is backward slowed by the sums beside it: x the
///   link's stretch (`TwoLevelCostModel.stretch`, compute beside a sum in flight ÷ alone − 1, 0
///   where not measured), L the part of B' with a sum in flight.
/// - sharded: s·F + s·B + T_rs+ag(gradient) + 2(p−1)·α + s·U/p, T_rs+ag the fit of the
///   reduce-scatter + all-gather pair (the two halves of a ring all-reduce, so of the same form),
///   and 2(p−1)·α the all-reduce of the squared norm (clipping) over the ranks.
/// T_nb and T_rs+ag are the all-reduce's T where the sweep did not time those collectives.
/// One rank exchanges nothing: s·(F + B + U).
public struct StepCostModel {
    public var compute: ComputeProfile
    public var exchange: TwoLevelCostModel

    public init(compute: ComputeProfile, exchange: TwoLevelCostModel) {
        self.compute = compute
        self.exchange = exchange
    }

    /// The step of `strategy` moving `volume` on `link`; nil when the link's level has no fit.
    public func predict(_ strategy: ExchangeStrategy, volume: ExchangeVolume, link: ScalingLink) -> StepPrediction? {
        let s = link.oversubscription, p = link.worldSize
        let forward = s * compute.forward, backward = s * compute.backward, update = s * compute.update
        guard p > 1 else { return StepPrediction(forward: forward, backward: backward, exchange: 0, update: update) }
        guard let cost = exchange.model(for: link) else { return nil }
        switch strategy {
        case .dense:
            let sum = link.isSharedMemory ? exchange.operations[.sharedSum]?.levels[link.level] ?? cost : cost
            return StepPrediction(forward: forward, backward: backward,
                                  exchange: sum.seconds(worldSize: p, bytes: volume.gradientBytes), update: update)
        case .touched:
            return StepPrediction(forward: forward, backward: backward,
                                  exchange: cost.seconds(worldSize: p, bytes: volume.touchedBytes), update: update)
        case .overlap:
            let started = exchange.model(for: link, operation: .nonBlockingAllReduce) ?? cost
            let k = exchange.stretch[link.level] ?? 0
            let sums = volume.buckets.map { (ready: $0.ready, seconds: started.seconds(worldSize: p, bytes: $0.bytes)) }
            // backward B' = B + L·k/(1+k), L the part of B' with a sum in flight (compute there runs
            // at 1/(1+k) of its pace): L depends on B' through the ready times, so settle both
            var stretched = backward, end = 0.0
            for _ in 0..<8 {
                end = 0
                var inFlight = 0.0
                for sum in sums {
                    let start = max(stretched * sum.ready, end)
                    end = start + sum.seconds
                    inFlight += max(0, min(end, stretched) - start)
                }
                let next = backward + inFlight * k / (1 + k)
                let settled = abs(next - stretched) <= 1e-9 * backward
                stretched = next
                if settled { break }
            }
            return StepPrediction(forward: forward, backward: stretched, exchange: max(0, end - stretched), update: update)
        case .sharded:
            let q = Double(p)
            let pair = self.exchange.model(for: link, operation: .reduceScatterAllGather) ?? cost
            let exchange = pair.seconds(worldSize: p, bytes: volume.gradientBytes) + 2 * (q - 1) * cost.alpha
            return StepPrediction(forward: forward, backward: backward, exchange: exchange, update: update / q)
        }
    }
}
