import ArgumentParser
import Foundation
import Reporting
import TextIO

/// `mtl-dist report`: pictures and tables from files earlier commands wrote. `report RUN_DIR`
/// (`report curves`) redraws a training run's `curves.svg`; `report scaling DIR` writes the scaling
/// kit's CSV, report and plots from the runs it recorded.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a run's training curves, or a scaling sweep's report and plots.",
        subcommands: [Curves.self, Scaling.self], defaultSubcommand: Curves.self)

    struct Curves: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Redraw RUN_DIR/curves.svg (training loss and dev score per task against the step) from RUN_DIR/metrics.jsonl.")

        @Argument(help: "A run folder of `mtl-dist train` (holds metrics.jsonl).") var runDir: String

        func run() throws {
            let url = try TrainingCurves.redraw(runDirectory: URL(fileURLWithPath: runDir))
            try TextWriter.standardOutput.writeLine("wrote \(url.path)")
        }
    }

    struct Scaling: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write results.csv, report.md, scaling.svg and projection.svg of a launch/scaling.sh folder.")

        @Argument(help: "The sweep folder (holds runs.jsonl, collective.jsonl, machine.txt, command.txt).") var directory: String

        func run() throws {
            let report = try ScalingReport(directory: URL(fileURLWithPath: directory))
            try report.write()
            for name in ["results.csv", "report.md", "scaling.svg", "projection.svg"] {
                try TextWriter.standardOutput.writeLine("wrote \(URL(fileURLWithPath: directory).appendingPathComponent(name).path)")
            }
        }
    }
}
