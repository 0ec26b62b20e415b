import Collective
import XCTest

/// In-process tests of the rank logic: `SingleProcessCommunicator`, the mean, and
/// `agreeOnFailure`, on W threads through `ThreadedCommunicator` (the bucketed sums are in
/// `GradientBucketsTests`). No MPI call runs here.
final class CommunicatorTests: XCTestCase {
    func testSingleProcessCollectivesAreTheIdentity() throws {
        let comm = SingleProcessCommunicator()
        XCTAssertEqual(comm.rank, 0)
        XCTAssertEqual(comm.worldSize, 1)
        XCTAssertTrue(comm.isRoot)
        var f: [Float] = [0.1, -2, 3e7]
        var d: [Double] = [0.1, -2]
        var bytes: [UInt8] = [1, 2, 3]
        try f.withUnsafeMutableBufferPointer { try comm.allReduceSum($0) }
        try f.withUnsafeMutableBufferPointer { try comm.broadcast($0, root: 0) }
        let buckets = try GradientBuckets(parameters: [0 ..< 1, 1 ..< 3], bucketElements: 2)
        try f.withUnsafeMutableBufferPointer { try comm.allReduceMean($0, buckets: buckets) }
        try d.withUnsafeMutableBufferPointer { try comm.allReduceSum($0) }
        try d.withUnsafeMutableBufferPointer { try comm.allReduceMax($0) }
        try bytes.withUnsafeMutableBytes { try comm.broadcast(bytes: $0, root: 0) }
        try comm.barrier()
        XCTAssertEqual(f, [0.1, -2, 3e7], "one rank: sum, broadcast and mean leave values bit-identical")
        XCTAssertEqual(d, [0.1, -2])
        XCTAssertEqual(bytes, [1, 2, 3])
        XCTAssertEqual(try comm.sum([1.5, 2]), [1.5, 2])
    }

    func testSingleProcessNonBlockingSumCompletesAtOnce() throws {
        let comm = SingleProcessCommunicator()
        var f: [Float] = [0.1, -2, 3e7]
        var empty: [Float] = []
        let a = try f.withUnsafeMutableBufferPointer { try comm.startAllReduceSum($0) }
        let b = try empty.withUnsafeMutableBufferPointer { try comm.startAllReduceSum($0) }
        XCTAssertNotEqual(a, b, "each request is its own")
        try comm.progress()
        try comm.wait([b, a])
        try comm.wait([a])
        XCTAssertEqual(f, [0.1, -2, 3e7])
        try comm.finalize()
        XCTAssertThrowsError(try f.withUnsafeMutableBufferPointer { try comm.startAllReduceSum($0) }) {
            XCTAssertEqual($0 as? CollectiveError, .finalized(operation: "startAllReduceSum"))
        }
        XCTAssertThrowsError(try comm.wait([a])) { XCTAssertEqual($0 as? CollectiveError, .finalized(operation: "wait")) }
        XCTAssertThrowsError(try comm.progress()) { XCTAssertEqual($0 as? CollectiveError, .finalized(operation: "progress")) }
    }

    func testSingleProcessRejectsOtherRootsAndUseAfterFinalize() throws {
        let comm = SingleProcessCommunicator()
        var f: [Float] = [1]
        XCTAssertThrowsError(try f.withUnsafeMutableBufferPointer { try comm.broadcast($0, root: 1) }) {
            XCTAssertEqual($0 as? CollectiveError, .invalidRoot(operation: "broadcast", root: 1, worldSize: 1))
        }
        try comm.finalize()
        try comm.finalize()
        XCTAssertThrowsError(try comm.barrier()) {
            XCTAssertEqual($0 as? CollectiveError, .finalized(operation: "barrier"))
        }
    }

    func testSingleProcessAgreesOnItsOwnFailure() throws {
        let comm = SingleProcessCommunicator()
        XCTAssertNil(try comm.agreeOnFailure(nil))
        let agreed = try XCTUnwrap(try comm.agreeOnFailure("config: bad key"))
        XCTAssertEqual(agreed.rank, 0)
        XCTAssertEqual(agreed.message, "config: bad key")
    }

