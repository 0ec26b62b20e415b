/// The communicator a process should use: an `MPICommunicator` when an MPI starter launched it
/// (`MPICommunicator.isLaunchedByMPI(environment:)`), otherwise a `SingleProcessCommunicator`,
/// so `mtl-dist train` runs as one process without `mpirun`. The caller finalizes it at exit.
/// Before `MPI_Init`, some of OpenMPI's defaults are changed where the user chose nothing
/// (`OpenMPIDefaults`); when only some ranks got the rules for rings across hosts, every rank stops
/// with `CollectiveError.collectiveRulesDiffer` before any collective of the run.
/// Started sums advance on a progress thread (`MPICommunicator`) unless `MTL_DIST_PROGRESS_THREAD`
/// is `off`. `environment` is the process environment, read by the CLI (`ProcessInfo.processInfo.environment`).
public func makeCommunicator(environment: [String: String]) throws -> any Communicator {
    if MPICommunicator.isLaunchedByMPI(environment: environment) {
        OpenMPIDefaults.applyBeforeInit(environment: environment)
        let withRules = OpenMPIDefaults.rulesFile != nil
        defer { OpenMPIDefaults.removeRulesFile() }
        let communicator = try MPICommunicator.initialize(progressThread: environment["MTL_DIST_PROGRESS_THREAD"] != "off")
        // a sum of 8 bytes runs OpenMPI's own choice on every rank, rules or not
        let ranksWithRules = try communicator.sum([withRules ? 1 : 0])[0]
        if let error = OpenMPIDefaults.rulesDisagreement(ranksWithRules: ranksWithRules, worldSize: communicator.worldSize) {
            try? communicator.finalize()
            throw error
        }
        return communicator
    }
    return SingleProcessCommunicator()
}
