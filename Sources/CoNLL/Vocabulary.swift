/// A string ↔ id map for words, characters or labels, with special entries first.
///
/// Ids are `0..<count`: the `specials` in their given order (by default `["<unk>"]`, so `<unk>` is id
/// 0), then the items. An item not in the vocabulary maps to the `unknown` special when there is
/// one. Built deterministically, in first-seen or frequency order, so every rank builds the same
/// vocabulary from the same data. Codable, to be saved with a model.
public struct Vocabulary: Equatable, Codable, Sendable {
    /// Order of the non-special items.
    public enum Order: String, Codable, Sendable {
        /// Order of first occurrence.
        case firstSeen = "first_seen"
        /// Descending count, ties in order of first occurrence.
        case frequency
    }

    /// All entries by id: the specials, then the items.
    public private(set) var entries: [String]
    /// The leading special entries (`<unk>`, `<pad>`, …).
    public let specials: [String]
    /// The special that unseen items map to, or nil (unseen items are then an error in `encode`).
    public let unknown: String?
    private var ids: [String: Int]

    /// A vocabulary holding only `specials`; `unknown` must be nil or one of them (checked by precondition).
    public init(specials: [String] = ["<unk>"], unknown: String? = "<unk>") {
        precondition(Set(specials).count == specials.count, "Vocabulary: duplicate specials \(specials)")
        precondition(unknown.map { specials.contains($0) } ?? true,
                     "Vocabulary: unknown \(unknown ?? "") is not one of the specials \(specials)")
        self.specials = specials
        self.unknown = unknown
        entries = specials
        ids = Dictionary(uniqueKeysWithValues: specials.enumerated().map { ($1, $0) })
    }

