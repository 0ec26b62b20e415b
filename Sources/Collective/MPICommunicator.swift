import CMPI
import Foundation

/// A `Communicator` over MPI's `COMM_WORLD`: one process per rank, started by `mpirun` or `srun`.
///
/// Life cycle: `initialize()` once per process (`MPI_Init_thread`), any number of collectives,
/// then `finalize()` once on every rank (`MPI_Finalize`). MPI cannot be initialised again in the
/// same process, so tests start the built binary under `mpirun` rather than calling this in-process.
///
/// Errors: `COMM_WORLD`'s error handler is set to `MPI_ERRORS_RETURN`, so a failing MPI call
/// returns a code, which is thrown as `CollectiveError.mpi` with `MPI_Error_string`'s text. Roots
/// and counts are checked by MPI itself (`mpi_param_check`, on by default in OpenMPI). Only a
/// failure inside `MPI_Init_thread` still aborts: no error handler exists before it returns.
///
/// Threads: MPI moves a non-blocking sum's bytes only inside MPI calls, so while the caller
/// computes for tens of milliseconds between calls (one GEMM of a transformer's backward), a sum
/// over TCP stalls once its socket buffers are full: a 16 MiB sum between two hosts at 1 Gbit/s
/// took 316–350 ms behind 27 ms GEMMs against 140–150 ms alone (BENCHMARKS.md, 2026-12-07). A
/// progress thread therefore tests the outstanding sums every `progressMicroseconds` while any is
/// outstanding, and sleeps otherwise (PyTorch DDP and Horovod run their exchanges on threads of
/// their own too). MPI runs at `MPI_THREAD_SERIALIZED`: every MPI call of the process, on either
/// thread, is made under one lock (`locked`). `MTL_DIST_PROGRESS_THREAD=off`, or an MPI that does
/// not provide that level, leaves the progress to the caller's calls (`progress()`), as before.
/// MPI is called from this file and `SharedWindow` only, always through `call` or under `locked`.
public final class MPICommunicator: Communicator {
    /// This process's rank in `COMM_WORLD`, in `0..<worldSize`.
    public let rank: Int
    /// Number of processes in `COMM_WORLD`.
    public let worldSize: Int
    private let world: MPI_Comm?
    private var isFinalized = false
    /// Handles of the started non-blocking calls not yet waited for, `MPI_REQUEST_NULL` once
    /// complete; emptied when nothing is outstanding. Under `serial`.
    private var requests: [MPI_Request?] = []
    /// The slots of `requests` of each outstanding `CollectiveRequest` (several MPI calls when a
    /// buffer exceeds `maxCount`). Under `serial`.
    private var outstanding: [Int: Range<Int>] = [:]
    private var startedRequests = 0
    /// How to free each shared window made (`makeSharedSum`, `makeSharedCounter`), called before
    /// MPI is finalised.
    private var sharedWindows: [() throws -> Void] = []

    /// The lock of every MPI call of this process, and the progress thread's wake-up (MPI is one
    /// per process, so is its lock).
    private static let serial = NSCondition()
    /// How often the progress thread tests the outstanding sums: 1 ms is 1.25 MB at 10 Gbit/s,
    /// less than a socket buffer holds. Every 200 µs slowed a MiniLM backward beside it by about
    /// 30 ms more and moved the sums no faster (BENCHMARKS.md, 2026-12-07).
    public static let progressMicroseconds = 1000
    /// Whether the progress thread runs (MPI provided `MPI_THREAD_SERIALIZED` and it was not
    /// switched off); it starts with the first non-blocking sum.
    public let testsInBackground: Bool
    private var progressThreadStarted = false
    /// Under `serial`: the progress thread is to end (`finalize`), ended.
    private var progressStopping = false
    private let progressEnded = DispatchSemaphore(value: 0)
    /// Under `serial`: the last `MPI_Testall` found every outstanding request complete (no test is
    /// needed until another starts).
    private var requestsComplete = true
    /// Under `serial`: sums started and not yet found complete by a test or a wait.
    private var sumsInFlight: Bool { !requests.isEmpty && !requestsComplete }
    /// Under `serial`: the progress thread's failed test, thrown by the caller's next `progress()`
    /// or `wait(_:)`.
    private var progressError: Error? = nil
    /// Under `serial`: tests the progress thread made (reported by `backgroundTests`).
    private var backgroundTestCount = 0

