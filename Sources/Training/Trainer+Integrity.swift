import ModelFiles
import Foundation

extension Trainer {
    /// With a frozen transformer: the checksum of its weights as loaded (`ModelIntegrity.checksum`),
    /// which every saved model records, so loading it later refuses a changed folder.
    var frozenTransformerChecksum: String? {
        model.encoder.frozenStore.map(ModelIntegrity.checksum(of:))
    }
}
