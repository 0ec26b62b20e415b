/// Where a model's tensors come from: one `SafeTensorsFile`, or the shards of a sharded checkpoint
/// (`SafeTensorsWeights`). Names and headers are known up front; values are read on demand.
public protocol TensorSource: AnyObject {
    /// The path messages name (the file, or the index of a sharded checkpoint).
    var path: String { get }
    /// Every tensor's header entry, by name.
    var entries: [String: SafeTensorsFile.Entry] { get }
    /// Reads tensor `name` as floats into `destination` (exactly its element count).
    func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws
}

extension TensorSource {
    /// Tensor names, sorted.
    public var names: [String] { entries.keys.sorted() }
}

extension SafeTensorsFile: TensorSource {}
