import XCTest
@testable import Collective

/// When `mpirun`'s ranks skip OpenMPI's search for fabric libraries, and with which value; when
/// their TCP transport has the sender push large messages.
final class OpenMPIDefaultsTests: XCTestCase {
    /// Debian's own parameter file (/etc/openmpi/openmpi-mca-params.conf), in part.
    let debian = "# Silence this warning\nbtl_base_warn_component_unused=0\nmtl = ^ofi\nbtl = ^uct,openib,ofi\npml = ^ucx\nosc = ^ucx,pt2pt\n"

    func setting(_ environment: [String: String] = [:], devices: [String] = ["null", "shm", "pts"], verbs: [String] = [],
                 files: [String] = []) -> String? {
        OpenMPIDefaults.pml(environment: environment, devices: devices, verbsDevices: verbs, parameterFiles: files)
    }

    func testAHostWithoutAFabricExcludesCmAfterTheFilesExclusions() {
        XCTAssertEqual(setting(), "^cm")
        XCTAssertEqual(setting(files: [debian]), "^ucx,cm")
        XCTAssertEqual(setting(files: ["pml = ^ucx, cm\n"]), "^ucx,cm")
        // the user's file comes last and wins
        XCTAssertEqual(setting(files: [debian, "pml = ^v\n"]), "^v,cm")
        XCTAssertEqual(setting(["HOME": "/root", "OMPI_ALLOW_RUN_AS_ROOT": "1"], files: ["# pml = cm\n"]), "^cm")
    }

    func testAFabricDeviceLeavesOpenMPIAlone() {
        for device in ["hfi1_0", "ipath", "qib0", "cxi0", "infiniband"] {
            XCTAssertNil(setting(devices: ["null", device]), device)
        }
        XCTAssertNil(setting(verbs: ["efa_0"]))
        XCTAssertNil(setting(verbs: ["mlx5_0"]))
    }

    func testAChoiceOfTheUsersLeavesOpenMPIAlone() {
        XCTAssertNil(setting(["OMPI_MCA_pml": "ob1"]))
        XCTAssertNil(setting(["OMPI_MCA_mtl": "psm2"]))
        XCTAssertNil(setting(["OMPI_MCA_pml_ucx_tls": "any"]))
        XCTAssertNil(setting(["OMPI_MCA_mca_base_param_files": "/opt/site.conf"]))
        XCTAssertNil(setting(files: ["pml = cm\n"]))
        XCTAssertNil(setting(files: [debian, "mtl = psm2\n"]))
        XCTAssertNil(setting(files: ["mtl_ofi_provider_include = efa\n"]))
        XCTAssertNil(setting(files: ["pml\n"]))
    }

    func testTheTCPFlagsLoseThePutUnlessTheUserSetThem() {
        XCTAssertEqual(OpenMPIDefaults.tcpFlags(environment: [:], parameterFiles: [debian]), "send,inplace,need-ack,need-csum")
        XCTAssertEqual(OpenMPIDefaults.tcpFlags(environment: ["OMPI_MCA_btl": "vader,tcp,self"], parameterFiles: []),
                       "send,inplace,need-ack,need-csum")
        XCTAssertNil(OpenMPIDefaults.tcpFlags(environment: ["OMPI_MCA_btl_tcp_flags": "send,put"], parameterFiles: []))
        XCTAssertNil(OpenMPIDefaults.tcpFlags(environment: ["OMPI_MCA_mca_base_param_files": "/opt/site.conf"], parameterFiles: []))
        XCTAssertNil(OpenMPIDefaults.tcpFlags(environment: [:], parameterFiles: [debian, " btl_tcp_flags = send\n"]))
        XCTAssertEqual(OpenMPIDefaults.tcpFlags(environment: [:], parameterFiles: ["# btl_tcp_flags = send\nbtl_tcp_links = 2\n"]),
                       "send,inplace,need-ack,need-csum")
    }

