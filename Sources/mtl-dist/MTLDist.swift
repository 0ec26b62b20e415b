import ArgumentParser
import CMalloc

@main
struct MTLDist: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mtl-dist",
        abstract: "Distributed data-parallel trainer for multi-task sequence labelling.",
        subcommands: [Train.self, Evaluate.self, Predict.self, Plan.self, Bench.self, Report.self, CollectiveCheck.self])

    static func main() {
        // Every training step allocates activation and scratch buffers of a few MiB and frees them.
        // glibc serves blocks that large with fresh mmaps (or trims them off the heap) and gives them
        // back on free, so each step paid page faults and kernel zeroing: as much system time as
        // compute. Keeping freed blocks below 32 MiB (glibc's maximum) in the process avoids that.
        _ = cmalloc_keep_freed_memory(32 << 20, 1 << 30)
        main(nil)
    }
}
