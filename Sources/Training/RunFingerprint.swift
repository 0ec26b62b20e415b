import Autodiff
import Collective
import CoNLL
import Foundation
import ModelFiles
import RunConfig
import Yams

/// What a rank is about to train, condensed: the resolved config (corpus and word vectors file
/// paths aside: the data is compared by content, so ranks may read copies at different paths), the
/// training and dev sentences it read, the vocabularies and label dictionaries built from them, the
/// pretrained word vectors it read, and the parameter layout. Ranks compare theirs with rank 0's before the parameters are broadcast
/// (`agree(over:)`); a resume compares the current one with the one saved with a checkpoint
/// (`differences(from:reference:)`, `Mismatch`).
///
/// Each part is hashed with 64-bit FNV-1a; the config is kept as `key: value` lines so a
/// difference can name the key.
public struct RunFingerprint: Codable, Equatable {
    /// One compared part: what it is, a short size description for messages, and its hash.
    public struct Part: Codable, Equatable {
        /// E.g. `training data of corpus 'ewt'`, `word vocabulary`, `parameter layout`.
        public let name: String
        /// E.g. `1204 sentences, 20133 tokens`.
        public let summary: String
        /// FNV-1a 64 of the part's content, 16 hex digits.
        public let hash: String
    }

    /// `key.path: value` for every config key, in schema order, except `data_dir` and the corpus
    /// file paths (`corpora.NAME.train`, `.dev`, `.test`).
    public let config: [String]
    /// Data, vocabularies, label dictionaries and parameter layout.
    public let parts: [Part]

    /// The fingerprint of training `data` (read with `resolved`) into parameters laid out as `parameters`.
    public init(resolved: ResolvedConfig, data: TrainingData, parameters: [Parameter]) throws {
        // the word vectors are compared by what was read (a part below), so ranks may read copies too
        let paths = Set(["data_dir", "encoder.word_vectors.path"] + resolved.config.corpora.names.flatMap { name in
            ["train", "dev", "test"].map { "corpora.\(name).\($0)" }
        })
        config = try RunFingerprint.lines(of: resolved.config).filter { !paths.contains(RunFingerprint.split($0).key) }
        var parts: [Part] = []
        for (c, name) in data.corpusNames.enumerated() {
            parts.append(RunFingerprint.part("training data of corpus '\(name)'", data.train[c]))
            if let dev = data.dev[c] { parts.append(RunFingerprint.part("dev data of corpus '\(name)'", dev)) }
        }
        let encoder = data.encoder
        parts.append(RunFingerprint.part("word vocabulary", encoder.words, unit: "words"))
        if let vectors = data.wordVectors {
            // every rank read the vectors file itself: a rank that read another file differs here
            var h = FNV1a64()
            vectors.vectors.withUnsafeBytes { h.combine(bytes: $0) }
            for match in vectors.matches { h.combine(match?.rawValue ?? -1) }
            let found = vectors.matches.filter { $0 != nil }.count
            parts.append(Part(name: "pretrained word vectors", summary: "\(found) vectors of \(vectors.dimension) values", hash: h.hex))
        }
        parts.append(RunFingerprint.part("character vocabulary", encoder.characters, unit: "characters"))
        for task in encoder.tasks {
            parts.append(RunFingerprint.part("label dictionary of task '\(task.name)'", task.labels, unit: "labels"))
        }
        var layout = FNV1a64()
        layout.combine(parameters.count)
        for p in parameters {
            layout.combine(p.name)
            layout.combine(p.offset)
            layout.combine(p.shape.dims.count)
            for d in p.shape.dims { layout.combine(d) }
        }
        let total = parameters.reduce(0) { $0 + $1.count }
        parts.append(Part(name: "parameter layout", summary: "\(total) parameters in \(parameters.count) tensors",
                          hash: layout.hex))
        self.parts = parts
    }

