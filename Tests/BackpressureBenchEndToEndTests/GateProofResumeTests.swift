import BenchSystem
import BenchTestSupport
import Foundation
import XCTest

/// `bpbench gate-proof --resume` on real children: a proof killed (SIGKILL) in the middle of its
/// one unchanged check, resumed — the check cut in flight runs again from an empty folder, the
/// resumed proof passes and gate-proof.md counts it once, over two sessions — and a resume with
/// other options refused before anything runs. micro-batching, the quickest Swift row, with a
/// proof file of no injections: one unchanged check is 12–16 children (≈ 9 s in a release build).
final class GateProofResumeTests: ChildProcessTestCase {
    func testAProofKilledMidCheckResumesRedoingThatCheckAndRefusesOtherOptions() throws {
        let scratch = TestSupport.temporaryDirectory("gate-proof-resume")
        let spec = scratch + "/proof.json"
        try #"{ "formatVersion": 2, "scenarios": {} }"#.write(toFile: spec, atomically: true, encoding: .utf8)
        let out = scratch + "/out"
        let options = [
            "gate-proof", "--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory, "--scenario",
            "micro-batching", "--spec", spec, "--quiet",
        ]
        let executable = TestSupport.binDirectory + "/bpbench"
        guard FileManager.default.isExecutableFile(atPath: executable) else { throw XCTSkip("bpbench is not built") }

        // Session 1: killed once the unchanged check has recorded a child — in flight.
        let first = Process()
        first.executableURL = URL(fileURLWithPath: executable)
        first.arguments = options + ["--checks", "1", "--out", out]
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        let journal = out + "/unchanged-1/journal.jsonl"
        func journalLines() -> Int {
            ((try? String(contentsOfFile: journal, encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        let deadline = Date().addingTimeInterval(60)
        while journalLines() < 2, first.isRunning, Date() < deadline { usleep(20_000) }  // the header and a row
        XCTAssertTrue(first.isRunning, "the check must still be running when it is killed")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExitPromptly()
        XCTAssertEqual(try Self.recordedSteps(out), [], "a step cut in flight is not recorded")

        // Other options: refused, one line naming the difference, nothing run.
        let other = try TestSupport.bpbench(options + ["--checks", "2", "--resume", out])
        XCTAssertEqual(other.status, 65, other.output + other.error)
        XCTAssertTrue(other.error.contains("not the same proof — --checks 1 → 2"), other.error)
        XCTAssertEqual(other.error.split(separator: "\n").count, 1, other.error)

        // Session 2: the cut check runs again, and the proof ends.
        let resumed = try TestSupport.bpbench(options + ["--checks", "1", "--resume", out])
        XCTAssertEqual(resumed.status, 0, resumed.output + resumed.error)
        let markdown = try String(contentsOfFile: out + "/gate-proof.md", encoding: .utf8)
        XCTAssertTrue(
            markdown.contains("family-wise over every cell it judged: **0 of 1**"),
            "one check, counted once: \(markdown)")
        XCTAssertTrue(markdown.contains(" over 2 sessions ("), markdown)
        XCTAssertFalse(markdown.contains("(in progress)"), markdown)
        XCTAssertEqual(try Self.recordedSteps(out), ["unchanged-1"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/unchanged-1/run.json"), "the redone check's run")
    }

    /// The IDs of the steps `proof-state.json` in `folder` records as finished.
    static func recordedSteps(_ folder: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/proof-state.json"))
        let state = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let steps = try XCTUnwrap(state["steps"] as? [[String: Any]])
        return steps.compactMap { $0["id"] as? String }
    }
}
