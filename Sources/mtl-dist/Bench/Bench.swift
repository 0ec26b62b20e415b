import ArgumentParser

/// `mtl-dist bench kernel|step|transformer|collective|vectors`: timings, one mode per subcommand. The bare
/// `bench` is `bench kernel`, the BiLSTM-CRF microbenchmark it has always been. Each mode's harness
/// lives in the `Benchmarks` library; the subcommands parse flags and print the report.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time BiLSTM-CRF (kernel, the default) or a transformer against sgemm, training steps of a config (step), MPI_Allreduce (collective), or loading word vectors (vectors).",
        subcommands: [Kernel.self, Step.self, TransformerEncoder.self, Collective.self, Vectors.self],
        defaultSubcommand: Kernel.self)
}
