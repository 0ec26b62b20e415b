import CoNLL
import Foundation

/// One input of a reader target: its first byte picks the format (`formats[(byte & 0x7F) % count]`)
/// and the options (high bit clear: strict, set: lenient), the rest is the file. The read must
/// end in sentences that all hold tokens, or in a typed error (`fuzzCheck`); `check` adds the
/// target's own assertions on the result.
public func fuzzRead(_ data: UnsafePointer<UInt8>?, _ size: Int, formats: [CoNLLFormat], fileName: String,
                     check: (ReadResult) -> Void = { _ in }) {
    let bytes = fuzzBytes(data, size)
    guard let selector = bytes.first else { return }
    let format = formats[Int(selector & 0x7F) % formats.count]
    let options: ReaderOptions = selector & 0x80 == 0 ? .strict : .lenient
    fuzzCheck {
        let result = try CoNLLReader(format: format, options: options).read(data: Data(bytes.dropFirst()), fileName: fileName)
        for sentence in result.sentences where sentence.tokens.isEmpty { preconditionFailure("a sentence without tokens") }
        check(result)
    }
}
