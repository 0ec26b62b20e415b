import Foundation

/// The small English UPOS + NER corpus shipped inside the package (see
/// `DefaultCorpus/ATTRIBUTION.md`): what `mtl-dist train` trains when given no config.
public enum DefaultCorpus {
    /// The folder holding `train.tsv` and `dev.tsv`, from the package's resource bundle.
    public static func directory() throws -> URL {
        guard let url = Bundle.module.url(forResource: "DefaultCorpus", withExtension: nil) else {
            throw TrainingError.cannotRead("DefaultCorpus", reason: "the embedded corpus is missing from the build's resource bundle (rebuild with 'swift build')")
        }
        return url
    }
}