    /// What differs between this fingerprint and `other`, one phrase per difference, in config
    /// then part order; empty when they agree. `reference` names the other side in the phrases
    /// ("rank 0", "the checkpoint"); config keys in `ignoring` (`training.epochs`) are not compared,
    /// for a resume that may change them.
    public func differences(from other: RunFingerprint, reference: String, ignoring: Set<String> = []) -> [String] {
        var result: [String] = []
        let mine = RunFingerprint.keyed(config), theirs = RunFingerprint.keyed(other.config)
        let keys = theirs.map(\.key) + mine.map(\.key).filter { key in !theirs.contains { $0.key == key } }
        let here = Dictionary(mine, uniquingKeysWith: { a, _ in a })
        let there = Dictionary(theirs, uniquingKeysWith: { a, _ in a })
        for key in keys where here[key] != there[key] && !ignoring.contains(key) {
            result.append("config \(key): \(here[key] ?? "absent") here, \(there[key] ?? "absent") on \(reference)")
        }
        let otherParts = Dictionary(other.parts.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for part in parts {
            guard let theirs = otherParts[part.name] else {
                result.append("\(part.name): \(part.summary) here, none on \(reference)")
                continue
            }
            guard theirs.hash != part.hash else { continue }
            result.append(theirs.summary == part.summary
                ? "\(part.name): \(part.summary) here and on \(reference), but different content or order"
                : "\(part.name): \(part.summary) here, \(theirs.summary) on \(reference)")
        }
        for part in other.parts where !parts.contains(where: { $0.name == part.name }) {
            result.append("\(part.name): none here, \(part.summary) on \(reference)")
        }
        return result
    }

    /// A fingerprint that differs from the one it is compared with.
    public struct Mismatch: Error, CustomStringConvertible, Equatable {
        /// The other side: "rank 0", "the checkpoint".
        public let reference: String
        /// `differences(from:reference:)`, never empty.
        public let differences: [String]
        /// How to fix it.
        public let hint: String

        public init(reference: String, differences: [String], hint: String) {
            self.reference = reference
            self.differences = differences
            self.hint = hint
        }

        public var description: String {
            let shown = differences.prefix(8).joined(separator: "; ")
            let more = differences.count > 8 ? "; and \(differences.count - 8) more" : ""
            return "what this rank would train differs from \(reference): \(shown)\(more). \(hint)"
        }
    }

    /// Collective: rank 0's fingerprint goes to every rank, each compares its own with it, and the
    /// ranks agree on the outcome (`agreeOnFailure`): when any rank differs, every rank throws
    /// `TrainingError.failedOnRank` with the lowest such rank's `Mismatch`. Call it before the
    /// first collective whose counts depend on what is compared (the parameter broadcast).
    public func agree(over communicator: Communicator) throws {
        guard communicator.worldSize > 1 else { return }
        let encoded = communicator.isRoot ? Array(try JSONEncoder().encode(self)) : []
        let bytes = try communicator.broadcast(message: encoded, root: 0)
        var local: String? = nil
        do {
            let rankZero = try JSONDecoder().decode(RunFingerprint.self, from: Data(bytes))
            let differences = differences(from: rankZero, reference: "rank 0")
            if !differences.isEmpty {
                local = "\(Mismatch(reference: "rank 0", differences: differences, hint: "Start every rank with the same config, --set values and data (same files, same order)."))"
            }
        } catch {
            local = "cannot read rank 0's run fingerprint (\(error)); start every rank with the same mtl-dist build"
        }
        if let failure = try communicator.agreeOnFailure(local) {
            throw TrainingError.failedOnRank(rank: failure.rank, worldSize: communicator.worldSize, message: failure.message)
        }
    }

    // MARK: - parts

    private static func part(_ name: String, _ sentences: [Sentence]) -> Part {
        var h = FNV1a64(), tokens = 0
        h.combine(sentences.count)
        for s in sentences {
            tokens += s.tokens.count
            h.combine(s.tokens)
            let types = s.labels.keys.sorted()
            h.combine(types.count)
            for type in types {
                h.combine(type)
                h.combine(s.labels[type] ?? [])
            }
        }
        return Part(name: name, summary: "\(sentences.count) sentences, \(tokens) tokens", hash: h.hex)
    }

    private static func part(_ name: String, _ vocabulary: Vocabulary, unit: String) -> Part {
        var h = FNV1a64()
        h.combine(vocabulary.entries)
        h.combine(vocabulary.specials)
        h.combine(vocabulary.unknown ?? "")
        return Part(name: name, summary: "\(vocabulary.count) \(unit)", hash: h.hex)
    }

    // MARK: - config lines

    /// `config` as `key.path: value` lines in schema order (lists of scalars as `[a, b]`).
    static func lines(of config: TrainConfig) throws -> [String] {
        guard let root = try Yams.compose(yaml: try config.yamlString()) else { return [] }
        var lines: [String] = []
        flatten(root, path: "", into: &lines)
        return lines
    }

    private static func flatten(_ node: Node, path: String, into lines: inout [String]) {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                let name = key.string ?? "?"
                flatten(value, path: path.isEmpty ? name : path + "." + name, into: &lines)
            }
        case .sequence(let sequence) where sequence.allSatisfy({ $0.scalar != nil }):
            lines.append("\(path): [" + sequence.map { $0.string ?? "" }.joined(separator: ", ") + "]")
        case .sequence(let sequence):
            for (i, item) in sequence.enumerated() { flatten(item, path: "\(path).\(i)", into: &lines) }
        case .scalar(let scalar):
            lines.append("\(path): \(scalar.string)")
        case .alias:
            lines.append("\(path): (alias)")
        }
    }

    /// Config lines split at the first ": " into (key, value).
    private static func keyed(_ lines: [String]) -> [(key: String, value: String)] {
        lines.map(split)
    }

    private static func split(_ line: String) -> (key: String, value: String) {
        guard let colon = line.range(of: ": ") else { return (line, "") }
        return (String(line[..<colon.lowerBound]), String(line[colon.upperBound...]))
    }
}
