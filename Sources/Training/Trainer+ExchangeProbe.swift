import Autodiff
import Collective
import Foundation
import ModelFiles
import Optimizers
import Reporting
import RunConfig
import TaskSampling

extension Trainer {
    /// One rank's forward and backward of its slice of the first global batch (the faster of two,
    /// the gradient zeroed after each: nothing of the run changes) and the update, timed on scratch
    /// buffers of up to 4 Mi parameters with a fresh optimizer and scaled to the store's size; and,
    /// in that faster backward, when each bucket of `overlapBuckets()` could have started its sum,
    /// as a fraction of backward (`ExchangeVolume.bucketReady`).
    func probeCompute() throws -> (compute: ComputeProfile, bucketReady: [Double]) {
        let t = exchangeSettings, taskCount = data.encoder.tasks.count, store = model.store
        let global = sampler.globalBatch(epoch: 0, step: 0)
        var globalCounts = [Int](repeating: 0, count: taskCount)
        for item in global { for k in item.tasks { globalCounts[k] += 1 } }
        let local = Array(global[rankSlice(batchSize: global.count, rank: communicator.rank, worldSize: communicator.worldSize)])
        let seed = UInt64(truncatingIfNeeded: t.seed)
        var forward = Double.infinity, backward = Double.infinity, bucketReady: [Double] = []
        let plan = overlapBuckets()
        for _ in 0..<2 {
            let start = DispatchTime.now().uptimeNanoseconds
            let keys = local.map { BatchBuilder.rowKey(seed: seed, epoch: 0, step: 0, corpus: $0.corpus, sentence: $0.sentence) }
            let batch = BatchBuilder.training(items: local, taskCount: taskCount, globalCounts: globalCounts, keys: keys,
                                              unkReplacement: unkReplacement, packing: data.encoder.subwordPacking) {
                data.encodedTrain[$0.corpus][$0.sentence]
            }
            let tape = Tape()
            let loss = model.loss(batch, tape: tape)
            let middle = DispatchTime.now().uptimeNanoseconds
            var readiness = plan.map(BucketReadiness.init)
            var startable: [UInt64] = []
            tape.backward(from: loss.total, store: store) { range in
                guard let ready = readiness?.parameterReady(range), !ready.isEmpty else { return }
                let now = DispatchTime.now().uptimeNanoseconds
                startable += ready.map { _ in now }
            }
            let end = DispatchTime.now().uptimeNanoseconds
            store.zeroGrad()
            forward = min(forward, Double(middle - start) / 1e9)
            let seconds = Double(end - middle) / 1e9
            if seconds < backward {
                backward = seconds
                bucketReady = startable.map { min(1, Double($0 - middle) / 1e9 / max(seconds, 1e-9)) }
            }
        }
        let count = min(store.count, 1 << 22)
        var scratch = try Trainer.makeOptimizer(t)
        var values = [Float](repeating: 0.5, count: count), gradients = [Float](repeating: 1e-3, count: count)
        var update = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            values.withUnsafeMutableBufferPointer { v in
                gradients.withUnsafeMutableBufferPointer { g in
                    scratch.step(parameters: v.baseAddress!, gradients: g.baseAddress!, count: count, learningRate: 1e-3)
                }
            }
            update = min(update, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return (ComputeProfile(forward: forward, backward: backward, update: update * Double(store.count) / Double(max(count, 1))),
                bucketReady)
    }

    /// The overlapped sum's bucket plan (`allreduce_bucket_mb`, or 4 MiB); nil when the layout
    /// cannot be cut (no parameter).
    func overlapBuckets() -> GradientBuckets? {
        let mebibytes = exchangeSettings.allReduceBucketMB > 0 ? exchangeSettings.allReduceBucketMB : 4
        return try? GradientBuckets(parameters: model.store.parameters.map { $0.offset ..< $0.offset + $0.count },
                                    bucketElements: GradientBuckets.elements(mebibytes: mebibytes))
    }

    /// The bytes each strategy moves: the whole gradient; the touched rows of the first (up to 8)
    /// global batches, their median; the buckets of the overlapped sum (`overlapBuckets()`), ready
    /// at an even rate until `probeCompute`'s measured fractions are set.
    func exchangeVolume() -> ExchangeVolume {
        let store = model.store, gradient = Double(store.count * MemoryLayout<Float>.size)
        var touched = gradient
        if let touchedRows {
            let steps = min(8, sampler.stepsPerEpoch(epoch: 0))
            let bytes = (0..<steps).map { s -> Double in
                let sentences = sampler.globalBatch(epoch: 0, step: s).map { data.encodedTrain[$0.corpus][$0.sentence] }
                return Double(touchedRows.ranges(for: sentences).reduce(0) { $0 + $1.count } * MemoryLayout<Float>.size)
            }.sorted()
            if !bytes.isEmpty { touched = bytes[bytes.count / 2] }
        }
        let buckets = overlapBuckets()?.ranges.map { Double($0.count * MemoryLayout<Float>.size) } ?? [gradient]
        return ExchangeVolume(gradientBytes: gradient, touchedBytes: touched, bucketBytes: buckets)
    }

    /// This trainer, or, with `exchange: auto` on more than one rank, the trainer of the strategy
    /// `ExchangeChoice` measures on this one (built densely for it: `init` exchanges densely for
    /// `auto` without a choice); the choice's lines go to the log. Collective: call it after the
    /// ranks compared their fingerprints (so all of them measure) and before the replicas start.
    public func decidingExchange() throws -> Trainer {
        guard resolved.config.training.effectiveExchange == .auto && communicator.worldSize > 1 else { return self }
        let choice = try ExchangeChoice.measure(self)
        for line in choice.lines { progress.line(line) }
        guard choice.chosen != .dense else { return self }
        return try Trainer(resolved: resolved, data: data, communicator: communicator, sampler: sampler,
                           outputDirectory: outputDirectory, progress: progress, exchange: choice.chosen)
    }
}
