import Optimizers

/// Runs one step of `optimizer` over `parameters` with `gradients` (same length).
func step<O: Optimizer>(_ optimizer: inout O, _ parameters: inout [Float], _ gradients: [Float], lr: Float) {
    precondition(parameters.count == gradients.count, "\(parameters.count) parameters, \(gradients.count) gradients")
    parameters.withUnsafeMutableBufferPointer { p in
        gradients.withUnsafeBufferPointer { g in
            optimizer.step(parameters: p.baseAddress!, gradients: g.baseAddress!, count: p.count, learningRate: lr)
        }
    }
}
