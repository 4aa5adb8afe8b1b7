import BenchTestSupport
import Foundation
import XCTest

@testable import BenchModel

/// `bpbench gate-proof --cpus` (issue 25's loose end: the proof's checks ran on the default set
/// whatever the machine): every check it runs, both sides, pins its children to the set, which
/// its run.json records and gate-proof.md names; a set the machine lacks is refused before
/// anything runs. Narrowed to micro-batching (the quickest Swift row), one unchanged check.
final class GateProofPinningTests: ChildProcessTestCase {
    func proof(_ cpus: String) throws -> (status: Int32, output: String, error: String, out: String) {
        let scratch = TestSupport.temporaryDirectory("gate-proof-cpus")
        try #"{ "formatVersion": 2, "scenarios": {} }"#.write(
            toFile: scratch + "/proof.json", atomically: true, encoding: .utf8)
        let out = scratch + "/out"
        let result = try TestSupport.bpbench([
            "gate-proof", "--root", TestSupport.projectRoot, "--scenario", "micro-batching", "--checks", "1",
            "--spec", scratch + "/proof.json", "--out", out, "--quiet", "--cpus", cpus,
        ])
        return (result.status, result.output, result.error, out)
    }

    func testEveryCheckOfTheProofRunsOnItsCPUs() throws {
        let pinned = try proof("0")
        XCTAssertEqual(pinned.status, 0, pinned.output + pinned.error)
        for side in ["", "/base"] {
            let document = try RunFolder(existing: pinned.out + "/unchanged-1" + side).load()
            XCTAssertEqual(document.environment.childCPUs, ChildCPUs([0]), "unchanged-1\(side)")
            XCTAssertFalse(document.records.isEmpty)
        }
        let markdown = try String(contentsOfFile: pinned.out + "/gate-proof.md", encoding: .utf8)
        XCTAssertTrue(markdown.contains("(children on CPU 0)"), markdown)
        // The unchanged check's rates, each with its exact interval (GateProofTests' leak proof
        // runs none).
        XCTAssertTrue(
            markdown.contains(
                "with any finding — per check, family-wise over every cell it judged: **0 of 1** (0 %; 95 % CI 0 %–97.5 %)"
            ), markdown)
        XCTAssertTrue(
            markdown.contains("bounded-row verdicts a false alarm") && markdown.contains("Targets met"), markdown)

        let refused = try proof("4000")
        XCTAssertEqual(refused.status, 64, refused.output + refused.error)
        XCTAssertTrue(refused.error.contains("--cpus 4000: CPU 4000 is not one this process may run on"), refused.error)
        XCTAssertFalse(FileManager.default.fileExists(atPath: refused.out), "nothing written")
    }
}
