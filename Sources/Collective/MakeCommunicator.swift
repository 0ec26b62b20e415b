/// The communicator a process should use: an `MPICommunicator` when an MPI starter launched it
/// (`MPICommunicator.isLaunchedByMPI(environment:)`), otherwise a `SingleProcessCommunicator`,
/// so `mtl-dist train` runs as one process without `mpirun`. The caller finalizes it at exit.
/// Before `MPI_Init`, some of OpenMPI's defaults are changed where the user chose nothing
/// (`OpenMPIDefaults`).
/// `environment` is the process environment, read by the CLI (`ProcessInfo.processInfo.environment`).
public func makeCommunicator(environment: [String: String]) throws -> any Communicator {
    if MPICommunicator.isLaunchedByMPI(environment: environment) {
        OpenMPIDefaults.applyBeforeInit(environment: environment)
        defer { OpenMPIDefaults.removeRulesFile() }
        return try MPICommunicator.initialize()
    }
    return SingleProcessCommunicator()
}
