import Autodiff
import Checkpointing
import Collective
import Foundation
import Optimizers

/// A training run's state as a sharded checkpoint: the flat parameters and the optimizer's
/// buffers as the state ([parameters | buffer 0 | buffer 1 ...], see `CheckpointManifest`), and a
/// `CheckpointRecord` with the rest. Saving is collective; restoring reads the whole state on
/// every rank (each rank holds every parameter and the whole optimizer state).
public enum TrainingCheckpoint {
    /// Saves `store` and `optimizer` as the checkpoint of `step` through `writer`; `record` is
    /// built on rank 0 only. Collective: every rank calls it at the same step.
    public static func save(writer: CheckpointWriter, step: Int, store: ParameterStore, optimizer: OptimizerState,
                            communicator: Communicator, record: () throws -> CheckpointRecord) throws -> URL {
        let lengths = Set(optimizer.buffers.map(\.values.count))
        precondition(lengths.count <= 1 && (lengths.first ?? 0) % max(store.count, 1) == 0,
                     "optimizer buffers of lengths \(lengths) for \(store.count) parameters")
        let layout = CheckpointManifest<CheckpointRecord>.Optimizer(
            kind: optimizer.kind, stepCount: optimizer.stepCount, buffers: optimizer.buffers.map(\.name),
            bufferLength: optimizer.buffers.first?.values.count ?? 0)
        return try withPointers(optimizer.buffers.map(\.values)) { buffers in
            try writer.save(step: step, segments: [UnsafeBufferPointer(store.values.pointer)] + buffers,
                            parameterCount: store.count, tensors: CheckpointManifest<CheckpointRecord>.Tensor.table(of: store), optimizer: layout,
                            communicator: communicator, record: record)
        }
    }

    /// Reads the parameters of the checkpoint into `store` and its optimizer state into
    /// `optimizer`, after checking that the stored tensors are exactly the store's layout.
    public static func restore(_ reader: CheckpointReader<CheckpointRecord>, store: ParameterStore,
                               optimizer: inout any Optimizer) throws {
        let m = reader.manifest
        let file = CheckpointReader<CheckpointRecord>.manifestURL(in: reader.directory).path
        let built = CheckpointManifest<CheckpointRecord>.Tensor.table(of: store)
        guard m.tensors == built else {
            let first = zip(m.tensors, built).first { $0 != $1 }
            throw TrainingError.invalidModel(file, reason: "its tensors differ from the model this config builds" +
                (first.map { ": saved \($0.0.name) \($0.0.shape), built \($0.1.name) \($0.1.shape)" }
                    ?? ": saved \(m.tensors.count) tensors, built \(built.count)"))
        }
        try reader.read(floats: 0..<m.parameterCount, into: store.values.base)
        var buffers: [StateBuffer] = []
        for (i, name) in m.optimizer.buffers.enumerated() {
            var values = [Float](repeating: 0, count: m.optimizer.bufferLength)
            try values.withUnsafeMutableBufferPointer { out in
                if let base = out.baseAddress { try reader.read(floats: m.bufferRange(i), into: base) }
            }
            buffers.append(StateBuffer(name: name, values: values))
        }
        do {
            try optimizer.restore(OptimizerState(kind: m.optimizer.kind, stepCount: m.optimizer.stepCount, buffers: buffers),
                                  count: store.count)
        } catch {
            throw TrainingError.invalidModel(file, reason: "\(error)")
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
