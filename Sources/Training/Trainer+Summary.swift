import Foundation
import ModelFiles

extension Trainer {
    /// What a finished run reports.
    public struct Summary {
        public let steps: Int
        public let epochs: Int
        public let bestDevScore: Double?
        public let bestStep: Int?
        public let lastEvaluation: [TaskEvaluation]
        public let seconds: Double
        /// Sentences, tokens and time of the whole run, and every rank's peak memory.
        public var throughput = Throughput()
        /// The signal that stopped the run after it saved `checkpoint`, nil for a finished run.
        public var stoppedBy: Int32? = nil
        /// The last checkpoint written, if any.
        public var checkpoint: URL? = nil
    }
}
