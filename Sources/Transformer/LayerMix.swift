/// How the chosen hidden states of a transformer become one vector per subword.
public enum LayerMix: String, CaseIterable, Codable, Sendable {
    /// Their plain mean (Flair's `layer_mean`), nothing learned.
    case mean
    /// A learned scalar mix: `γ · Σ_i softmax(w)_i · h_i` (ELMo, MaChAmp, UDify), trained with the
    /// taggers even when the transformer is frozen.
    case learned
}

/// Which hidden states a transformer's word vectors read (`encoder.transformer.layers`): layer
/// indices (0 = the embedding output, 1...L the layers, negative counts from the last, so -1 is the
/// last layer), or `all` (0...L: the embedding output and every layer). In YAML a list of integers
/// or the word `all`.
public enum LayerSelection: Equatable, Sendable {
    case indices([Int])
    case all

    /// The hidden-state indices (each in 0...L, in the order given) for a model of `layerCount`
    /// layers; throws for an index out of range or named twice.
    public func hiddenStates(layerCount: Int) throws -> [Int] {
        switch self {
        case .all: return Array(0...layerCount)
        case .indices(let layers): return try TransformerWordEmbeddings.hiddenStates(layers, layerCount: layerCount)
        }
    }

    /// The number of indices named (L + 1 for `all`, which a layer count decides).
    public var indexCount: Int? {
        if case .indices(let layers) = self { return layers.count }
        return nil
    }
}

extension LayerSelection: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let word = try? container.decode(String.self) {
            guard word == "all" else {
                throw DecodingError.typeMismatch(LayerSelection.self, .init(codingPath: decoder.codingPath, debugDescription:
                    "expected a list of layer indices such as [-1] or [-1, -2, -3, -4], or all, found '\(word)'"))
            }
            self = .all
        } else {
            self = .indices(try container.decode([Int].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .all: try container.encode("all")
        case .indices(let layers): try container.encode(layers)
        }
    }
}

extension LayerSelection: CustomStringConvertible {
    public var description: String {
        switch self {
        case .all: return "all"
        case .indices(let layers): return "\(layers)"
        }
    }
}

extension LayerSelection: ExpressibleByArrayLiteral {
    /// `[-1, -2]` is `.indices([-1, -2])`.
    public init(arrayLiteral elements: Int...) { self = .indices(elements) }
}
