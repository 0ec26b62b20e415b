/// The word lists behind the English tokenisation rules, lowercased. They follow the UD English
/// Web Treebank's conventions (UD 2.x guidelines for English tokenisation; the lists were drawn
/// from the treebank's training section, never its dev or test sections).
enum EnglishLexicon {
    /// Words written with a final period that stays on the token (`Mr.`, `Inc.`, `Sept.`), without
    /// that period. Single letters (`W.`) and letter-dot sequences (`U.S.`, `e.g.`, `p.m.`) are
    /// recognised by shape and need no entry.
    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "st", "jr", "sr", "prof", "rev", "gen", "gov", "lt", "col", "sgt", "capt",
        "cmdr", "adm", "maj", "sen", "rep", "reps", "pres", "hon", "fr", "messrs", "mme", "mlle",
        "inc", "co", "corp", "ltd", "llc", "bros", "dept", "univ", "assn", "ass't", "asst", "est", "approx",
        "etc", "vs", "cf", "al", "eg", "ie", "viz", "attn", "arrv", "no", "nos", "vol", "pp", "ft", "mt",
        "ave", "blvd", "rd", "hwy", "apt", "ste", "fig", "ed", "eds", "ref", "tel", "ext", "mins", "hrs",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
        "ala", "ariz", "ark", "calif", "colo", "conn", "del", "fla", "ga", "ill", "ind", "kan", "ky", "la",
        "md", "mass", "mich", "minn", "miss", "mo", "mont", "neb", "nev", "okla", "ore", "pa", "tenn",
        "tex", "va", "vt", "wash", "wis", "wyo",
    ]

    /// Abbreviations after which a sentence never ends even before a capitalised word: titles and
    /// the like, which precede a name (`Mr. Smith`, `Gen. Abizaid`, `No. 5`).
    static let titles: Set<String> = [
        "mr", "mrs", "ms", "dr", "st", "prof", "rev", "gen", "gov", "lt", "col", "sgt", "capt", "cmdr",
        "adm", "maj", "sen", "rep", "reps", "pres", "hon", "fr", "messrs", "mme", "mlle", "no", "nos",
        "vs", "cf", "eg", "ie", "viz", "attn", "ft", "mt", "vol", "pp", "fig", "ref", "tel", "ext",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    ]

    /// Prefixes that UD EWT keeps on a hyphenated word (`e-mail`, `non-stop`, `mid-July`,
    /// `co-workers`); every other hyphen between words is a token of its own (`well - known`).
    static let hyphenPrefixes: Set<String> = [
        "e", "non", "mid", "pre", "anti", "re", "co", "post", "over", "pro", "multi", "ex", "sub", "semi",
        "psycho", "cross", "neo", "socio", "arch", "un", "intra", "inter", "counter", "ultra", "super",
        "micro", "macro", "mega", "mini", "pseudo", "quasi", "trans", "bi", "tri", "de",
    ]

    /// Units that UD EWT splits off a number written against them (`5pm` → `5 pm`, `10k` → `10 k`);
    /// ordinals and decades (`3rd`, `1990s`) stay whole.
    static let units: Set<String> = [
        "m", "k", "b", "bn", "mm", "cm", "km", "kg", "g", "mg", "lb", "lbs", "oz", "ft", "x", "am", "pm",
        "hz", "khz", "mhz", "ghz", "kb", "mb", "gb", "tb", "hr", "hrs", "min", "mins", "sec", "secs",
        "yr", "yrs", "mph", "kph", "ml", "c", "f", "percent", "mil", "gal", "kw", "mw",
    ]

    /// Emoticons kept as one token (`:)` rather than `:` `)`).
    static let emoticons: Set<String> = [
        ":)", ":(", ":-)", ":-(", ";)", ";-)", ":D", ":-D", ":P", ":-P", ":p", ":/", ":O", ":o", "<3",
        "=)", ":'(", ":]", ":[", ";D", "XD", "xD", "^_^", "^^", "-_-", ":|",
    ]

    /// Clitics split off a token as words of their own (a UD multi-word token), lowercased, with
    /// the straight apostrophe; `’` is read as `'`.
    static let apostropheClitics: [String] = ["n't", "'s", "'m", "'re", "'ve", "'ll", "'d"]

    /// Tokens written without their apostrophe or as one word that UD EWT still divides into
    /// words, with the length of each word: `dont` → `do` `nt`, `cannot` → `can` `not`.
    static let fusedWords: [String: [Int]] = [
        "cannot": [3, 3], "gonna": [3, 2], "wanna": [3, 2], "gotta": [3, 2], "dont": [2, 2],
        "doesnt": [4, 2], "didnt": [3, 2], "cant": [2, 2], "wont": [2, 2], "isnt": [2, 2],
        "arent": [3, 2], "wasnt": [3, 2], "werent": [4, 2], "havent": [4, 2], "hasnt": [3, 2],
        "hadnt": [3, 2], "couldnt": [5, 2], "wouldnt": [5, 2], "shouldnt": [6, 2], "aint": [2, 2],
        "im": [1, 1], "ive": [1, 2], "youre": [3, 2], "theyre": [4, 2], "thats": [4, 1],
        "whats": [4, 1],
    ]
}
