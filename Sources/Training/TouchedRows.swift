import Autodiff
import Foundation
import ModelFiles
import Transformer

/// Which parts of the flat gradient buffer a global batch can make non-zero: every parameter
/// except the embedding tables whole, and of those tables only the rows the batch's sentences look
/// up. The word table's rows are the sentences' word ids plus row 0 (the padding id) and `<unk>`
/// (which word dropout and `<unk>` replacement may use); the character table's, their character ids
/// plus row 0; a fine-tuned transformer's subword table's, their WordPiece ids plus [CLS] and [SEP].
/// Every rank knows the whole global batch, so every rank computes the same ranges without
/// communication; the rows left out have a zero gradient on every rank. So summing only these
/// ranges gives the dense all-reduce's result, and zeroing or clipping only these ranges gives the
/// dense zeroing's and clipping's (the optimizer still updates every parameter and sees the same
/// gradient whatever its state or weight decay).
struct TouchedRows {
    /// Where a table's rows come from.
    enum Lookup {
        /// The word table: word ids, padding row 0 and `unknown`.
        case words(unknown: Int32?)
        /// The character table: character ids and padding row 0.
        case characters
        /// The transformer's WordPiece table: subword ids and the packing's [CLS] and [SEP].
        case subwords(SubwordPacking)
        /// A frozen table (word vectors with `fine_tune: false`): no row ever takes a gradient.
        case frozen
    }

    /// A table: its offset in the store, rows, row width and how the batch reads it.
    struct Table {
        let offset: Int
        let rows: Int
        let width: Int
        let lookup: Lookup
    }

    /// The store's parameters outside the tables, as ascending coalesced ranges.
    let dense: [Range<Int>]
    /// The tables found in the store, in the order asked for.
    let tables: [Table]

    /// The tables of `store` named in `tables` (2-D parameters; names not in the store are
    /// skipped). Nil when none is there (nothing to save).
    init?(store: ParameterStore, tables named: [(name: String, lookup: Lookup)]) {
        tables = named.compactMap { name, lookup in
            store.parameter(named: name).flatMap { p in
                p.shape.rank == 2 ? Table(offset: p.offset, rows: p.shape[0], width: p.shape[1], lookup: lookup) : nil
            }
        }
        guard !tables.isEmpty else { return nil }
        let offsets = Set(tables.map(\.offset))
        var dense: [Range<Int>] = []
        for p in store.parameters.sorted(by: { $0.offset < $1.offset }) where !offsets.contains(p.offset) {
            TouchedRows.append(p.offset ..< p.offset + p.count, to: &dense)
        }
        self.dense = dense
    }

    /// The ascending, disjoint ranges of the gradient buffer that `sentences` can make non-zero.
    func ranges(for sentences: [EncodedSentence]) -> [Range<Int>] {
        var out = dense
        for table in tables {
            var rows: Set<Int32>
            switch table.lookup {
            case .words(let unknown):
                rows = [0]
                if let unknown { rows.insert(unknown) }
                for s in sentences { rows.formUnion(s.wordIDs) }
            case .characters:
                rows = [0]
                for s in sentences { for word in s.characters { rows.formUnion(word) } }
            case .subwords(let packing):
                rows = [packing.classID, packing.separatorID]
                for s in sentences { if let sub = s.subwords { rows.formUnion(sub.ids) } }
            case .frozen:
                rows = []
            }
            out += TouchedRows.rowRanges(rows, of: table)
        }
        out.sort { $0.lowerBound < $1.lowerBound }
        return out
    }

    /// Rows `rows` of `table` as ranges of the flat buffer, adjacent rows coalesced.
    static func rowRanges(_ rows: Set<Int32>, of table: Table) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for row in rows.sorted() where row >= 0 && Int(row) < table.rows {
            append(table.offset + Int(row) * table.width ..< table.offset + (Int(row) + 1) * table.width, to: &out)
        }
        return out
    }

    /// Appends `r` to ascending ranges, merged with the last one when they meet.
    private static func append(_ r: Range<Int>, to ranges: inout [Range<Int>]) {
        if let last = ranges.last, last.upperBound == r.lowerBound {
            ranges[ranges.count - 1] = last.lowerBound ..< r.upperBound
        } else {
            ranges.append(r)
        }
    }
}
