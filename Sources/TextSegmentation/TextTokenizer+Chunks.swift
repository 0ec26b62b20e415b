extension TextTokenizer {
    /// Splits one chunk of non-separator scalars into token ranges, in order, appended to `pieces`:
    /// opening punctuation off the front, closing punctuation off the end (not an abbreviation's
    /// period), then the core (`splitCore`). URLs, e-mail addresses and emoticons stay whole.
    func splitChunk(_ s: [Unicode.Scalar], _ chunk: Range<Int>, into pieces: inout [Range<Int>]) {
        if chunk.count <= 8 {
            let form = string(s, chunk)
            let folded = form.lowercased().replacingOccurrences(of: "\u{2019}", with: "'")
            if EnglishLexicon.emoticons.contains(form) || EnglishLexicon.apostropheClitics.contains(folded) {
                pieces.append(chunk)
                return
            }
        }
        var lo = chunk.lowerBound
        var hi = chunk.upperBound
        while lo < hi && !s[lo].isWordScalar {
            // ".5" is a number
            if s[lo] == "." && lo + 1 < hi && s[lo + 1].isDigit { break }
            let run = punctuationRun(s, from: lo, limit: hi)
            pieces.append(lo..<run)
            lo = run
        }
        let isLink = looksLikeLink(s, lo..<hi)
        let firstBack = pieces.count
        while hi > lo && !s[hi - 1].isWordScalar {
            let c = s[hi - 1]
            if isLink && !(c.closesPhrase || c.opensPhrase) { break }
            if c == "." && isAbbreviation(s, lo..<hi) { break }
            var from = hi - 1
            while from > lo && (s[from - 1] == c || (c.isTerminal && s[from - 1].isTerminal)) { from -= 1 }
            pieces.append(from..<hi)
            hi = from
        }
        // the pieces cut off the end were appended last first
        let back = Array(pieces[firstBack...].reversed())
        pieces.removeSubrange(firstBack...)
        if lo < hi {
            if isLink { pieces.append(lo..<hi) } else { splitCore(s, lo..<hi, into: &pieces) }
        }
        pieces.append(contentsOf: back)
    }

    /// The end of the punctuation token that starts at `from`: a run of one repeated character
    /// (`--`, `>>`, `**`) or of `.`/`!`/`?` mixed (`...`, `?!`).
    func punctuationRun(_ s: [Unicode.Scalar], from: Int, limit: Int) -> Int {
        let c = s[from]
        var end = from + 1
        while end < limit && (s[end] == c || (c.isTerminal && s[end].isTerminal)) { end += 1 }
        return end
    }

    /// `range` (ending in `.`) is an abbreviation that keeps its period: a listed word (`Mr.`,
    /// `Inc.`), a single letter (`W.`) or letters each followed by a period (`U.S.`, `e.g.`).
    func isAbbreviation(_ s: [Unicode.Scalar], _ range: Range<Int>) -> Bool {
        guard range.count >= 2, s[range.upperBound - 1] == "." else { return false }
        var start = range.upperBound - 1
        // the word before the period: letters, apostrophes and inner periods
        while start > range.lowerBound && (s[start - 1].isLetter || s[start - 1].isMark || s[start - 1].isApostrophe
                                           || s[start - 1] == ".") {
            start -= 1
        }
        guard start == range.lowerBound else { return false }
        if isLetterDotShape(s, range) { return true }
        let word = lowercased(s, range.lowerBound..<(range.upperBound - 1)).replacingOccurrences(of: "\u{2019}", with: "'")
        return EnglishLexicon.abbreviations.contains(word)
    }

    /// A URL (`http://…`, `www.…`, `mailto:…`) or an e-mail address (`name@host.org`): one token.
    func looksLikeLink(_ s: [Unicode.Scalar], _ range: Range<Int>) -> Bool {
        guard range.count >= 5 else { return false }
        let head = lowercased(s, range.lowerBound..<min(range.upperBound, range.lowerBound + 12))
        if head.hasPrefix("www.") || head.hasPrefix("mailto:") || head.hasPrefix("http://") || head.hasPrefix("https://")
            || head.hasPrefix("ftp://") {
            return true
        }
        // name@host.tld: a word scalar on both sides of "@" and a period after it
        var at = -1
        for i in range where s[i] == "@" {
            at = i
            break
        }
        guard at > range.lowerBound, at + 1 < range.upperBound, s[at - 1].isWordScalar || s[at - 1] == ".",
              s[at + 1].isWordScalar else { return false }
        return s[(at + 1)..<range.upperBound].contains(".")
    }

    /// Splits a core that starts with a word scalar and ends with one or an abbreviation's period:
    /// punctuation inside is a token unless
    /// it belongs to a number (`3.5`, `1,000`, `10:30`, `11/28`), an abbreviation or a name
    /// (`U.S.A`, `AT&T`, `O'Brien`), or a hyphenated word kept whole (`keepsHyphens`).
    func splitCore(_ s: [Unicode.Scalar], _ core: Range<Int>, into pieces: inout [Range<Int>]) {
        var start = core.lowerBound
        var i = core.lowerBound
        let hi = core.upperBound
        // hyphens before this index belong to a compound already decided: kept (true) or split
        var decidedUntil = core.lowerBound
        var decidedKeep = false
        while i < hi {
            let c = s[i]
            if c.isWordScalar { i += 1; continue }
            let prevWord = i > core.lowerBound && s[i - 1].isWordScalar
            let nextWord = i + 1 < hi && s[i + 1].isWordScalar
            // a final period left on the core by splitChunk is an abbreviation's
            var keep = c == "." && i == hi - 1 && prevWord
            if prevWord && nextWord {
                switch c {
                case ".", "&", "@", "+": keep = true
                case "'", "\u{2019}": keep = s[i - 1].isLetter && s[i + 1].isLetter
                case ":": keep = s[i - 1].isDigit && s[i + 1].isDigit
                case ",": keep = s[i - 1].isDigit && isThousandsGroup(s, after: i, limit: hi)
                case "/": keep = keepsSlash(s, at: i, core: core)
                case "-":
                    if i >= decidedUntil {
                        (decidedUntil, decidedKeep) = hyphenCompound(s, at: i, core: core)
                    }
                    keep = decidedKeep
                default: keep = false
                }
            }
            if keep { i += 1; continue }
            if start < i { appendWordPiece(s, start..<i, into: &pieces) }
            let run = punctuationRun(s, from: i, limit: hi)
            pieces.append(i..<run)
            i = run
            start = run
        }
        if start < hi { appendWordPiece(s, start..<hi, into: &pieces) }
    }

    /// Appends a piece of word scalars, splitting a unit off a number (`5pm` → `5` `pm`).
    func appendWordPiece(_ s: [Unicode.Scalar], _ piece: Range<Int>, into pieces: inout [Range<Int>]) {
        var digitsEnd = piece.lowerBound
        while digitsEnd < piece.upperBound && (s[digitsEnd].isDigit || s[digitsEnd] == "." || s[digitsEnd] == "," || s[digitsEnd] == ":") {
            digitsEnd += 1
        }
        if digitsEnd > piece.lowerBound && digitsEnd < piece.upperBound && s[digitsEnd - 1].isDigit
            && piece.upperBound - digitsEnd <= 7 && s[digitsEnd..<piece.upperBound].allSatisfy(\.isLetter)
            && EnglishLexicon.units.contains(lowercased(s, digitsEnd..<piece.upperBound)) {
            pieces.append(piece.lowerBound..<digitsEnd)
            pieces.append(digitsEnd..<piece.upperBound)
            return
        }
        pieces.append(piece)
    }

    /// A comma at `after` followed by exactly three digits and then no further digit.
    func isThousandsGroup(_ s: [Unicode.Scalar], after comma: Int, limit: Int) -> Bool {
        guard comma + 3 < limit else { return false }
        for k in 1...3 where !s[comma + k].isDigit { return false }
        return comma + 4 >= limit || !s[comma + 4].isDigit
    }

    /// A slash inside a date or a fraction (`11/28/2000`, `9/11`) or between single letters
    /// (`I/O`, `w/o`) stays; between words it is a token (`and / or`).
    func keepsSlash(_ s: [Unicode.Scalar], at i: Int, core: Range<Int>) -> Bool {
        var left = i
        while left > core.lowerBound && s[left - 1].isWordScalar { left -= 1 }
        var right = i + 1
        while right < core.upperBound && s[right].isWordScalar { right += 1 }
        let leftDigits = s[left..<i].allSatisfy(\.isDigit)
        let rightDigits = s[(i + 1)..<right].allSatisfy(\.isDigit)
        return (leftDigits && rightDigits) || i - left == 1 || right - (i + 1) == 1
    }

    /// The hyphenated compound around the hyphen at `i` (word scalars joined by single hyphens):
    /// its end and whether its hyphens stay. Kept: phone numbers and dates (`713-853-3989`,
    /// `345-9945`, `11-20-2000`) and a listed prefix before one hyphen (`e-mail`, `non-stop`).
    func hyphenCompound(_ s: [Unicode.Scalar], at i: Int, core: Range<Int>) -> (end: Int, keep: Bool) {
        var left = i
        while left > core.lowerBound && s[left - 1].isWordScalar { left -= 1 }
        var segments: [Range<Int>] = []
        var segmentStart = left
        var j = left
        while j < core.upperBound {
            if s[j].isWordScalar { j += 1; continue }
            if s[j] == "-" && j > segmentStart && j + 1 < core.upperBound && s[j + 1].isWordScalar {
                segments.append(segmentStart..<j)
                segmentStart = j + 1
                j += 1
                continue
            }
            break
        }
        segments.append(segmentStart..<j)
        if segments.allSatisfy({ s[$0].allSatisfy(\.isDigit) }) {
            let keep = segments.count >= 3 || (segments.count == 2 && segments[0].count == 3 && segments[1].count == 4)
            return (j, keep)
        }
        if segments.count == 2 && EnglishLexicon.hyphenPrefixes.contains(lowercased(s, segments[0])) {
            return (j, true)
        }
        return (j, false)
    }
}