    /// The largest element count one MPI call takes (`count` is a C `int`); longer buffers are
    /// reduced or broadcast in several calls.
    private static let maxCount = Int(Int32.max)

    private init(rank: Int, worldSize: Int, world: MPI_Comm?, testsInBackground: Bool) {
        self.rank = rank
        self.worldSize = worldSize
        self.world = world
        self.testsInBackground = testsInBackground
    }

    /// Initialises MPI (`MPI_Init_thread`, requesting `MPI_THREAD_SERIALIZED` for the progress
    /// thread, or `MPI_THREAD_FUNNELED` when `progressThread` is false: BLAS threads never call
    /// MPI), makes `COMM_WORLD` return error codes, and reads rank and size. Throws
    /// `CollectiveError.alreadyInitialized` if MPI was initialised or finalised in this process
    /// before, `CollectiveError.mpi` when a call fails.
    public static func initialize(progressThread: Bool = true) throws -> MPICommunicator {
        var initialized: Int32 = 0
        var finalized: Int32 = 0
        try call(MPI_Initialized(&initialized), "MPI_Initialized")
        try call(MPI_Finalized(&finalized), "MPI_Finalized")
        guard initialized == 0, finalized == 0 else {
            throw CollectiveError.alreadyInitialized(finalized: finalized != 0)
        }
        let level = progressThread ? cmpi_thread_serialized() : cmpi_thread_funneled()
        var provided: Int32 = 0
        try call(MPI_Init_thread(nil, nil, level, &provided), "MPI_Init_thread")
        let world = cmpi_comm_world()
        try call(MPI_Comm_set_errhandler(world, cmpi_errors_return()), "MPI_Comm_set_errhandler(MPI_ERRORS_RETURN)")
        var rank: Int32 = 0
        var size: Int32 = 0
        try call(MPI_Comm_rank(world, &rank), "MPI_Comm_rank")
        try call(MPI_Comm_size(world, &size), "MPI_Comm_size")
        return MPICommunicator(rank: Int(rank), worldSize: Int(size), world: world,
                               testsInBackground: progressThread && provided >= cmpi_thread_serialized())
    }

    /// `progressMicroseconds` when the progress thread advances started sums, else nil.
    public var progressThreadMicroseconds: Int? { testsInBackground ? Self.progressMicroseconds : nil }

    /// Tests the progress thread has made so far (0 when it does not run).
    public var backgroundTests: Int { Self.locked { backgroundTestCount } }

    /// True when the process environment shows a launch by an MPI starter: OpenMPI's `mpirun`
    /// (`OMPI_COMM_WORLD_SIZE`/`_RANK`), a PMIx starter such as `srun --mpi=pmix` (`PMIX_RANK`),
    /// MPICH/Intel MPI `mpiexec` or `srun --mpi=pmi2` (`PMI_RANK`/`PMI_SIZE`), MVAPICH
    /// (`MV2_COMM_WORLD_SIZE`). `SLURM_PROCID` alone does not count: a batch script's own shell
    /// has it without being an MPI rank. Pass `ProcessInfo.processInfo.environment` from the CLI.
    public static func isLaunchedByMPI(environment: [String: String]) -> Bool {
        let markers = ["OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMIX_RANK",
                       "PMI_RANK", "PMI_SIZE", "MV2_COMM_WORLD_SIZE"]
        return markers.contains { environment[$0] != nil }
    }

