import Autodiff
import Checkpointing
import Collective
import Foundation
import ModelFiles
import Optimizers

/// A training run's state as a sharded checkpoint: the flat parameters and the optimizer's
/// buffers as the state's blocks ([parameters | buffer 0 | buffer 1 ...], see
/// `CheckpointManifest`), and a `CheckpointRecord` with the rest. Each rank writes and reads its
/// optimizer state for the parameters it updates, `stateRange`: its slice with a sharded update,
/// the whole store with a replicated one; every rank reads every parameter.
public enum TrainingCheckpoint {
    /// Saves `store` and `optimizer` (buffers covering `stateRange` of the store, or empty before
    /// the first step) as the checkpoint of `step` through `writer`: this rank writes its slice
    /// `shardRange(total: store.count, rank:, worldSize:)`, which `stateRange` must contain;
    /// `record` is built on rank 0 only. Collective: every rank calls it at the same step.
    public static func save(writer: CheckpointWriter, step: Int, store: ParameterStore, optimizer: OptimizerState,
                            stateRange: Range<Int>, communicator: Communicator,
                            record: () throws -> CheckpointRecord) throws -> URL {
        let slice = shardRange(total: store.count, rank: communicator.rank, worldSize: communicator.worldSize)
        let allocated = optimizer.buffers.contains { !$0.values.isEmpty }
        precondition(stateRange.lowerBound <= slice.lowerBound && slice.upperBound <= stateRange.upperBound
                     && optimizer.buffers.allSatisfy { $0.values.count == (allocated ? stateRange.count : 0) },
                     "optimizer buffers of lengths \(optimizer.buffers.map(\.values.count)) over \(stateRange); this rank writes \(slice)")
        // buffers are allocated at the first step on every rank: their length in the manifest is the whole store's
        let bufferLength = optimizer.stepCount > 0 && !optimizer.buffers.isEmpty ? store.count : 0
        let layout = CheckpointManifest<CheckpointRecord>.Optimizer(
            kind: optimizer.kind, stepCount: optimizer.stepCount, buffers: optimizer.buffers.map(\.name), bufferLength: bufferLength)
        let within = (slice.lowerBound - stateRange.lowerBound)..<(slice.upperBound - stateRange.lowerBound)
        let parameters = UnsafeBufferPointer(rebasing: UnsafeBufferPointer(store.values.pointer)[slice])
        return try withPointers(bufferLength > 0 ? optimizer.buffers.map(\.values) : []) { buffers in
            try writer.save(step: step, blocks: [parameters] + buffers.map { UnsafeBufferPointer(rebasing: $0[within]) },
                            parameterCount: store.count, tensors: CheckpointManifest<CheckpointRecord>.Tensor.table(of: store),
                            optimizer: layout, communicator: communicator, record: record)
        }
    }

    /// Reads the parameters of the checkpoint into `store` and its optimizer state for
    /// `stateRange` of the store into `optimizer` (only the shards overlapping that range are read
    /// for it), after checking that the stored tensors are exactly the store's layout.
    public static func restore(_ reader: CheckpointReader<CheckpointRecord>, store: ParameterStore,
                               optimizer: inout any Optimizer, stateRange: Range<Int>) throws {
        let m = reader.manifest
        let file = CheckpointReader<CheckpointRecord>.manifestURL(in: reader.directory).path
        let built = CheckpointManifest<CheckpointRecord>.Tensor.table(of: store)
        guard m.tensors == built else {
            let first = zip(m.tensors, built).first { $0 != $1 }
            throw ResumeError.stateDoesNotFit(checkpoint: file, reason: "its tensors differ from the model this config builds" +
                (first.map { ": saved \($0.0.name) \($0.0.shape), built \($0.1.name) \($0.1.shape)" }
                    ?? ": saved \(m.tensors.count) tensors, built \(built.count)"))
        }
        precondition(stateRange.lowerBound >= 0 && stateRange.upperBound <= m.parameterCount,
                     "optimizer range \(stateRange) outside the checkpoint's \(m.parameterCount) parameters")
        try reader.read(floats: 0..<m.parameterCount, into: store.values.base)
        try ModelIntegrity.checkFinite(store, file: reader.directory.path)
        var buffers: [StateBuffer] = []
        for (i, name) in m.optimizer.buffers.enumerated() {
            // nothing allocated before the first step: empty buffers
            var values = [Float](repeating: 0, count: m.optimizer.bufferLength > 0 ? stateRange.count : 0)
            try values.withUnsafeMutableBufferPointer { out in
                guard let base = out.baseAddress else { return }
                let lo = m.bufferRange(i).lowerBound + stateRange.lowerBound
                try reader.read(floats: lo..<(lo + stateRange.count), into: base)
            }
            buffers.append(StateBuffer(name: name, values: values))
        }
        do {
            try optimizer.restore(OptimizerState(kind: m.optimizer.kind, stepCount: m.optimizer.stepCount, buffers: buffers),
                                  count: stateRange.count)
        } catch {
            throw ResumeError.stateDoesNotFit(checkpoint: file, reason: "\(error)")
        }
    }

    /// Calls `body` with read-only pointers to every array of `arrays`.
    private static func withPointers<R>(_ arrays: [[Float]], _ body: ([UnsafeBufferPointer<Float>]) throws -> R) rethrows -> R {
        func step(_ i: Int, _ done: [UnsafeBufferPointer<Float>]) throws -> R {
            guard i < arrays.count else { return try body(done) }
            return try arrays[i].withUnsafeBufferPointer { try step(i + 1, done + [$0]) }
        }
        return try step(0, [])
    }
}
