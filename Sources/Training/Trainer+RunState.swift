
extension Trainer {
    /// Where a run stands between two steps, and what it has decided so far: besides the
    /// parameters, the optimizer's state and `schedule.state`, what continuing the run from there
    /// needs (batches and dropout masks are functions of the seed, epoch and step).
    public struct RunState: Equatable {
        /// Updates applied so far.
        public var step = 0
        /// The current epoch, 0-based.
        public var epoch = 0
        /// Steps taken in the current epoch: the next step is (`epoch`, `stepInEpoch`) of the sampler.
        public var stepInEpoch = 0
        /// The best dev main score so far, and the step that reached it (kept in `OUTPUT/best`).
        public var best: Best?

        /// A dev main score and the step that reached it.
        public struct Best: Equatable {
            /// The dev main score (`training.main_score`).
            public var score: Double
            /// Updates applied when it was reached.
            public var step: Int
        }

        /// The start of a run.
        public init() {}
    }
}

extension Trainer.RunState {
    /// Moves to the first step of the next epoch.
    mutating func startNextEpoch() {
        epoch += 1
        stepInEpoch = 0
    }
}
