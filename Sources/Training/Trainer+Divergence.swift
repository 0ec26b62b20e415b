import Collective
import Foundation

extension Trainer {
    /// Stops a diverging run before anything of step `step` is logged or saved: throws
    /// `TrainingError.diverged` on every rank when some rank's loss of some task in `result` is NaN
    /// or infinite (the ranks agree with one max over a flag per task), naming the tasks.
    func refuseNonFiniteLoss(_ result: StepResult, step: Int) throws {
        var flags = result.perTaskLoss.map { $0.sum.isFinite ? 0.0 : 1.0 }
        if communicator.worldSize > 1 { try flags.withUnsafeMutableBufferPointer { try communicator.allReduceMax($0) } }
        let tasks = zip(resolved.config.tasks.names, flags).filter { $0.1 > 0 }.map(\.0)
        guard tasks.isEmpty else { throw TrainingError.diverged(step: step, quantity: "loss", tasks: tasks) }
    }

    /// Refuses to save (`best/`, a checkpoint) a model whose parameters hold a NaN or infinity:
    /// every rank holds the same replica, so every rank reaches the same verdict without a message.
    func refuseNonFiniteParameters(step: Int) throws {
        let values = model.store.values.base, count = model.store.count
        // one pass: x − x is NaN exactly when x is NaN or ±inf, and 0 otherwise
        var acc: Float = 0
        for i in 0..<count { acc += values[i] - values[i] }
        guard acc.isNaN else { return }
        let parameter = model.store.parameters.first { p in (p.offset ..< p.offset + p.count).contains { !values[$0].isFinite } }
        throw TrainingError.diverged(step: step, quantity: "parameters" + (parameter.map { " (\($0.name))" } ?? ""), tasks: [])
    }
}
