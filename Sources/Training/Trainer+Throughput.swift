import Foundation

extension Trainer {
    /// What a run processed and how fast, for the end of its log and `metrics.jsonl`.
    public struct Throughput {
        /// Training sentences (global batches summed; oversampled sentences count each time).
        public var sentences = 0
        /// Words in those sentences.
        public var tokens = 0
        /// Wall seconds from the start of training to the end of the run.
        public var seconds = 0.0
        /// Seconds spent in dev evaluation.
        public var evaluationSeconds = 0.0
        /// Peak resident set size of each rank, bytes, in rank order.
        public var peakResidentBytes: [Double] = []

        public var sentencesPerSecond: Double { Double(sentences) / max(seconds, 1e-9) }
        public var tokensPerSecond: Double { Double(tokens) / max(seconds, 1e-9) }
        public var evaluationShare: Double { evaluationSeconds / max(seconds, 1e-9) }

        /// `{"type": "throughput", ...}` for `metrics.jsonl`.
        public var json: [String: Any] {
            ["type": "throughput", "sentences": sentences, "tokens": tokens, "seconds": seconds,
             "sentences_per_s": sentencesPerSecond, "tokens_per_s": tokensPerSecond,
             "evaluation_seconds": evaluationSeconds, "evaluation_share": evaluationShare,
             "peak_rss_mib_per_rank": peakResidentBytes.map { $0 / 1_048_576 }]
        }

        /// One line for the log: `throughput: 498 sentences/s, 7,010 tokens/s over 61.2 s; evaluation 12.5% of the time; peak RSS per rank 310, 305 MiB`.
        public var line: String {
            String(format: "throughput: %.0f sentences/s, %.0f tokens/s over %.1f s; evaluation %.1f%% of the time; peak RSS per rank ",
                   sentencesPerSecond, tokensPerSecond, seconds, 100 * evaluationShare)
                + peakResidentBytes.map { String(format: "%.0f", $0 / 1_048_576) }.joined(separator: ", ") + " MiB"
        }
    }
}
