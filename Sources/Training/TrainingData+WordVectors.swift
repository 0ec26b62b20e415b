import CoNLL
import Foundation
import RunConfig
import WordVectors

extension TrainingData {
    /// Where the word table's pretrained vectors come from when `encoder.word_vectors.path` is set.
    public enum WordVectorSource {
        /// A fresh run: read the file (every rank reads it; the ranks compare what they read in the
        /// run fingerprint, and rank 0's initial parameters are broadcast).
        case file
        /// A resume: the checkpoint's word vocabulary (the corpora's vocabulary must be its start);
        /// the table itself is restored from the checkpoint, so the file is not read.
        case saved(Vocabulary)
        /// Not needed (`plan`): the corpora's vocabulary alone.
        case skipped
    }

    /// The word vocabulary with pretrained vectors: `words` (the training vocabulary) followed by the
    /// other words of the corpora that the file has and the file's first `max_words` words, and the
    /// vectors read (a row per entry). Without `encoder.word_vectors.path`, or `.skipped`: `words`.
    static func wordVectors(_ resolved: ResolvedConfig, words: Vocabulary, corpora: [[[Sentence]?]],
                            source: WordVectorSource, notes: inout [String]) throws -> (Vocabulary, PretrainedVectors?) {
        let enc = resolved.config.encoder, v = enc.wordVectors
        guard let file = resolved.wordVectorsFile, enc.wordDim > 0 else { return (words, nil) }
        switch source {
        case .skipped:
            return (words, nil)
        case .saved(let saved):
            guard saved.entries.count >= words.count, Array(saved.entries.prefix(words.count)) == words.entries else {
                throw ResumeError.dataChanged(checkpoint: "the checkpoint",
                                              what: "words: the corpora's \(words.count) do not start the saved vocabulary of \(saved.count)")
            }
            notes.append("word vectors: the table of \(saved.count) words comes from the checkpoint (\(file.lastPathComponent) is not read)")
            return (saved, nil)
        case .file:
            break
        }
        // the corpora's other words (rare training words, dev and test words), first seen first
        var seen = Set(words.entries), optional: [String] = []
        for splits in corpora {
            for sentence in splits.compactMap({ $0 }).joined() {
                for token in sentence.tokens {
                    let key = TokenFeatures.wordKey(token, lowercase: enc.lowercaseWords, normalizeDigits: enc.normalizeDigits)
                    if seen.insert(key).inserted { optional.append(key) }
                }
            }
        }
        let request = VectorRequest(required: words.entries, optional: optional, maxWords: v.maxWords,
                                    lowercase: enc.lowercaseWords, normalizeDigits: enc.normalizeDigits,
                                    lowercaseFallback: v.lowercaseFallback, dimension: enc.wordDim)
        let started = DispatchTime.now().uptimeNanoseconds
        let vectors = try WordVectorReader(path: file.path, format: v.format, displayName: file.path).read(request)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        var extended = words
        for key in vectors.keys.dropFirst(words.count) { extended.add(key) }
        precondition(extended.entries == vectors.keys, "the vocabulary's entries are the vectors' keys, in order")
        let counts = vectors.matchCounts
        let found = vectors.matches.prefix(words.count).filter { $0 != nil }.count
        let addedFromCorpora = Set(optional).intersection(vectors.keys.dropFirst(words.count)).count
        notes.append(String(format: "word vectors: %@: %d vectors of %d values (%.1f MB) read in %.2f s; ", file.lastPathComponent,
                            vectors.wordsInFile, vectors.dimension, Double(vectors.bytes) / 1e6, seconds)
            + "\(found) of the \(words.count) training words found; \(addedFromCorpora) other words of the corpora and "
            + "\(vectors.keys.count - words.count - addedFromCorpora) of the file's first \(v.maxWords) words added; matches: "
            + "\(counts[VectorMatch.exact.rawValue]) exact, \(counts[VectorMatch.lowercase.rawValue]) lowercase, "
            + "\(counts[VectorMatch.digitsAsHash.rawValue] + counts[VectorMatch.digitsAsZero.rawValue]) by digits, "
            + "\(counts[VectorMatch.folded.rawValue]) folded; table \(v.fineTune ? "fine-tuned" : "frozen")")
        return (extended, vectors)
    }
}