    func testTheNonBlockingAllReduceIsARingUnlessTheUserChose() {
        XCTAssertEqual(OpenMPIDefaults.nonBlockingAllReduceAlgorithm(environment: [:], parameterFiles: [debian]), "1")
        XCTAssertNil(OpenMPIDefaults.nonBlockingAllReduceAlgorithm(environment: ["OMPI_MCA_coll_libnbc_iallreduce_algorithm": "2"],
                                                                   parameterFiles: []))
        XCTAssertNil(OpenMPIDefaults.nonBlockingAllReduceAlgorithm(environment: [:], parameterFiles: ["coll_libnbc_iallreduce_algorithm = 0\n"]))
        XCTAssertEqual(OpenMPIDefaults.nonBlockingAllReduceAlgorithm(environment: [:], parameterFiles: ["#coll_libnbc_iallreduce_algorithm = 0\n"]), "1")
    }

    func testTheRulesApplyOnlyToRanksAcrossHostsAndNothingOfTheUsersTuned() {
        let across = ["OMPI_COMM_WORLD_SIZE": "8", "OMPI_COMM_WORLD_LOCAL_SIZE": "1"]
        XCTAssertTrue(OpenMPIDefaults.wantsAllReduceRules(environment: across, parameterFiles: [debian]))
        // one host, or sizes missing or malformed
        XCTAssertFalse(OpenMPIDefaults.wantsAllReduceRules(environment: ["OMPI_COMM_WORLD_SIZE": "8", "OMPI_COMM_WORLD_LOCAL_SIZE": "8"],
                                                           parameterFiles: []))
        XCTAssertFalse(OpenMPIDefaults.wantsAllReduceRules(environment: ["OMPI_COMM_WORLD_SIZE": "8"], parameterFiles: []))
        XCTAssertFalse(OpenMPIDefaults.wantsAllReduceRules(environment: ["OMPI_COMM_WORLD_SIZE": "8", "OMPI_COMM_WORLD_LOCAL_SIZE": "0"],
                                                           parameterFiles: []))
        XCTAssertFalse(OpenMPIDefaults.wantsAllReduceRules(environment: ["OMPI_COMM_WORLD_SIZE": "x", "OMPI_COMM_WORLD_LOCAL_SIZE": "1"],
                                                           parameterFiles: []))
        // any choice of the user's about coll/tuned
        XCTAssertFalse(OpenMPIDefaults.wantsAllReduceRules(environment: across.merging(["OMPI_MCA_coll_tuned_bcast_algorithm": "1"]) { a, _ in a },
                                                           parameterFiles: []))
        XCTAssertFalse(OpenMPIDefaults.wantsAllReduceRules(environment: across, parameterFiles: ["coll_tuned_use_dynamic_rules = 1\n"]))
        XCTAssertFalse(OpenMPIDefaults.wantsAllReduceRules(environment: across.merging(["OMPI_MCA_mca_base_param_files": "/x"]) { a, _ in a },
                                                           parameterFiles: []))
    }

