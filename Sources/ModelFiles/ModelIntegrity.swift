import Autodiff
import Checkpointing
import Foundation

/// The checks every saved model gets on load beyond its layout (`ModelMetadata.validate`): the
/// JSON file's own checksum (`JSONSeal`, key `model_checksum`, for `best/model.json` and an
/// export's `model.json`), parameters that are all finite (a NaN or infinity would evaluate
/// silently to a wrong score), and a frozen transformer's weights equal to those it was trained
/// with (they are read from `encoder.transformer.path`, not saved with the model).
public enum ModelIntegrity {
    /// The top-level key of a `model.json` holding the file's own checksum.
    public static let sealKey = "model_checksum"

    /// Verifies the seal of the `model.json` at `url` (read again: its schema and fields were
    /// checked first, so a field out of range is named as such rather than as a checksum).
    public static func verifySeal(of url: URL) throws {
        let data = try DurableFile.contents(of: url, limit: LayoutLimits.maxJSONBytes)
        try JSONSeal.verify(data, key: sealKey, file: url.path)
    }

    /// Throws when a parameter of `store` is NaN or infinite, naming the parameter, the index
    /// and the value, and `file` (where the parameters were read from).
    public static func checkFinite(_ store: ParameterStore, file: String) throws {
        let values = UnsafeBufferPointer(store.values.pointer)
        // one cheap pass; the parameter is looked up only when something is wrong
        var finite = true
        for v in values where !v.isFinite { finite = false; break }
        guard !finite else { return }
        for p in store.parameters {
            for i in 0..<p.count where !values[p.offset + i].isFinite {
                throw ModelError.invalidModel(file, reason: "parameter '\(p.name)' holds \(values[p.offset + i]) at element \(i): "
                    + "a model with non-finite parameters is refused (the training diverged or the file was damaged); use an earlier checkpoint or best/")
            }
        }
    }

    /// FNV-1a 64 (hex) of the bytes of every value of `store`: the frozen transformer's weights as
    /// loaded, which a saved model records and checks when it loads them again.
    public static func checksum(of store: ParameterStore) -> String {
        var hasher = FNV1a64()
        hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(store.values.pointer)))
        return hasher.hex
    }
}
