/// Whether the tokens read so far may end a sentence, and how strongly.
enum SentenceEnd {
    /// The sentence goes on.
    case none
    /// After `.`, `!`, `?` or a run of them without two periods (and any closing quotes or
    /// brackets after it): the sentence ends unless the next token continues it (a comma, a
    /// closing bracket, more punctuation). In UD EWT's web text a lowercase word after a period
    /// starts a new sentence 26 times out of 27, so it does here too.
    case terminal
    /// After an ellipsis (`...`, `..`): the sentence ends only before a capitalised word, a
    /// number or an opening quote or bracket.
    case ellipsis
    /// After an abbreviation that may end a sentence (`etc.`, `Inc.`), or a time's `AM`/`PM`
    /// (`11:32 AM` ends the date line of an e-mail header): the sentence ends only before a
    /// capitalised word or an opening quote or bracket.
    case abbreviation
}

extension TextTokenizer {
    /// The state after the token over `piece`, given the state before it. `opensNext`: the piece
    /// was split off the front of a longer chunk (an opening quote or bracket).
    func sentenceEnd(_ s: [Unicode.Scalar], _ piece: Range<Int>, pending: SentenceEnd, opensNext: Bool) -> SentenceEnd {
        let first = s[piece.lowerBound]
        if first.isTerminal && s[piece].allSatisfy(\.isTerminal) {
            return s[piece].lazy.filter({ $0 == "." }).count >= 2 ? .ellipsis : .terminal
        }
        if (piece.count == 2 || piece.count == 4) && followsDigit(s, piece) {
            let word = string(s, piece)
            if word == "AM" || word == "PM" || word == "a.m." || word == "p.m." { return .abbreviation }
        }
        // closing quotes and brackets after the end belong to the ending sentence
        if pending != .none && piece.count == 1 && first.closesPhrase && !opensNext && !first.isTerminal
            && first != "," && first != ";" && first != ":" && first != "%" {
            return pending
        }
        if piece.count > 1 && s[piece.upperBound - 1] == "." && s[piece.lowerBound].isLetter {
            let word = lowercased(s, piece.lowerBound..<(piece.upperBound - 1))
            if EnglishLexicon.titles.contains(word) || EnglishLexicon.titles.contains(word.replacingOccurrences(of: ".", with: "")) {
                return .none
            }
            // initials (`W.`) and letter-dot abbreviations (`U.S.`) precede names and nouns
            if isLetterDotShape(s, piece) { return .none }
            return .abbreviation
        }
        return .none
    }

    /// Whether the token over `piece` starts a new sentence after a token that left `pending`.
    func startsSentence(_ s: [Unicode.Scalar], _ piece: Range<Int>, after pending: SentenceEnd, opensNext: Bool) -> Bool {
        let first = s[piece.lowerBound]
        switch pending {
        case .none:
            return false
        case .terminal:
            if first.isTerminal { return false }
            if !opensNext && first.closesPhrase { return false }
            if first == "-" && piece.count == 1 { return false }
            return true
        case .ellipsis:
            return first.isUppercaseLetter || first.isDigit || (opensNext && first.opensPhrase)
        case .abbreviation:
            return first.isUppercaseLetter || (opensNext && first.opensPhrase)
        }
    }

    /// The last non-separator scalar before `piece` is a digit (`11:32 AM`).
    func followsDigit(_ s: [Unicode.Scalar], _ piece: Range<Int>) -> Bool {
        var i = piece.lowerBound - 1
        while i >= 0 && s[i].separatesTokens { i -= 1 }
        return i >= 0 && s[i].isDigit
    }

    /// `U.S.`, `e.g.`, `p.m.`, `W.`: single letters each followed by a period.
    func isLetterDotShape(_ s: [Unicode.Scalar], _ piece: Range<Int>) -> Bool {
        guard piece.count >= 2, piece.count % 2 == 0 else { return false }
        var i = piece.lowerBound
        while i < piece.upperBound {
            guard s[i].isLetter, s[i + 1] == "." else { return false }
            i += 2
        }
        return true
    }
}