    /// The rules file read as OpenMPI 4.1's `coll_tuned_dynamic_file.c` reads it (integers, `#`
    /// to the end of the line) and looked up as `coll_tuned_dynamic_rules.c` does (the largest
    /// communicator size not above the ranks, else the first; the largest message size not above
    /// the bytes): the algorithm each all-reduce gets.
    func testTheRulesMakeLargeAllReducesOnThreeOrMoreRanksRings() throws {
        var numbers: [Int] = []
        for line in OpenMPIDefaults.allReduceRules().split(separator: "\n") {
            let text = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            numbers += text.split(separator: " ").map { Int($0) ?? -1 }
        }
        XCTAssertFalse(numbers.contains(-1))
        var at = 0
        func next() -> Int { defer { at += 1 }; return at < numbers.count ? numbers[at] : -1 }
        XCTAssertEqual(next(), 2, "two collectives")
        var rules: [Int: [(ranks: Int, messages: [(bytes: Int, algorithm: Int)])]] = [:]
        for _ in 0..<2 {
            let collective = next()
            var communicators: [(ranks: Int, messages: [(bytes: Int, algorithm: Int)])] = []
            for _ in 0..<next() {
            let ranks = next()
            var messages: [(bytes: Int, algorithm: Int)] = []
            for _ in 0..<next() {
                let bytes = next(), algorithm = next()
                XCTAssertEqual(next(), 0)
                XCTAssertEqual(next(), 0)
                messages.append((bytes, algorithm))
            }
            XCTAssertEqual(messages.first?.bytes, 0, "every communicator size starts at 0 bytes")
            communicators.append((ranks, messages))
            }
            XCTAssertEqual(communicators.map(\.ranks), communicators.map(\.ranks).sorted())
            rules[collective] = communicators
        }
        XCTAssertEqual(at, numbers.count)
        XCTAssertEqual(Set(rules.keys), [1, 2], "all-gather-v and all-reduce")
        func algorithm(_ collective: Int = 2, ranks: Int, bytes: Int) -> Int {
            guard let communicators = rules[collective], let first = communicators.first else { return -1 }
            let rule = communicators.last { $0.ranks <= ranks } ?? first
            return rule.messages.last { $0.bytes <= bytes }?.algorithm ?? 0
        }
        // the all-gather-v by bytes per rank: the ring (3) from 64 KiB on 3 ranks and more
        XCTAssertEqual(algorithm(1, ranks: 2, bytes: 1 << 24), 0)
        XCTAssertEqual(algorithm(1, ranks: 4, bytes: 65536 - 4), 0)
        XCTAssertEqual(algorithm(1, ranks: 4, bytes: 65536), 3)
        XCTAssertEqual(algorithm(1, ranks: 4096, bytes: 1 << 20), 3)
        for ranks in [1, 2] { XCTAssertEqual(algorithm(ranks: ranks, bytes: 1 << 30), 0) }
        for ranks in [3, 8, 31] {
            XCTAssertEqual(algorithm(ranks: ranks, bytes: (1 << 20) - 4), 0)
            XCTAssertEqual(algorithm(ranks: ranks, bytes: 1 << 20), 4)
        }
        XCTAssertEqual(algorithm(ranks: 64, bytes: 4 << 20 - 4), 0)
        XCTAssertEqual(algorithm(ranks: 64, bytes: 4 << 20), 4)
        // 1,000 ranks take the rule of 512
        XCTAssertEqual(algorithm(ranks: 1000, bytes: 512 * 65536 - 4), 0)
        XCTAssertEqual(algorithm(ranks: 1000, bytes: 512 * 65536), 4)
        XCTAssertEqual(algorithm(ranks: 1024, bytes: 1024 * 65536 - 4), 0)
        XCTAssertEqual(algorithm(ranks: 1024, bytes: 1024 * 65536), 4)
        XCTAssertEqual(algorithm(ranks: 1 << 20, bytes: 1 << 30), 0)
        XCTAssertEqual(algorithm(ranks: 1 << 20, bytes: (1 << 16) * (1 << 16)), 4)
    }

    func testANewFileIsWrittenWholeUnderAUniqueName() throws {
        let folder = FileManager.default.temporaryDirectory.path
        let a = try XCTUnwrap(OpenMPIDefaults.writeNewFile(in: folder, prefix: "mtl-dist-test-", text: "1 2\n"))
        let b = try XCTUnwrap(OpenMPIDefaults.writeNewFile(in: folder, prefix: "mtl-dist-test-", text: "3\n"))
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(try String(contentsOfFile: a, encoding: .utf8), "1 2\n")
        XCTAssertNil(OpenMPIDefaults.writeNewFile(in: "/nonexistent-folder-of-mtl-dist", prefix: "x-", text: "1"))
    }

    func testRanksThatDisagreeOnTheRulesStopWithTheFix() {
        XCTAssertNil(OpenMPIDefaults.rulesDisagreement(ranksWithRules: 0, worldSize: 8))
        XCTAssertNil(OpenMPIDefaults.rulesDisagreement(ranksWithRules: 8, worldSize: 8))
        let error = OpenMPIDefaults.rulesDisagreement(ranksWithRules: 7, worldSize: 8)
        XCTAssertEqual(error, .collectiveRulesDiffer(ranksWithRules: 7, worldSize: 8))
        XCTAssertTrue(error?.description.contains("only 7 of 8 ranks") == true, "\(String(describing: error))")
        XCTAssertTrue(error?.description.contains("MTL_DIST_OPENMPI_DEFAULTS=off") == true)
    }
}
