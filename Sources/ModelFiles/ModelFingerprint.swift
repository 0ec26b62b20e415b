import Collective
import Foundation

/// What ranks compare before they decode together (`evaluate`, `predict` under mpirun): FNV-1a 64
/// of every parameter's bytes and of the model's description (structure and text encoder, as JSON
/// with sorted keys), so ranks that loaded different folders, or copies that differ, stop together
/// before any output instead of mixing two models' predictions.
public struct ModelFingerprint: Equatable {
    /// `parameters-description`, 2 × 16 hex digits.
    public let value: String

    /// The fingerprint of `trained`.
    public init(_ trained: TrainedModel) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var description = FNV1a64()
        description.combine(String(decoding: try encoder.encode(trained.metadata.spec), as: UTF8.self))
        description.combine(String(decoding: try encoder.encode(trained.metadata.encoder), as: UTF8.self))
        value = ModelIntegrity.checksum(of: trained.model.store) + "-" + description.hex
    }

    /// Every rank compares its fingerprint with rank 0's; when any differs every rank throws
    /// `ModelError.failedOnRank` with the `rankModelMismatch` of the lowest such rank (through `agreeOnFailure`). `model`
    /// names the folder in the message. Collective; a no-op with one rank.
    public func agree(over communicator: Communicator, model: String) throws {
        guard communicator.worldSize > 1 else { return }
        let mismatch = try communicator.disagreementWithRoot(value) { zero in
            ModelError.rankModelMismatch(rank: communicator.rank, mine: value, rankZero: zero, model: model).description
        }
        if let failure = mismatch {
            throw ModelError.failedOnRank(rank: failure.rank, message: failure.message)
        }
    }
}