    // x_r[i] = 2r + i on W = 4  ⇒  mean = 3 + i (1/4 is exact)
    func testMeanIsSumTimesInverseWorldSize() throws {
        let results = try XCTUnwrap(ThreadGroup.run(worldSize: 4) { comm -> [Float] in
            var x = (0..<5).map { Float(2 * comm.rank + $0) }
            let buckets = try GradientBuckets(parameters: [0 ..< 2, 2 ..< 5], bucketElements: 2)
            try x.withUnsafeMutableBufferPointer { try comm.allReduceMean($0, buckets: buckets) }
            return x
        })
        for result in results { XCTAssertEqual(try result.get(), [3, 4, 5, 6, 7]) }
    }

    func testAgreeOnFailureOnEveryRank() throws {
        let long = String(repeating: "déjà vu ✗ ", count: 10_000)
        // (failing ranks and their messages, expected agreement)
        let cases: [([Int: String], (rank: Int, message: String)?)] = [
            ([:], nil),
            ([2: "rank 2: train.conll:7: expected 4 columns, found 3"],
             (2, "rank 2: train.conll:7: expected 4 columns, found 3")),
            ([3: "three", 1: "one"], (1, "one")),
            ([0: "zero", 3: "three"], (0, "zero")),
            ([3: long], (3, long)),
            ([1: ""], (1, "")),
        ]
        for (failures, expected) in cases {
            let results = try XCTUnwrap(ThreadGroup.run(worldSize: 4) { comm in
                try comm.agreeOnFailure(failures[comm.rank])
            }, "failures on ranks \(failures.keys.sorted()): ranks hung")
            for (rank, result) in results.enumerated() {
                let agreed = try result.get()
                XCTAssertEqual(agreed?.rank, expected?.rank, "rank \(rank), failing \(failures.keys.sorted())")
                XCTAssertEqual(agreed?.message, expected?.message, "rank \(rank), failing \(failures.keys.sorted())")
            }
        }
    }

    func testThreadedCommunicatorCatchesRanksOutOfStep() throws {
        let results = try XCTUnwrap(ThreadGroup.run(worldSize: 2) { comm in
            if comm.rank == 0 { try comm.barrier() } else { _ = try comm.sum([1]) }
        })
        for result in results { XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is ThreadGroup.Mismatch) } }
    }

    func testLaunchDetectionReadsOnlyStarterVariables() {
        XCTAssertFalse(MPICommunicator.isLaunchedByMPI(environment: [:]))
        XCTAssertFalse(MPICommunicator.isLaunchedByMPI(environment: ["SLURM_PROCID": "0", "HOME": "/root"]),
                       "a SLURM batch shell is not an MPI rank")
        for key in ["OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "PMI_SIZE",
                    "MV2_COMM_WORLD_SIZE"] {
            XCTAssertTrue(MPICommunicator.isLaunchedByMPI(environment: [key: "0"]), key)
        }
    }

    func testWithoutStarterTheCommunicatorIsSingleProcess() throws {
        let comm = try makeCommunicator(environment: ["PATH": "/usr/bin"])
        XCTAssertTrue(comm is SingleProcessCommunicator)
        try comm.finalize()
    }

    func testErrorMessagesSayWhatAndWhere() {
        let mpi = CollectiveError.mpi(operation: "MPI_Bcast(MPI_FLOAT, count: 1, root: 2)", code: 8,
                                      message: "MPI_ERR_ROOT: invalid root")
        XCTAssertEqual(mpi.description, "MPI_Bcast(MPI_FLOAT, count: 1, root: 2) failed with MPI error 8: "
            + "MPI_ERR_ROOT: invalid root (every rank must call the same collectives with the same counts and roots)")
        XCTAssertTrue(CollectiveError.alreadyInitialized(finalized: true).description.contains("already finalized"))
        XCTAssertTrue(CollectiveError.finalized(operation: "MPI_Barrier").description.hasPrefix("MPI_Barrier called after finalize()"))
        XCTAssertEqual(CollectiveError.invalidRoot(operation: "broadcast", root: 3, worldSize: 2).description,
                       "broadcast: root 3 is not a rank, expected 0..<2")
        XCTAssertEqual(CollectiveError.invalidBucketSize(0).description,
                       "all-reduce bucket size 0 is invalid, expected at least 1 element")
    }
}
