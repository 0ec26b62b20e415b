import CoNLL
import FuzzSupport

/// The column-file reader: CoNLL-2003's four whitespace columns with IOB1 NER, the tab-separated
/// EWT text/UPOS/NER with `#` comments, or two whitespace columns without a scheme (see `fuzzRead`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzColumns(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzRead(data, size, formats: [
        .columns(ColumnFormat(columns: ["text", "pos", "chunk", "ner"], separator: .whitespace, tagSchemes: ["ner": .iob1])),
        .ewtNERPOS,
        .columns(ColumnFormat(columns: ["text", "tag"], separator: .whitespace, comments: .hashWithoutSeparator)),
    ], fileName: "fuzz.txt")
    return 0
}
