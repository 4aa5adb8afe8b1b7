import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchCore
@testable import BenchGate
@testable import BenchModel
@testable import BenchReport
@testable import BenchSystem

/// Issue 25, "a known machine", the model: the children run pinned to a fixed CPU set with one NIO event loop
/// per pinned CPU, the run records both, and a baseline recorded with another CPU count is not a
/// reference for the figures that follow it.
final class ChildCPUsTests: ProcessFreeTestCase {
    func testTheDefaultIsTheFirstTwoCPUsThisProcessMayRunOn() throws {
        XCTAssertEqual(
            ChildCPUs.standard(allowed: [0, 1, 2, 3, 4, 5, 6, 7])?.cpus, [0, 1],
            "an 8-core runner gives its children 2 CPUs")
        XCTAssertEqual(ChildCPUs.standard(allowed: [6, 4, 5, 7])?.cpus, [4, 5], "a container's cpuset: its first two")
        XCTAssertEqual(ChildCPUs.standard(allowed: [3])?.cpus, [3], "fewer than two: all of them")
        XCTAssertNil(ChildCPUs.standard(allowed: nil))
        XCTAssertEqual(try ChildCPUs.resolve(nil, allowed: [0, 1, 2, 3]).cpus, [0, 1])
        XCTAssertEqual(try ChildCPUs.resolve("all", allowed: [0, 1, 2, 3]).cpus, [0, 1, 2, 3])
        // This machine: the default is what the harness itself may run on, cut to two.
        let allowed = try XCTUnwrap(ChildCPUs.allowedCPUs())
        XCTAssertEqual(ChildLimits().cpus?.cpus, Array(allowed.prefix(ChildCPUs.standardCount)))
    }

    func testCPUListsParseAsTasksetWritesThemAndAnythingElseIsAUsageError() throws {
        let allowed = Array(0..<8)
        XCTAssertEqual(try ChildCPUs.resolve("0,1", allowed: allowed).cpus, [0, 1])
        XCTAssertEqual(try ChildCPUs.resolve("2-4,0", allowed: allowed).cpus, [0, 2, 3, 4])
        XCTAssertEqual(try ChildCPUs.resolve("1,1", allowed: allowed).cpus, [1])
        XCTAssertEqual(try ChildCPUs.resolve("0-2,5", allowed: allowed).description, "0-2,5")
        for bad in ["", "a", "3-1", "0,,1", "-1", "1-", "0;1", "1.5"] {
            XCTAssertThrowsError(try ChildCPUs.resolve(bad, allowed: allowed), bad) { error in
                XCTAssertEqual((error as? BenchError)?.kind, .usage, bad)
                XCTAssertTrue("\(error)".contains("--cpus takes a CPU list"), "\(error)")
            }
        }
        // A CPU the harness may not run on: the kernel would drop it from the mask unsaid.
        XCTAssertThrowsError(try ChildCPUs.resolve("1,9", allowed: [0, 1])) { error in
            XCTAssertEqual((error as? BenchError)?.kind, .usage)
            XCTAssertEqual("\(error)", "--cpus 1,9: CPU 9 is not one this process may run on (allowed: 0-1)")
        }
    }

    func testTheAllowedSetIsReadFromTheAffinityMaskInProcStatus() throws {
        let directory = TestSupport.temporaryDirectory("cpus")
        let status = directory + "/status"
        try "Name:\tbpbench\nCpus_allowed:\tf0\nCpus_allowed_list:\t4-7\nMems_allowed_list:\t0\n".write(
            toFile: status, atomically: true, encoding: .utf8)
        XCTAssertEqual(ChildCPUs.allowedCPUs(status: status), [4, 5, 6, 7])
        XCTAssertEqual(ChildCPUs.standard(allowed: ChildCPUs.allowedCPUs(status: status))?.cpus, [4, 5])
        XCTAssertNil(ChildCPUs.allowedCPUs(status: directory + "/missing"))
    }

    func testThePinnedSetTravelsInAPlanFileAndInRunJSON() throws {
        var limits = ChildLimits()
        limits.cpus = ChildCPUs([1])
        let kept = try JSONLineCoding.decoder.decode(
            PlanFile.Limits.self, from: JSONLineCoding.prettyEncoder.encode(PlanFile.Limits(limits)))
        XCTAssertEqual(kept.childLimits.cpus?.cpus, [1])
        // A plan made before pinning: each shard's default.
        let old = try JSONLineCoding.decoder.decode(
            PlanFile.Limits.self,
            from: Data(#"{"sampleIntervalMs":1,"timelineIntervalMs":10,"memoryCapBytes":1,"timeoutS":1}"#.utf8))
        XCTAssertNil(old.cpus)
        XCTAssertEqual(old.childLimits.cpus, ChildLimits().cpus)
        var environment = Synthetic.document().environment
        environment.childCPUs = ChildCPUs([0, 1])
        environment.eventLoops = 2
        let decoded = try JSONLineCoding.decoder.decode(
            HostEnvironment.self, from: JSONLineCoding.prettyEncoder.encode(environment))
        XCTAssertEqual(decoded.childCPUs?.cpus, [0, 1])
        XCTAssertEqual(decoded.eventLoops, 2)
        XCTAssertThrowsError(
            try JSONLineCoding.decoder.decode(ChildCPUs.self, from: Data("[]".utf8)), "an empty set is no set")
    }
}
