import Foundation

/// `Tests/TransformerTests/Fixtures/encode.json`: word vectors of the tiny BERT fixture computed in
/// Python (transformers' hidden states, pooled per word) for a few sentences and several
/// `--layers`/`--pooling` settings. Read by the library test and by the `mtl-dist encode` test.
public struct EncodeReference: Decodable {
    public struct Setting: Decodable {
        public let layers: [Int]
        public let pooling: String
        /// The subwords of each sentence, flat.
        public let subwords: [[String]]
        /// Per sentence, one vector per word.
        public let vectors: [[[Float]]]
    }

    public let sentences: [[String]]
    public let settings: [Setting]

    /// The transformer fixtures' folder in the source tree.
    public static var fixtures: URL { ProcessRun.packageRoot.appendingPathComponent("Tests/TransformerTests/Fixtures") }

    /// Reads encode.json from the fixtures' folder.
    public static func load() throws -> EncodeReference {
        try JSONDecoder().decode(EncodeReference.self, from: Data(contentsOf: fixtures.appendingPathComponent("encode.json")))
    }
}
