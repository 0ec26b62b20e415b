import Autodiff
import Foundation
import FuzzSupport
import Transformer

/// A pretrained transformer folder from arbitrary bytes: the input is cut at the lines `%%` into
/// `config.json`, `vocab.txt`, `tokenizer_config.json`, `model.safetensors` and `tokenizer.json`
/// (missing or empty parts are absent files), written to a scratch folder and read as `mtl-dist train` and `encode` read a
/// model folder: the configuration and the tokeniser, the safetensors header checked against the
/// model the configuration describes, and, when that passes, the weights loaded and a sentence
/// encoded. Whatever sizes `config.json` claims, nothing larger than the file is allocated
/// (libFuzzer's -malloc_limit_mb catches any such allocation).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTransformer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let marker = Array("\n%%\n".utf8)
    var parts: [[UInt8]] = [], start = 0, i = 0
    while i + marker.count <= bytes.count && parts.count < 4 {
        if Array(bytes[i..<(i + marker.count)]) == marker {
            parts.append(Array(bytes[start..<i]))
            i += marker.count
            start = i
        } else {
            i += 1
        }
    }
    parts.append(Array(bytes[start...]))
    let names = ["config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors", "tokenizer.json"]
    for (n, name) in names.enumerated() {
        let url = scratch.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: url)
        if n < parts.count && !parts[n].isEmpty { guard (try? Data(parts[n]).write(to: url)) != nil else { return 0 } }
    }
    fuzzCheck {
        let bert = try PretrainedBert(folder: scratch)
        _ = bert.tokenizer.tokens("Ünïcode, 世界! [CLS] unaffable\u{0}\u{301}")
        var rng = SplitMix64(seed: 1)
        let model = try bert.load(name: "bert", site: 0, store: ParameterStore(), rng: &rng)
        let embeddings = TransformerWordEmbeddings(model: model, hiddenStates: [model.config.layerCount], pooling: .first)
        let words = ["Peter", "Blackburn", "visited", "Brussels"]
        try embeddings.encode([words], tokenizer: bert.tokenizer, batchSize: 1) { _ in }
    }
    return 0
}

/// This process's model folder.
private let scratch: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-dist-fuzz-transformer-\(getpid())")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}()
