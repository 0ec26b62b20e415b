import ArgumentParser
import Benchmarks
import Foundation

extension Bench {
    /// `mtl-dist bench vectors`: the time and memory `encoder.word_vectors` adds to loading a config's
    /// data; `--write` first makes a text vectors file of random values holding the corpora's words.
    struct Vectors: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time and measure the memory of loading word vectors (encoder.word_vectors) for a config; --write makes a test file first.")

        @OptionGroup var runConfig: ConfigOptions
        @Option(help: "The vectors file to load (sets encoder.word_vectors.path).")
        var file: String
        @Flag(help: "Write FILE first: --words lines of --dimension random values, the config's corpus words among them.")
        var write = false
        @Option(help: "Lines of the written file.") var words = 1_000_000
        @Option(help: "Values per line of the written file (the load takes encoder.word_dim from it).") var dimension = 100
        @Option(help: "Seed of the written values.") var seed: UInt64 = 1
        @OptionGroup var output: JSONOption

        func validate() throws {
            guard words >= 1 && words <= 100_000_000 else { throw ValidationError("--words must lie in 1...100000000") }
            guard dimension >= 1 && dimension <= 4_096 else { throw ValidationError("--dimension must lie in 1...4096") }
        }

        func run() throws {
            var options = runConfig
            options.overrides += ["encoder.word_vectors.path=\(URL(fileURLWithPath: file).path)", "encoder.word_dim=\(dimension)"]
            let resolved = try options.load()
            if write {
                let w = try WordVectorBenchmark.write(to: URL(fileURLWithPath: file), resolved: resolved, words: words,
                                                      dimension: dimension, seed: seed)
                try output.emit(["written_bytes": w.bytes, "words": w.words, "corpus_words": w.corpusWords, "seconds": w.seconds],
                                text: String(format: "wrote %@: %d words of %d values (%d of the corpora's), %.1f MB in %.1f s",
                                             file, w.words, dimension, w.corpusWords, Double(w.bytes) / 1e6, w.seconds))
                return
            }
            let report = try WordVectorBenchmark.run(resolved)
            try output.emit(report.dictionary, text: report.table)
        }
    }
}
