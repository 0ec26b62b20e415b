import ArgumentParser

@main
struct MTLDist: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mtl-dist",
        abstract: "Distributed data-parallel trainer for multi-task sequence labelling.",
        subcommands: [Train.self, Evaluate.self, Predict.self, Encode.self, CheckpointCommand.self, Export.self, Plan.self, Bench.self,
                      Report.self, CollectiveCheck.self, Tokenize.self])
}
