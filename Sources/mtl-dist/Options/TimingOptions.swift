import ArgumentParser

/// `--steps N --warmup N`: how many iterations a benchmark times and how many it runs first
/// untimed. Shared by `bench kernel`, `bench step` and `bench transformer`.
struct TimingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Timed iterations (the median is reported).") var steps = 20
    @Option(parsing: .unconditional, help: "Untimed warm-up iterations.") var warmup = 3

    /// Each flag's range and why its upper bound is where it is. Numbers parse with
    /// `.unconditional`, so `--steps -5` reaches this check instead of reading as a missing value.
    static let limits: [BenchLimit] = [
        BenchLimit(flag: "--steps", range: 1...100_000, why: "the median of the timed iterations settles within a few dozen"),
        BenchLimit(flag: "--warmup", range: 0...10_000, why: "caches and the allocator settle within a few iterations"),
    ]

    func validate() throws {
        try BenchLimit.check(Self.limits, values: [steps, warmup])
    }
}
