import CoNLL

/// The rows being filled while a vectors file streams by: one per key, with the best match so far.
/// Only the rows of the request's keys and of at most `maxWords` added words are ever allocated, so
/// memory is bounded by the request, not by the file.
struct VectorTable {
    /// A key a word of the file can fill, and how.
    struct Target {
        let entry: Int32
        let match: VectorMatch
    }

    let request: VectorRequest
    let dimension: Int
    private(set) var keys: [String]
    /// The best match per entry so far (nil: none yet).
    private(set) var matches: [VectorMatch?]
    private(set) var vectors: [Float]
    private var keyIndex: [String: Int32] = [:]
    /// Word of the file → the entries it fills by one of their lookup forms (exact and fallbacks).
    private var forms: [String: [Target]] = [:]
    /// Vectors seen so far (the index of the next one, compared with `maxWords`).
    private(set) var wordsSeen = 0

    /// An empty table for `request`; rows are allocated here, after the file's width was checked
    /// against `request.dimension` (`dimension` is that width). A file of `fileBytes` holds at most
    /// `fileBytes / (2·dimension + 1)` vectors, which bounds the rows reserved for added words.
    init(request: VectorRequest, dimension: Int, fileBytes: Int) {
        precondition(dimension == request.dimension, "VectorTable: width \(dimension), request \(request.dimension)")
        self.request = request
        self.dimension = dimension
        keys = []
        matches = []
        vectors = []
        let initial = request.required.count + request.optional.count
        // every row there can be, reserved once (pages are touched only as rows are added), so the
        // table never grows by copying
        let added = min(request.maxWords, fileBytes / (2 * dimension + 1))
        keys.reserveCapacity(initial + added)
        vectors.reserveCapacity((initial + added) * dimension)
        for key in request.required + request.optional where keyIndex[key] == nil { addEntry(key) }
    }

    /// The lookup forms of `key`, best first (Flair's `get_cached_token_index`, applied to the key).
    static func forms(of key: String, fallback: Bool) -> [(String, VectorMatch)] {
        guard fallback else { return [(key, .exact)] }
        let lower = key.lowercased()
        func digits(_ s: String, as replacement: Character) -> String {
            String(s.map { ch -> Character in
                ch.unicodeScalars.count == 1 && ch.unicodeScalars.first!.properties.numericType == .decimal ? replacement : ch
            })
        }
        var result: [(String, VectorMatch)] = [(key, .exact)]
        for (form, match) in [(lower, VectorMatch.lowercase), (digits(lower, as: "#"), .digitsAsHash), (digits(lower, as: "0"), .digitsAsZero)]
        where !result.contains(where: { $0.0 == form }) {
            result.append((form, match))
        }
        return result
    }

    private mutating func addEntry(_ key: String) {
        let entry = Int32(keys.count)
        keys.append(key)
        matches.append(nil)
        vectors.append(contentsOf: repeatElement(0, count: dimension))
        keyIndex[key] = entry
        for (form, match) in VectorTable.forms(of: key, fallback: request.lowercaseFallback) {
            forms[form, default: []].append(Target(entry: entry, match: match))
        }
    }

    /// The key the vocabulary folds `word` to.
    func key(of word: String) -> String {
        guard request.lowercase || request.normalizeDigits else { return word }
        return TokenFeatures.wordKey(word, lowercase: request.lowercase, normalizeDigits: request.normalizeDigits)
    }

    /// The entries the next word of the file, `word`, fills (better matches than they hold), adding
    /// an entry for its key when it is among the first `maxWords` words and its key is new. Counts
    /// the word as seen. Each entry is recorded as matched; the caller copies the vector into them.
    mutating func targets(for word: String) -> [Target] {
        defer { wordsSeen += 1 }
        var result: [Target] = []
        if let list = forms[word] {
            for t in list where matches[Int(t.entry)].map({ t.match.rawValue < $0.rawValue }) ?? true {
                matches[Int(t.entry)] = t.match
                result.append(t)
            }
        }
        let folded = key(of: word)
        if let entry = keyIndex[folded] {
            if matches[Int(entry)] == nil {
                matches[Int(entry)] = .folded
                result.append(Target(entry: entry, match: .folded))
            }
        } else if wordsSeen < request.maxWords {
            addEntry(folded)
            let entry = Int32(keys.count - 1)
            // the word is one of its key's forms (then it matched as that), or folds to it
            let match = VectorTable.forms(of: folded, fallback: request.lowercaseFallback).first { $0.0 == word }?.1 ?? .folded
            matches[Int(entry)] = match
            result.append(Target(entry: entry, match: match))
        }
        return result
    }

    /// Copies `values` (`dimension` of them) into the rows of `targets`.
    mutating func fill(_ targets: [Target], with values: UnsafeBufferPointer<Float>) {
        precondition(values.count == dimension, "VectorTable: \(values.count) values for rows of \(dimension)")
        vectors.withUnsafeMutableBufferPointer { rows in
            for t in targets {
                // rows[entry, :] = values
                let base = Int(t.entry) * dimension
                for d in 0..<dimension { rows[base + d] = values[d] }
            }
        }
    }

    /// The result: the required keys, the optional keys that matched, the added keys. The rows of
    /// optional keys without a vector are dropped in place (no second copy of the table); the table
    /// is left empty.
    mutating func finish(wordsInFile: Int, bytes: Int) -> PretrainedVectors {
        let required = request.required.count
        var rows = vectors
        vectors = []
        forms = [:]
        keyIndex = [:]
        var keptKeys: [String] = [], keptMatches: [VectorMatch?] = []
        var kept = 0
        rows.withUnsafeMutableBufferPointer { r in
            for e in keys.indices where e < required || matches[e] != nil {
                keptKeys.append(keys[e])
                keptMatches.append(matches[e])
                // rows[kept, :] = rows[e, :]  (kept ≤ e)
                if kept != e { for d in 0..<dimension { r[kept * dimension + d] = r[e * dimension + d] } }
                kept += 1
            }
        }
        rows.removeLast(rows.count - kept * dimension)
        return PretrainedVectors(keys: keptKeys, vectors: rows, matches: keptMatches, dimension: dimension,
                                 wordsInFile: wordsInFile, bytes: bytes)
    }
}
