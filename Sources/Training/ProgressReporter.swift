import Foundation

/// Rank 0's view of a long run: on a terminal a single redrawn progress line (step, per-task loss,
/// sentences/s, ETA); otherwise a plain line every `plainEvery` steps, so logs stay readable in CI
/// and in cluster job files.
public final class ProgressReporter {
    private let interactive: Bool
    private let plainEvery: Int
    private let write: (String) -> Void
    private let start = DispatchTime.now().uptimeNanoseconds
    private var lastLength = 0

    /// - `interactive`: true when standard output is a terminal (the CLI decides).
    /// - `write`: where text goes (standard output in the CLI, a buffer in tests).
    public init(interactive: Bool, plainEvery: Int, write: @escaping (String) -> Void) {
        self.interactive = interactive
        self.plainEvery = max(plainEvery, 1)
        self.write = write
    }

    /// Seconds since the reporter was made.
    public var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    /// Reports step `step` of `totalSteps` (nil when unknown).
    public func step(_ step: Int, of totalSteps: Int?, epoch: Int, losses: [(String, Double)],
                     sentencesPerSecond: Double) {
        let lossText = losses.map { String(format: "%@ %.4f", $0.0, $0.1) }.joined(separator: "  ")
        var line = "epoch \(epoch)  step \(step)"
        if let totalSteps, totalSteps > 0 {
            let done = Double(step) / Double(totalSteps)
            let eta = done > 0 ? elapsed * (1 - done) / done : 0
            line += String(format: "/%d (%3.0f%%)", totalSteps, 100 * done)
            if interactive { line += " " + ProgressReporter.bar(done, width: 20) }
            line += "  " + lossText + String(format: "  %.0f sent/s  ETA %@", sentencesPerSecond, Self.clock(eta))
        } else {
            line += "  " + lossText + String(format: "  %.0f sent/s", sentencesPerSecond)
        }
        if interactive {
            let pad = max(0, lastLength - line.count)
            write("\r" + line + String(repeating: " ", count: pad))
            lastLength = line.count
        } else if step % plainEvery == 0 || step == totalSteps {
            write(line + "\n")
        }
    }

    /// Prints a whole line (ending any redrawn progress line first).
    public func line(_ text: String) {
        if interactive && lastLength > 0 { write("\n"); lastLength = 0 }
        write(text + "\n")
    }

    /// `[#####...............]` for a fraction in [0, 1].
    public static func bar(_ fraction: Double, width: Int) -> String {
        let filled = min(width, max(0, Int((fraction * Double(width)).rounded(.down))))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    /// `h:mm:ss` for a duration in seconds.
    public static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
    }
}