    /// Builds a vocabulary from `sequences` (e.g. the token lists of sentences): items seen at least
    /// `minCount` times, in `order`, at most `maxSize` entries in all (specials included), after the
    /// specials. Items equal to a special map to the special.
    public init<S: Sequence>(counting sequences: S, minCount: Int = 1, order: Order = .firstSeen,
                             maxSize: Int? = nil, specials: [String] = ["<unk>"], unknown: String? = "<unk>")
    where S.Element: Sequence, S.Element.Element == String {
        self.init(specials: specials, unknown: unknown)
        var counts: [String: Int] = [:]
        var firstSeen: [String] = []
        for sequence in sequences {
            for item in sequence where ids[item] == nil {
                if let n = counts[item] {
                    counts[item] = n + 1
                } else {
                    counts[item] = 1
                    firstSeen.append(item)
                }
            }
        }
        var kept = firstSeen.filter { counts[$0, default: 0] >= minCount }
        if order == .frequency {
            // Stable sort by descending count keeps first-seen order among ties.
            let rank = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, $0) })
            kept.sort { a, b in
                let (ca, cb) = (counts[a, default: 0], counts[b, default: 0])
                return ca != cb ? ca > cb : rank[a, default: 0] < rank[b, default: 0]
            }
        }
        if let maxSize { kept = Array(kept.prefix(max(0, maxSize - specials.count))) }
        for item in kept { add(item) }
    }

    /// Number of entries (specials included).
    public var count: Int { entries.count }

    /// Nil when the vocabulary is one this type could have built (entries unique, the id map their
    /// exact inverse, the specials first, `unknown` one of them); else what is wrong. A decoded
    /// vocabulary is checked with it before use, since its ids index embedding rows and labels.
    public var inconsistency: String? {
        guard Array(entries.prefix(specials.count)) == specials else { return "entries do not start with the specials \(specials)" }
        if let unknown, !specials.contains(unknown) { return "unknown '\(unknown)' is not one of the specials" }
        guard ids.count == entries.count else { return "\(entries.count) entries but \(ids.count) ids (duplicate entries?)" }
        for (i, e) in entries.enumerated() where ids[e] != i { return "entry \(i) '\(e)' has id \(ids[e].map(String.init) ?? "none")" }
        return nil
    }

    /// Id of the `unknown` special, if any.
    public var unknownID: Int? { unknown.flatMap { ids[$0] } }

    /// Whether `item` has its own entry.
    public func contains(_ item: String) -> Bool { ids[item] != nil }

    /// Adds `item` if absent; returns its id.
    @discardableResult
    public mutating func add(_ item: String) -> Int {
        if let id = ids[item] { return id }
        entries.append(item)
        ids[item] = entries.count - 1
        return entries.count - 1
    }

    /// The id of `item`, the unknown id when it is absent, or nil when it is absent and there is no
    /// unknown special.
    public func id(of item: String) -> Int? { ids[item] ?? unknownID }

    /// The entry with id `id` (0..<count, checked by precondition: ids come from this vocabulary).
    public subscript(id: Int) -> String {
        precondition(id >= 0 && id < entries.count, "Vocabulary: id \(id) outside 0..<\(entries.count)")
        return entries[id]
    }

    /// Ids of `items` (length T → length T). Unseen items map to the unknown id and are counted by
    /// item in `unknowns`; without an unknown special they throw `CoNLLError.unknownItem`.
    public func encode(_ items: [String], unknowns: inout [String: Int]) throws -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(items.count)
        for item in items {
            if let id = ids[item] {
                result.append(id)
            } else if let unk = unknownID {
                unknowns[item, default: 0] += 1
                result.append(unk)
            } else {
                throw CoNLLError.unknownItem(item: item, vocabularySize: entries.count)
            }
        }
        return result
    }

    /// Entries of `ids` (each in 0..<count).
    public func decode(_ ids: [Int]) -> [String] { ids.map { self[$0] } }

    enum CodingKeys: String, CodingKey {
        case specials, unknown, items
    }

    /// Decodes `specials`, `unknown`, `items` (the non-special entries in id order); duplicates or an
    /// `unknown` outside `specials` are a `DecodingError.dataCorrupted`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let specials = try c.decode([String].self, forKey: .specials)
        let unknown = try c.decodeIfPresent(String.self, forKey: .unknown)
        let items = try c.decode([String].self, forKey: .items)
        let all = specials + items
        guard Set(all).count == all.count, unknown.map({ specials.contains($0) }) ?? true else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: c.codingPath,
                debugDescription: "vocabulary has duplicate entries or an unknown entry that is not a special"))
        }
        self.init(specials: specials, unknown: unknown)
        for item in items { add(item) }
    }

    /// Encodes `specials`, `unknown` and `items` (the non-special entries in id order).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(specials, forKey: .specials)
        try c.encodeIfPresent(unknown, forKey: .unknown)
        try c.encode(Array(entries.dropFirst(specials.count)), forKey: .items)
    }
}

extension Vocabulary {
    /// Word vocabulary of `sentences`' tokens.
    public static func words(in sentences: [Sentence], minCount: Int = 1, order: Order = .frequency,
                             maxSize: Int? = nil, specials: [String] = ["<unk>"],
                             unknown: String? = "<unk>") -> Vocabulary {
        Vocabulary(counting: sentences.lazy.map(\.tokens), minCount: minCount, order: order, maxSize: maxSize,
                   specials: specials, unknown: unknown)
    }

    /// Character vocabulary (one entry per `Character`, i.e. grapheme cluster) of `sentences`' tokens.
    public static func characters(in sentences: [Sentence], minCount: Int = 1, order: Order = .frequency,
                                  specials: [String] = ["<unk>"], unknown: String? = "<unk>") -> Vocabulary {
        Vocabulary(counting: sentences.lazy.flatMap(\.tokens).map { $0.map(String.init) }, minCount: minCount,
                   order: order, specials: specials, unknown: unknown)
    }

    /// Label dictionary of label type `type` over the sentences that carry it, in first-seen order with
    /// `<unk>` at id 0 (Flair's label dictionary): unseen labels at evaluation map to `<unk>`.
    public static func labels(_ type: String, in sentences: [Sentence], specials: [String] = ["<unk>"],
                              unknown: String? = "<unk>") -> Vocabulary {
        Vocabulary(counting: sentences.lazy.compactMap { $0.labels[type] }, order: .firstSeen,
                   specials: specials, unknown: unknown)
    }
}
