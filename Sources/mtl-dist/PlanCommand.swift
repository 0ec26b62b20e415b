import ArgumentParser
import Foundation
import RunConfig
import TextIO
import Training

/// `mtl-dist plan`: the sampler's schedule as JSON lines, one per sentence-task assignment, so
/// anyone can check what each rank trains in each step; the planned task shares against the
/// configured ones go to stderr.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the task-aware sampler's plan: one JSON line per (step, rank, task, sentence).")

    @OptionGroup var runConfig: ConfigOptions
    @Option(name: .customLong("world-size"), parsing: .unconditional, help: "Number of ranks W (must divide training.batch_size).") var worldSize: Int
    @Option(parsing: .unconditional, help: "Epoch, from 0.") var epoch = 0
    @Option(parsing: .unconditional, help: "Steps to print (default: the whole epoch).") var steps: Int?

    func validate() throws {
        guard worldSize >= 1 else { throw ValidationError("--world-size must be at least 1, got \(worldSize)") }
        guard epoch >= 0 else { throw ValidationError("--epoch must be at least 0, got \(epoch)") }
        if let steps, steps < 0 { throw ValidationError("--steps must be at least 0, got \(steps)") }
    }

    func run() throws {
        let resolved = try runConfig.load()
        // the plan needs sentences and tasks, not the word vectors
        let data = try TrainingData(resolved: resolved, wordVectors: .skipped)
        let sampler = try TrainingSession.makeSampler(resolved.config, data: data, worldSize: worldSize)
        // planned against configured task shares on stderr, so stdout stays one JSON line per assignment
        for message in sampler.shareMessages(taskNames: resolved.config.tasks.names) {
            try TextWriter.standardError.writeLine("sampler: " + message)
        }
        for line in try sampler.planLines(epoch: epoch, steps: steps, worldSize: worldSize,
                                          taskNames: resolved.config.tasks.names, corpusNames: data.corpusNames) {
            try TextWriter.standardOutput.writeLine(line)
        }
    }
}
