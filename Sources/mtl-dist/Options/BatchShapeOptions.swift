import ArgumentParser

/// `--batch B --tokens T`: the shape of a synthetic batch. Shared by `bench kernel` and `bench
/// transformer` (where T counts words).
struct BatchShapeOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Sentences per batch (B).") var batch = 32
    @Option(parsing: .unconditional, help: "Tokens per sentence (T).") var tokens = 25

    static let limits: [BenchLimit] = [
        BenchLimit(flag: "--batch", range: 1...65_536, why: "a batch is sentences of one step; training batches are 8 to 1,024"),
        BenchLimit(flag: "--tokens", range: 1...100_000, why: "a sentence runs as one LSTM of T sequential steps"),
    ]

    func validate() throws {
        try BenchLimit.check(Self.limits, values: [batch, tokens])
    }
}
