import Foundation
import ModelFiles

extension Trainer {
    /// What `run` carries from one phase of its loop to the next: the run's position and best
    /// score, the training loss summed since the last log line, what the run processed, the last
    /// dev evaluation, and whether and why it stops.
    struct LoopState {
        /// The position after the last step taken, and the best dev score so far.
        var state: RunState
        /// Per task: the loss summed over this rank's rows since the last log line, then the row count.
        var windowLoss: [Double]
        /// Global-batch sentences since the last log line.
        var windowSentences: Int
        /// When the window started (seconds since the run's clock started).
        var windowStart: Double
        /// When training started.
        let runStart: Double
        /// Sentences, tokens and time of the run so far.
        var throughput = Throughput()
        /// The last dev evaluation (empty before the first or without a dev split).
        var lastEvaluation: [TaskEvaluation] = []
        /// The learning rate fell below `min_learning_rate`: stop after this step.
        var learningRateExhausted = false
        /// The stop signal every rank agreed on at the last step boundary, if any.
        var stoppedBy: Int32? = nil
        /// The last checkpoint written.
        var checkpoint: URL? = nil

        /// A loop starting at `start`, with this rank's loss `window` from a checkpoint (nil: empty).
        init(start: RunState, window: (loss: [Double], sentences: Int)?, taskCount: Int, now: Double) {
            state = start
            windowLoss = window?.loss ?? [Double](repeating: 0, count: 2 * taskCount)
            windowSentences = window?.sentences ?? 0
            windowStart = now
            runStart = now
        }

        /// True when the loop ends after the current step.
        var isStopping: Bool { learningRateExhausted || stoppedBy != nil }

        /// The summary of the run as it stands.
        func summary(seconds: Double) -> Summary {
            var summary = Summary(steps: state.step, epochs: state.epoch, bestDevScore: state.best?.score, bestStep: state.best?.step,
                                  lastEvaluation: lastEvaluation, seconds: seconds)
            summary.stoppedBy = stoppedBy
            summary.checkpoint = checkpoint
            return summary
        }
    }
}
