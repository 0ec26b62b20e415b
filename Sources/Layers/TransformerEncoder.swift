import Autodiff

/// A stack of `TransformerEncoderLayer`s, BERT's `BertEncoder`: parameters `<name>.layer.<i>.*`.
/// Returns every layer's output, so callers can pool the last layer or a mean of several.
/// Layer i draws its dropout at sites `site + 3i ..< site + 3i + 3`.
public struct TransformerEncoder: Module {
    public let layers: [TransformerEncoderLayer]

    public init(layerCount: Int, width: Int, headCount: Int, intermediateSize: Int, layerNormEps: Float,
                hiddenDropout: Float, attentionDropout: Float, site: UInt64,
                name: String, names: TransformerLayerNames = .bert, store: ParameterStore, rng: inout SplitMix64) {
        var layers: [TransformerEncoderLayer] = []
        for i in 0..<layerCount {
            layers.append(TransformerEncoderLayer(width: width, headCount: headCount, intermediateSize: intermediateSize,
                                                  layerNormEps: layerNormEps, hiddenDropout: hiddenDropout,
                                                  attentionDropout: attentionDropout, site: site + 3 * UInt64(i),
                                                  name: qualifiedName(name, "layer.\(i)"), names: names, store: store, rng: &rng))
        }
        self.layers = layers
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// `x [N, C]` packed by `lengths` → the output of each layer, `[N, C]` each, first layer first.
    public func callAsFunction(_ x: Tensor, lengths: [Int], keys: [UInt64], training: Bool, tape: Tape?) -> [Tensor] {
        var h = x
        return layers.map { layer in
            h = layer(h, lengths: lengths, keys: keys, training: training, tape: tape)
            return h
        }
    }
}
