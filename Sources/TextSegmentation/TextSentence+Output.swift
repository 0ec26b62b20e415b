import Foundation
import TextIO

extension TextSentence {
    /// The sentence's tokens separated by single spaces: the `pretokenized` input format.
    public var spaceSeparated: String { tokens.map(\.form).joined(separator: " ") }

    /// One JSON object (no line break):
    /// `{"start":S,"end":E,"tokens":[{"form":"don't","start":4,"end":9,"words":[{"form":"do","start":4,"end":6},…]},…]}`,
    /// offsets in Unicode scalars; `words` appears only for a token of several words.
    public var jsonObject: String {
        var out = "{\"start\":\(start),\"end\":\(end),\"tokens\":["
        for (i, token) in tokens.enumerated() {
            if i > 0 { out += "," }
            out += "{\"form\":" + jsonString(token.form) + ",\"start\":\(token.start),\"end\":\(token.end)"
            if token.words.count > 1 {
                out += ",\"words\":[" + token.words.map {
                    "{\"form\":" + jsonString($0.form) + ",\"start\":\($0.start),\"end\":\($0.end)}"
                }.joined(separator: ",") + "]"
            }
            out += "}"
        }
        return out + "]}"
    }
}
