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
}
