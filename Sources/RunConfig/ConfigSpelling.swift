/// "Did you mean …?" suggestions for misspelt keys, enum values and names.
enum ConfigSpelling {
    /// The candidate that `word` most plausibly meant, or `nil` when none is close.
    ///
    /// A candidate matches when `word` spells its initials (`lr` → `learning_rate`), when one is a prefix
    /// of the other and `word` has 3 or more letters (`batch` → `batch_size`), or when the edit distance is
    /// at most `max(1, length / 3)` (`learnig_rate` → `learning_rate`), in that order of preference.
    static func closestMatch(to word: String, among candidates: [String]) -> String? {
        let typed = word.lowercased()
        guard !typed.isEmpty else { return nil }
        if let hit = candidates.first(where: { initials(of: $0) == typed && $0.contains("_") }) { return hit }
        let prefix = candidates.first { $0.lowercased().hasPrefix(typed) || typed.hasPrefix($0.lowercased()) }
        if typed.count >= 3, let prefix { return prefix }
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(typed, candidate.lowercased())
            let limit = max(1, max(typed.count, candidate.count) / 3)
            if distance <= limit, distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// `"did you mean X? Otherwise …"` when `word` is close to a candidate, else `otherwise` alone.
    static func hint(for word: String, among candidates: [String], otherwise: String) -> String {
        guard let match = closestMatch(to: word, among: candidates) else { return otherwise }
        return "did you mean \(match)? Otherwise \(otherwise)"
    }

    /// First letters of the `_`-separated words: `learning_rate` → `lr`.
    static func initials(of name: String) -> String {
        String(name.lowercased().split(separator: "_").compactMap(\.first))
    }

    /// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
    /// neighbouring letters (`lable` → `label`) all cost 1.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        // d[i][j] = distance(a[..<i], b[..<j])
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j - 1] + cost, d[i - 1][j] + 1, d[i][j - 1] + 1)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