    /// `MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, COMM_WORLD)`.
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        try allReduce(UnsafeMutableRawPointer(buffer.baseAddress), count: buffer.count,
                      elementSize: MemoryLayout<Float>.stride, type: cmpi_float(), op: cmpi_sum(),
                      name: "MPI_FLOAT, MPI_SUM")
    }

    /// `MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_DOUBLE, MPI_SUM, COMM_WORLD)`.
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        try allReduce(UnsafeMutableRawPointer(buffer.baseAddress), count: buffer.count,
                      elementSize: MemoryLayout<Double>.stride, type: cmpi_double(), op: cmpi_sum(),
                      name: "MPI_DOUBLE, MPI_SUM")
    }

    /// `MPI_Iallreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, COMM_WORLD, &request)`;
    /// an empty buffer completes at once. Wakes the progress thread (starting it the first time).
    public func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> CollectiveRequest {
        try checkOpen("MPI_Iallreduce(MPI_FLOAT, MPI_SUM)")
        return try Self.locked {
            let first = requests.count
            if let base = buffer.baseAddress {
                var start = 0
                while start < buffer.count {
                    let n = min(Self.maxCount, buffer.count - start)
                    var request: MPI_Request? = cmpi_request_null()
                    // buffer[start ..< start+n] = Σ_r buffer_r[start ..< start+n], in place, once waited for
                    try Self.check(MPI_Iallreduce(UnsafeRawPointer(cmpi_in_place()), base + start, Int32(n),
                                                  cmpi_float(), cmpi_sum(), world, &request),
                                   "MPI_Iallreduce(MPI_IN_PLACE, MPI_FLOAT, MPI_SUM, count: \(n))")
                    requests.append(request)
                    requestsComplete = false
                    start += n
                }
            }
            let id = startedRequests
            startedRequests += 1
            outstanding[id] = first ..< requests.count
            if testsInBackground && sumsInFlight {
                if !progressThreadStarted { startProgressThread() }
                Self.serial.signal()
            }
            return CollectiveRequest(id: id)
        }
    }

    /// `MPI_Testall` over the outstanding requests: advances them, and retires them all when all
    /// have completed. Throws what the progress thread's last test failed with, if it did.
    public func progress() throws {
        try checkOpen("MPI_Testall")
        try Self.locked {
            try throwProgressError()
            guard sumsInFlight else { return }
            try testAll()
        }
    }

    /// `MPI_Waitall` over the MPI requests of `requests`.
    public func wait(_ requests: [CollectiveRequest]) throws {
        try checkOpen("MPI_Waitall")
        try Self.locked {
            try throwProgressError()
            let slots = requests.compactMap { outstanding[$0.id] }.flatMap { $0 }
            guard !slots.isEmpty else { return }
            var handles = slots.map { self.requests[$0] }
            try Self.check(MPI_Waitall(Int32(handles.count), &handles, cmpi_statuses_ignore()),
                           "MPI_Waitall(count: \(handles.count))")
            for (slot, handle) in zip(slots, handles) { self.requests[slot] = handle }
            for r in requests { outstanding[r.id] = nil }
            if outstanding.isEmpty {
                self.requests.removeAll(keepingCapacity: true)
                requestsComplete = true
            }
        }
    }

    // MARK: - The progress thread (everything here under `serial`)

    /// `MPI_Testall` over every outstanding request; notes when all are complete.
    private func testAll() throws {
        var flag: Int32 = 0
        try Self.check(MPI_Testall(Int32(requests.count), &requests, &flag, cmpi_statuses_ignore()),
                       "MPI_Testall(count: \(requests.count))")
        if flag != 0 { requestsComplete = true }
    }

    private func throwProgressError() throws {
        guard let error = progressError else { return }
        progressError = nil
        throw error
    }

    private func startProgressThread() {
        progressThreadStarted = true
        // holds the communicator until `finalize()` ends it
        let thread = Thread { self.runProgressThread() }
        thread.name = "mtl-dist MPI progress"
        thread.start()
    }

    /// Sleeps while no sum is outstanding; otherwise tests the outstanding sums every
    /// `progressMicroseconds`, the lock released in between, until `finalize()`.
    private func runProgressThread() {
        Self.serial.lock()
        while !progressStopping {
            guard sumsInFlight, progressError == nil else {
                Self.serial.wait()
                continue
            }
            Self.serial.unlock()
            usleep(useconds_t(Self.progressMicroseconds))
            Self.serial.lock()
            guard !progressStopping, sumsInFlight, progressError == nil else { continue }
            do {
                try testAll()
                backgroundTestCount += 1
            } catch {
                progressError = error
            }
        }
        Self.serial.unlock()
        progressEnded.signal()
    }

    /// Ends the progress thread, if it runs, and waits until it has.
    private func stopProgressThread() {
        guard progressThreadStarted else { return }
        Self.locked {
            progressStopping = true
            Self.serial.signal()
        }
        progressEnded.wait()
        progressThreadStarted = false
    }

    /// `MPI_Reduce_scatter(MPI_IN_PLACE, buffer, counts, MPI_FLOAT, MPI_SUM, COMM_WORLD)` with rank
    /// r's count `shardRange(total: buffer.count, rank: r, worldSize: worldSize).count` (in place, MPI
    /// takes the input from the buffer and stores the rank's result at its front). Throws
    /// `CollectiveError.bufferTooLarge` for a buffer beyond `Int32.max` floats.
    public func reduceScatterSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        let operation = "MPI_Reduce_scatter(MPI_IN_PLACE, MPI_FLOAT, MPI_SUM, count: \(buffer.count))"
        try checkOpen(operation)
        let (counts, _) = try sliceLayout(buffer.count, operation)
        // an empty buffer still runs: every rank takes part in every collective
        try Self.call(MPI_Reduce_scatter(UnsafeRawPointer(cmpi_in_place()), UnsafeMutableRawPointer(buffer.baseAddress),
                                          counts, cmpi_float(), cmpi_sum(), world), operation)
    }

    /// `MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_FLOAT, buffer, counts, displacements, MPI_FLOAT,
    /// COMM_WORLD)` with rank r's slice `shardRange(total: buffer.count, rank: r, worldSize:
    /// worldSize)`. Throws `CollectiveError.bufferTooLarge` for a buffer beyond `Int32.max` floats.
    public func allGather(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        let operation = "MPI_Allgatherv(MPI_IN_PLACE, MPI_FLOAT, count: \(buffer.count))"
        try checkOpen(operation)
        let (counts, displacements) = try sliceLayout(buffer.count, operation)
        try Self.call(MPI_Allgatherv(UnsafeRawPointer(cmpi_in_place()), 0, cmpi_float(), UnsafeMutableRawPointer(buffer.baseAddress),
                                      counts, displacements, cmpi_float(), world), operation)
    }

    /// Every rank's count and first element in a buffer of `total` floats (`shardRange`), as the
    /// C ints MPI takes.
    private func sliceLayout(_ total: Int, _ operation: String) throws -> (counts: [Int32], displacements: [Int32]) {
        guard total <= Self.maxCount else {
            throw CollectiveError.bufferTooLarge(operation: operation, count: total, limit: Self.maxCount)
        }
        let slices = (0..<worldSize).map { shardRange(total: total, rank: $0, worldSize: worldSize) }
        return (slices.map { Int32($0.count) }, slices.map { Int32($0.lowerBound) })
    }

    /// `MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_DOUBLE, MPI_MAX, COMM_WORLD)`.
    public func allReduceMax(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        try allReduce(UnsafeMutableRawPointer(buffer.baseAddress), count: buffer.count,
                      elementSize: MemoryLayout<Double>.stride, type: cmpi_double(), op: cmpi_max(),
                      name: "MPI_DOUBLE, MPI_MAX")
    }

    /// `MPI_Bcast(buffer, count, MPI_FLOAT, root, COMM_WORLD)`.
    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws {
        try broadcast(UnsafeMutableRawPointer(buffer.baseAddress), count: buffer.count,
                      elementSize: MemoryLayout<Float>.stride, type: cmpi_float(), name: "MPI_FLOAT", root: root)
    }

    /// `MPI_Bcast(bytes, count, MPI_BYTE, root, COMM_WORLD)`.
    public func broadcast(bytes: UnsafeMutableRawBufferPointer, root: Int) throws {
        try broadcast(bytes.baseAddress, count: bytes.count, elementSize: 1, type: cmpi_byte(),
                      name: "MPI_BYTE", root: root)
    }

    /// `MPI_Barrier(COMM_WORLD)`.
    public func barrier() throws {
        try checkOpen("MPI_Barrier")
        try Self.call(MPI_Barrier(world), "MPI_Barrier")
    }

    /// `MPI_Finalize()`: collective, every rank calls it once before exiting, after freeing the
    /// shared windows it made. Later collectives throw `CollectiveError.finalized`; a second
    /// call does nothing.
    public func finalize() throws {
        guard !isFinalized else { return }
        isFinalized = true
        stopProgressThread()
        for free in sharedWindows { try free() }
        sharedWindows = []
        try Self.call(MPI_Finalize(), "MPI_Finalize")
    }

    /// A `SharedSum` of `count` floats when every rank runs on this host, else nil; nil on every
    /// rank alike (the ranks agree on the host and on the allocation). Collective.
    public func makeSharedSum(count: Int) throws -> SharedSum? {
        try checkOpen("makeSharedSum")
        guard count > 0, let made = try sharedWindow(bytes: count * MemoryLayout<Float>.size) else { return nil }
        let buffers = made.pointers.map { $0.bindMemory(to: Float.self, capacity: count) }
        let mine = UnsafeMutableBufferPointer<Float>(start: buffers[rank], count: count)
        mine.update(repeating: 0)
        let shared = SharedSum(buffer: mine, buffers: buffers, window: made.window, rank: rank)
        sharedWindows.append(shared.free)
        try barrier()
        return shared
    }

    /// A `SharedCounter` at 0 when every rank runs on this host, else nil; nil on every rank alike.
    /// Collective.
    public func makeSharedCounter() throws -> SharedCounter? {
        try checkOpen("makeSharedCounter")
        // a cache line of each rank's; rank 0's first word is the counter
        guard let made = try sharedWindow(bytes: 64) else { return nil }
        let value = made.pointers[0].bindMemory(to: Int64.self, capacity: 1)
        if rank == 0 { cmpi_counter_store(value, 0) }
        let counter = SharedCounter(value: value, window: made.window)
        sharedWindows.append(counter.free)
        try barrier()
        return counter
    }

    /// An MPI-3 shared window of `bytes` bytes on every rank, locked for all, with every rank's
    /// address in rank order, when every rank of `COMM_WORLD` runs on this host; nil on every rank
    /// alike otherwise (the ranks agree on the host and on the allocation by sums). Collective.
    private func sharedWindow(bytes count: Int) throws -> (window: SharedWindow, pointers: [UnsafeMutableRawPointer])? {
        guard worldSize > 1, let bytes = MPI_Aint(exactly: count) else { return nil }
        var node: MPI_Comm? = cmpi_comm_null()
        try Self.call(MPI_Comm_split_type(world, cmpi_comm_type_shared(), Int32(rank), cmpi_info_null(), &node),
                       "MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)")
        var nodeSize: Int32 = 0
        try Self.call(MPI_Comm_size(node, &nodeSize), "MPI_Comm_size(host)")
        var base: UnsafeMutableRawPointer? = nil
        var window: MPI_Win? = nil
        // every rank on this host, or none uses it
        var allHere = [Float(nodeSize == Int32(worldSize) ? 1 : 0)]
        try allHere.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        guard allHere[0] == Float(worldSize) else {
            try Self.call(MPI_Comm_free(&node), "MPI_Comm_free(host)")
            return nil
        }
        try Self.call(MPI_Comm_set_errhandler(node, cmpi_errors_return()), "MPI_Comm_set_errhandler(host)")
        let allocated = Self.locked { MPI_Win_allocate_shared(bytes, 1, cmpi_info_null(), node, &base, &window) }
        var ok = [Float(allocated == cmpi_success() && base != nil ? 1 : 0)]
        try ok.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        guard ok[0] == Float(worldSize) else {
            if allocated == cmpi_success() { _ = Self.locked { MPI_Win_free(&window) } }
            try Self.call(MPI_Comm_free(&node), "MPI_Comm_free(host)")
            return nil
        }
        var pointers: [UnsafeMutableRawPointer] = []
        for r in 0..<worldSize {
            var size: MPI_Aint = 0
            var unit: Int32 = 0
            var pointer: UnsafeMutableRawPointer? = nil
            try Self.call(MPI_Win_shared_query(window, Int32(r), &size, &unit, &pointer), "MPI_Win_shared_query(\(r))")
            guard let pointer, size == bytes else {
                throw CollectiveError.mpi(operation: "MPI_Win_shared_query(\(r))", code: 0,
                                          message: "rank \(r)'s shared buffer holds \(size) bytes, not \(bytes)")
            }
            pointers.append(pointer)
        }
        try Self.call(MPI_Win_lock_all(cmpi_mode_nocheck(), window), "MPI_Win_lock_all")
        return (SharedWindow(window: window, node: node), pointers)
    }

    // MARK: - The funnel: every MPI call goes through `call` (or `check` inside `locked`).

    private func allReduce(_ base: UnsafeMutableRawPointer?, count: Int, elementSize: Int,
                           type: MPI_Datatype, op: MPI_Op, name: String) throws {
        try checkOpen("MPI_Allreduce(\(name))")
        guard let base, count > 0 else { return }
        var start = 0
        while start < count {
            let n = min(Self.maxCount, count - start)
            // buffer[start ..< start+n] = op_r buffer_r[start ..< start+n], in place
            try Self.call(MPI_Allreduce(UnsafeRawPointer(cmpi_in_place()), base + start * elementSize,
                                         Int32(n), type, op, world),
                           "MPI_Allreduce(MPI_IN_PLACE, \(name), count: \(n))")
            start += n
        }
    }

    private func broadcast(_ base: UnsafeMutableRawPointer?, count: Int, elementSize: Int,
                           type: MPI_Datatype, name: String, root: Int) throws {
        try checkOpen("MPI_Bcast(\(name))")
        // MPI checks the root; a root beyond Int32 could wrap into a valid rank, so it is checked here
        guard let mpiRoot = Int32(exactly: root) else {
            throw CollectiveError.invalidRoot(operation: "MPI_Bcast(\(name))", root: root, worldSize: worldSize)
        }
        // an empty broadcast still runs, so that MPI validates the root on every call
        var start = 0
        repeat {
            let n = min(Self.maxCount, count - start)
            try Self.call(MPI_Bcast(base.map { $0 + start * elementSize }, Int32(n), type, mpiRoot, world),
                           "MPI_Bcast(\(name), count: \(n), root: \(root))")
            start += n
        } while start < count
    }

    private func checkOpen(_ operation: @autoclosure () -> String) throws {
        guard !isFinalized else { throw CollectiveError.finalized(operation: operation()) }
    }

    /// Makes the MPI call `mpi` under the process's MPI lock and checks its return code.
    static func call(_ mpi: @autoclosure () -> Int32, _ operation: @autoclosure () -> String) throws {
        try locked { try check(mpi(), operation()) }
    }

    /// Runs `body` (MPI calls) under the process's MPI lock: no other thread calls MPI meanwhile.
    static func locked<T>(_ body: () throws -> T) rethrows -> T {
        serial.lock()
        defer { serial.unlock() }
        return try body()
    }

    /// Throws `CollectiveError.mpi` for a return code other than `MPI_SUCCESS`; called under the lock.
    static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws {
        guard code != cmpi_success() else { return }
        throw CollectiveError.mpi(operation: operation(), code: code, message: errorString(code))
    }

    /// `MPI_Error_string(code)`, or a fallback when MPI does not know the code.
    private static func errorString(_ code: Int32) -> String {
        var text = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
        var length: Int32 = 0
        guard MPI_Error_string(code, &text, &length) == cmpi_success() else { return "unknown MPI error code" }
        let bytes = text.prefix(max(0, min(Int(length), text.count))).map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
