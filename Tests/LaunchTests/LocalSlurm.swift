import Foundation
import TestSupport
import XCTest

extension XCTestCase {
    /// Starts the one-node SLURM of `launch/slurm-local.sh` unless it runs (stopping it again when
    /// the test ends if this call started it) and returns the environment SLURM's commands need
    /// (`SLURM_CONF`); throws XCTSkip, with the script's reason, where it cannot run here.
    func startLocalSlurm() throws -> [String: String] {
        let script = ProcessRun.packageRoot.appendingPathComponent("launch/slurm-local.sh")
        let environment = try runScript(script, ["env"])
        guard environment.status == 0, let conf = environment.stdout.split(separator: "=", maxSplits: 1).last else {
            XCTFail("slurm-local.sh env: \(environment)")
            return [:]
        }
        let slurmEnvironment = ["SLURM_CONF": conf.trimmingCharacters(in: .whitespacesAndNewlines)]
        if try runScript(script, ["status"]).status == 0 { return slurmEnvironment }
        // installing the packages on a fresh machine takes a while
        let start = try runScript(script, ["start"], timeout: 300)
        if start.status == 77 {
            throw XCTSkip(start.lines.last { $0.hasPrefix("SKIP: ") } ?? "slurm-local.sh start skipped: \(start)")
        }
        XCTAssertEqual(start.status, 0, "\(start)")
        addTeardownBlock { _ = try? runScript(script, ["stop"]) }
        return slurmEnvironment
    }
}
