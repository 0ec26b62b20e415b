import CoNLL
import Foundation
import FuzzSupport
import ModelFiles

/// predict's input reader on arbitrary bytes: UTF-8 validation, line splitting (LF, CRLF, CR) and
/// sentence splitting in the format the first byte picks (text, conll, conllu or auto). Every
/// sentence must hold tokens free of line ends and tabs, and of spaces but in CoNLL-U (whose FORM may
/// hold one), and the tokens must not hold more bytes than the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPredictInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    guard let selector = bytes.first else { return 0 }
    let format = [PredictionIO.InputFormat.text, .conll, .conllu, .auto][Int(selector & 3)]
    fuzzCheck {
        let text = try InputFile.text(Data(bytes.dropFirst()), fileName: "fuzz.txt")
        let sentences = try PredictionIO.sentences(in: text, format: format, fileName: "fuzz.txt")
        var tokenBytes = 0
        for sentence in sentences {
            if sentence.tokens.isEmpty { preconditionFailure("a sentence without tokens") }
            for token in sentence.tokens {
                let spaced = format == .conllu || (format == .auto && PredictionIO.detectFormat(of: text) == .conllu)
                if token.isEmpty || token.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || ($0 == 0x20 && !spaced) }) {
                    preconditionFailure("token \(token.debugDescription) holds a separator or a line end")
                }
                tokenBytes += token.utf8.count
            }
        }
        if tokenBytes > bytes.count { preconditionFailure("\(tokenBytes) token bytes from \(bytes.count) input bytes") }
    }
    return 0
}
