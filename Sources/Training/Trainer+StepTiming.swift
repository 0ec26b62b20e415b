
extension Trainer {
    /// Where one step's time went, in seconds.
    public struct StepTiming {
        /// Building the batch, the forward pass and recording the tape.
        public var forward: Double = 0
        /// Back-propagation (without the communicator calls made during it).
        public var backward: Double = 0
        /// Summing gradients over the ranks after backward: the whole sum when it is blocking; with
        /// overlap, the wait for the sums still running when backward ends (the exposed part).
        public var allReduce: Double = 0
        /// With overlap: time inside the communicator's start and progress calls during backward.
        public var allReduceInBackward: Double = 0
        /// Clipping and the optimizer update.
        public var update: Double = 0
        /// With `sharded_update` on more than one rank, the all-gather of the parameters after the
        /// update; it is part of `allReduce`, which then holds the whole exchange: reduce-scatter,
        /// norm sum and all-gather.
        public var allGather: Double = 0
        /// With overlap on more than one rank: when each bucket's sum started (bucket order), as a
        /// fraction of backward's time including the MPI calls made during it; empty otherwise.
        public var bucketReady: [Double] = []
        public var total: Double { forward + backward + allReduceInBackward + allReduce + update }

        public init(forward: Double = 0, backward: Double = 0, allReduce: Double = 0, update: Double = 0,
                    allReduceInBackward: Double = 0) {
            self.forward = forward
            self.backward = backward
            self.allReduce = allReduce
            self.update = update
            self.allReduceInBackward = allReduceInBackward
        }
    }
}
