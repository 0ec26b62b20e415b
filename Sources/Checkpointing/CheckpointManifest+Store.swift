import Autodiff

extension CheckpointManifest.Tensor {
    /// The tensor table of `store`: every parameter's name, shape and offset, in layout order.
    public static func table(of store: ParameterStore) -> [CheckpointManifest.Tensor] {
        store.parameters.map { .init(name: $0.name, shape: $0.shape.dims, offset: $0.offset) }
    }
}
