import Autodiff
import CoNLL
import Foundation
import RunConfig
import Training

/// `mtl-dist bench vectors`: the cost of `encoder.word_vectors` on a config's corpora. `write` makes
/// a GloVe-style text file of random vectors that holds every word of the corpora (at evenly spread
/// lines, among made-up words of letters), `run` loads the config's data without and then with the file and
/// reports the seconds and the peak resident memory of each.
public enum WordVectorBenchmark {
    /// What `write` made.
    public struct Written {
        public let words: Int
        public let corpusWords: Int
        public let bytes: Int
        public let seconds: Double
    }

    /// Writes `words` lines of `dimension` random values in [-1, 1) (6 decimals, seeded) to `url`,
    /// the corpora's word keys of `resolved` among them, in 8 MiB writes.
    public static func write(to url: URL, resolved: ResolvedConfig, words: Int, dimension: Int, seed: UInt64) throws -> Written {
        let started = DispatchTime.now().uptimeNanoseconds
        let data = try TrainingData(resolved: resolved, wordVectors: .skipped)
        let enc = resolved.config.encoder
        var corpus: [String] = [], seen = Set<String>()
        for split in [data.train.map { Optional($0) }, data.dev, data.test] {
            for sentence in split.compactMap({ $0 }).joined() {
                for token in sentence.tokens {
                    let key = TokenFeatures.wordKey(token, lowercase: enc.lowercaseWords, normalizeDigits: enc.normalizeDigits)
                    if seen.insert(key).inserted { corpus.append(key) }
                }
            }
        }
        precondition(words >= corpus.count, "bench vectors: \(words) words cannot hold the corpora's \(corpus.count)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: url) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
        }
        defer { try? handle.close() }
        var rng = SplitMix64(seed: seed)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(9 << 20)
        var bytes = 0, next = 0
        // the corpus word c goes to line c · words / corpus.count
        let stride = max(1, words / max(corpus.count, 1))
        for line in 0..<words {
            if next < corpus.count && line == next * stride {
                buffer += Array(corpus[next].utf8)
                next += 1
            } else {
                // a made-up word of letters only (digits would fold together under normalize_digits)
                buffer.append(0x71)
                var n = line
                repeat { buffer.append(0x61 + UInt8(n % 26)); n /= 26 } while n > 0
            }
            for _ in 0..<dimension {
                // a value in [-1, 1) with 6 decimals: sign, "0.", six digits
                let micro = Int(rng.next() % 2_000_000) - 1_000_000
                buffer.append(0x20)
                if micro < 0 { buffer.append(0x2D) }
                let m = abs(micro)
                buffer += [0x30 + UInt8(m / 1_000_000), 0x2E]
                var digits = m % 1_000_000, place = 100_000
                while place > 0 { buffer.append(0x30 + UInt8(digits / place)); digits %= place; place /= 10 }
            }
            buffer.append(0x0A)
            if buffer.count >= 8 << 20 {
                try handle.write(contentsOf: buffer)
                bytes += buffer.count
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: buffer)
        bytes += buffer.count
        return Written(words: words, corpusWords: corpus.count, bytes: bytes,
                       seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
    }

    /// One load: seconds, this process's peak resident bytes after it, the vocabulary size.
    public struct Load {
        public let seconds: Double
        public let peakResidentBytes: Int
        public let vocabulary: Int
        public let vectorsKept: Int
    }

    /// The report: the config's data loaded without vectors, then with them.
    public struct Report {
        public let withoutVectors: Load
        public let withVectors: Load
        public let fileBytes: Int
        public let wordsInFile: Int
        public let dimension: Int

        public var dictionary: [String: Any] {
            func entry(_ l: Load) -> [String: Any] {
                ["seconds": l.seconds, "peak_rss_bytes": l.peakResidentBytes, "vocabulary": l.vocabulary, "vectors_kept": l.vectorsKept]
            }
            return ["without_vectors": entry(withoutVectors), "with_vectors": entry(withVectors), "file_bytes": fileBytes,
                    "words_in_file": wordsInFile, "dimension": dimension,
                    "vectors_seconds": withVectors.seconds - withoutVectors.seconds,
                    "vectors_mb_per_second": Double(fileBytes) / 1e6 / max(withVectors.seconds - withoutVectors.seconds, 1e-9)]
        }

        public var table: String {
            let mib = { (b: Int) in String(format: "%.1f MiB", Double(b) / 1_048_576) }
            let extra = withVectors.seconds - withoutVectors.seconds
            return """
                data without vectors: \(String(format: "%.3f s", withoutVectors.seconds)), peak RSS \(mib(withoutVectors.peakResidentBytes)), \(withoutVectors.vocabulary) words
                data with vectors:    \(String(format: "%.3f s", withVectors.seconds)), peak RSS \(mib(withVectors.peakResidentBytes)), \(withVectors.vocabulary) words, \(withVectors.vectorsKept) with a vector
                vectors file: \(String(format: "%.1f MB", Double(fileBytes) / 1e6)), \(wordsInFile) words of \(dimension); read in \(String(format: "%.3f s (%.0f MB/s)", extra, Double(fileBytes) / 1e6 / max(extra, 1e-9)))
                """
        }
    }

    /// Loads `resolved`'s data without the vectors file (`.skipped`), then with it, in this process.
    public static func run(_ resolved: ResolvedConfig) throws -> Report {
        func load(_ source: TrainingData.WordVectorSource) throws -> (Load, TrainingData) {
            let started = DispatchTime.now().uptimeNanoseconds
            let data = try TrainingData(resolved: resolved, wordVectors: source)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let kept = data.wordVectors?.matches.filter { $0 != nil }.count ?? 0
            return (Load(seconds: seconds, peakResidentBytes: ResourceUsage.peakResidentBytes, vocabulary: data.encoder.words.count,
                         vectorsKept: kept), data)
        }
        let (without, _) = try load(.skipped)
        let (with, data) = try load(.file)
        guard let vectors = data.wordVectors else {
            throw ConfigError.invalidValue(file: resolved.file?.lastPathComponent ?? "built-in default config", keyPath: "encoder.word_vectors.path",
                                           found: "null", allowed: "a vectors file", hint: "give bench vectors --file FILE.")
        }
        return Report(withoutVectors: without, withVectors: with, fileBytes: vectors.bytes, wordsInFile: vectors.wordsInFile,
                      dimension: vectors.dimension)
    }
}
