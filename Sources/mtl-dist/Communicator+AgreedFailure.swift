import ArgumentParser
import Collective
import Foundation
import TextIO

extension Communicator {
    /// Ends a command whose failure every rank has agreed on (`agreeOnFailure`): rank 0 prints
    /// `error` as `MTLDist.main` would (nothing for a closed output pipe, whose status is 141), then all ranks meet at a barrier, and the returned exit
    /// code (rank 0's for `error`, 1 elsewhere) is thrown. mpirun ends the whole job as soon as one
    /// rank exits non-zero, so without the barrier a rank that exits first can get rank 0 killed
    /// before its message is out (seen 1 run in 15 on a busy 2-core machine).
    func exitTogether(after error: Error) -> ExitCode {
        // a reader that went away is a quiet stop (status 141), as for one process
        let brokenPipe = (error as? OutputError)?.isBrokenPipe == true
        if isRoot && !brokenPipe { try? TextWriter.standardError.writeLine(MTLDist.runMessage(for: error)) }
        try? barrier()
        guard isRoot else { return .failure }
        return brokenPipe ? ExitCode(TextWriter.brokenPipeExitStatus) : MTLDist.exitCode(for: error)
    }
}
