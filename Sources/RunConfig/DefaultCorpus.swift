import Foundation

/// The small English UPOS + NER corpus shipped inside the package (see
/// `DefaultCorpus/ATTRIBUTION.md`): what `mtl-dist train` trains when given no config.
public enum DefaultCorpus {
    /// The folder holding `train.tsv` and `dev.tsv`, from the package's resource bundle.
    public static func directory() throws -> URL {
        guard let url = Bundle.module.url(forResource: "DefaultCorpus", withExtension: nil) else {
            throw ConfigError.missingResource(name: "the embedded corpus DefaultCorpus", fix: "rebuild with 'swift build', or give --config")
        }
        return url
    }
}
