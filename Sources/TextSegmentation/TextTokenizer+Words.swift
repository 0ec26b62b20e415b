extension TextTokenizer {
    /// The words of the token over `range`, as UD EWT divides multi-word tokens: a clitic off the
    /// end (`do|n't`, `I|'m`, `John|'s`, `they|'re`; `’` as the apostrophe too) or a listed fused
    /// form (`can|not`, `gon|na`, `do|nt`). One range, the token's, when it is one word.
    func splitWords(_ s: [Unicode.Scalar], _ range: Range<Int>) -> [Range<Int>] {
        guard range.count >= 2, range.count <= 12, s[range.lowerBound].isLetter else { return [range] }
        let folded = Array(lowercased(s, range).replacingOccurrences(of: "\u{2019}", with: "'").unicodeScalars)
        // lowercasing can change the length (rare letters); then the token stays whole
        guard folded.count == range.count else { return [range] }
        let text = String(String.UnicodeScalarView(folded))
        for clitic in EnglishLexicon.apostropheClitics where text.hasSuffix(clitic) {
            let cut = range.upperBound - clitic.unicodeScalars.count
            guard cut > range.lowerBound, s[cut - 1].isLetter else { continue }
            return [range.lowerBound..<cut, cut..<range.upperBound]
        }
        if let lengths = EnglishLexicon.fusedWords[text] {
            var out: [Range<Int>] = []
            var at = range.lowerBound
            for length in lengths {
                out.append(at..<(at + length))
                at += length
            }
            return out
        }
        return [range]
    }
}
