import Autodiff
import Foundation

/// Which parts of the flat gradient buffer a global batch can make non-zero: every parameter
/// except the word and character embedding tables whole, and of those tables only the rows of the
/// ids the batch's sentences hold (plus row 0, the padding id, and `<unk>`, which word dropout and
/// `<unk>` replacement may use). Every rank knows the whole global batch, so every rank computes the
/// same ranges without communication; the rows left out have a zero gradient on every rank, so
/// summing only these ranges gives the dense all-reduce's result (and the optimizer, which still
/// updates every parameter, sees the same gradient whatever its state or weight decay).
struct TouchedRows {
    /// A table: its offset in the store, rows and row width.
    struct Table {
        let offset: Int
        let rows: Int
        let width: Int
    }

    /// The store's parameters outside the tables, as ascending coalesced ranges.
    let dense: [Range<Int>]
    let words: Table
    let characters: Table?
    let unknownWord: Int32?

    /// Nil when the store has no word table named `wordTable` (nothing to save).
    init?(store: ParameterStore, wordTable: String, characterTable: String, unknownWord: Int32?) {
        func table(_ name: String) -> Table? {
            store.parameters.first { $0.name == name }.flatMap { p in
                p.shape.dims.count == 2 ? Table(offset: p.offset, rows: p.shape.dims[0], width: p.shape.dims[1]) : nil
            }
        }
        guard let words = table(wordTable) else { return nil }
        self.words = words
        characters = table(characterTable)
        self.unknownWord = unknownWord
        let tables = [words.offset] + (characters.map { [$0.offset] } ?? [])
        var dense: [Range<Int>] = []
        for p in store.parameters.sorted(by: { $0.offset < $1.offset }) where !tables.contains(p.offset) {
            let r = p.offset ..< p.offset + p.count
            if let last = dense.last, last.upperBound == r.lowerBound { dense[dense.count - 1] = last.lowerBound ..< r.upperBound } else { dense.append(r) }
        }
        self.dense = dense
    }

    /// The ascending, disjoint ranges of the gradient buffer to sum for `sentences`.
    func ranges(for sentences: [EncodedSentence]) -> [Range<Int>] {
        var wordRows = Set<Int32>([0])
        if let unknownWord { wordRows.insert(unknownWord) }
        var charRows = Set<Int32>([0])
        for s in sentences {
            wordRows.formUnion(s.wordIDs)
            if characters != nil { for word in s.characters { charRows.formUnion(word) } }
        }
        var out = dense
        out += TouchedRows.rowRanges(wordRows, of: words)
        if let characters { out += TouchedRows.rowRanges(charRows, of: characters) }
        out.sort { $0.lowerBound < $1.lowerBound }
        return out
    }

    /// Rows `rows` of `table` as ranges of the flat buffer, adjacent rows coalesced.
    static func rowRanges(_ rows: Set<Int32>, of table: Table) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for row in rows.sorted() where row >= 0 && Int(row) < table.rows {
            let r = table.offset + Int(row) * table.width ..< table.offset + (Int(row) + 1) * table.width
            if let last = out.last, last.upperBound == r.lowerBound { out[out.count - 1] = last.lowerBound ..< r.upperBound } else { out.append(r) }
        }
        return out
    }
}
