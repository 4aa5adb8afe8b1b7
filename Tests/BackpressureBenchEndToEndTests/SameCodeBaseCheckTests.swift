import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchCore
@testable import BenchGate
@testable import BenchModel
@testable import BenchSession

/// `bpbench check --against HEAD` on a clean tree, for real: HEAD has the tree's scenario code,
/// so no base side runs — no `base/` folder, no base child — the figure cells are not judged, one
/// line counts them, and the check passes on the statuses and verdicts it judged. A growth
/// verdict the baseline holds the row to that the head does not show still fails the same folder
/// (`check --run`, which judges it the same way again). And the decision itself both ways: the
/// same tree with one scenario file edited, or with a new file not yet added, is other code (its
/// base is then built and run: OwnPackageTests' regressed check, against the example package's
/// HEAD, covers that path).
///
/// The tree is a clone of this checkout's HEAD (`git clone --shared`, no objects copied), so the
/// test does not depend on what others have uncommitted here; the scenarios run from this build.
final class SameCodeBaseCheckTests: ChildProcessTestCase {
    func git(_ directory: String, _ arguments: [String]) throws {
        let result = try TestSupport.execute("/usr/bin/env", ["git", "-C", directory] + arguments)
        XCTAssertEqual(result.status, 0, "git \(arguments.joined(separator: " ")): \(result.error)")
    }

    func testAnUnchangedTreeRunsNoBaseSideAndStillJudgesStatusAndVerdict() throws {
        _ = try TestSupport.entry("concurrency-regimes")
        let scratch = TestSupport.temporaryDirectory("same-code")
        let tree = scratch + "/tree"
        try git(scratch, ["clone", "-q", "--shared", TestSupport.projectRoot, tree])
        let project = ["--root", tree, "--bin-dir", TestSupport.binDirectory]

        // The decision, both ways, on the clean clone (git only: nothing built).
        let catalog = ScenarioCatalog(projectRoot: tree, binDirectory: TestSupport.binDirectory)
        XCTAssertTrue(BaseRevision.hasScenarioCode(of: "HEAD", project: catalog))
        let source = tree + "/Scenarios/concurrency-regimes/ConcurrencyRegimes.swift"
        let original = try String(contentsOfFile: source, encoding: .utf8)
        try (original + "// edited\n").write(toFile: source, atomically: true, encoding: .utf8)
        XCTAssertFalse(BaseRevision.hasScenarioCode(of: "HEAD", project: catalog), "an edited scenario")
        try original.write(toFile: source, atomically: true, encoding: .utf8)
        let untracked = tree + "/Scenarios/concurrency-regimes/Added.swift"
        try "// new\n".write(toFile: untracked, atomically: true, encoding: .utf8)
        XCTAssertFalse(BaseRevision.hasScenarioCode(of: "HEAD", project: catalog), "a file not yet added")
        try FileManager.default.removeItem(atPath: untracked)
        XCTAssertTrue(BaseRevision.hasScenarioCode(of: "HEAD", project: catalog))

        // A baseline of one cheap row whose verdict holds under load: concurrency-regimes at the
        // committed plan's ×1 and ×4 (0.1 and 0.4 s a repeat here, its heap 2.2–2.6 MiB against a
        // 0.7 MiB floor). manual-drain at ×0.25/×0.5 was tried first: one run of two came out
        // bounded → inconclusive at 7 repeats, its repeats straddling the 256 KiB floor.
        let baselineRun = try TestSupport.bpbench(
            ["run"] + project + [
                "--scenario", "concurrency-regimes", "--profile", "quick", "--scale", "1,4", "--repeat", "5", "--quiet",
                "--out", scratch + "/baseline-run",
            ])
        XCTAssertEqual(baselineRun.status, 0, baselineRun.error)
        let baseline = scratch + "/baseline.json"
        let update = try TestSupport.bpbench(
            ["baseline", "update"] + project + ["--run", scratch + "/baseline-run", "--baseline", baseline])
        XCTAssertEqual(update.status, 0, update.error)

        let folder = scratch + "/same"
        let check = try TestSupport.bpbench(
            ["check"] + project + [
                "--baseline", baseline, "--scenario", "concurrency-regimes", "--against", "HEAD", "--no-what-grew",
                "--out", folder,
            ])
        XCTAssertEqual(check.status, 0, check.output + check.error)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/base"), "no base side")
        let document = try RunFolder(existing: folder).load()
        XCTAssertTrue(document.records.allSatisfy { $0.scenario == "concurrency-regimes" }, "the head's children only")
        XCTAssertGreaterThanOrEqual(document.records.count, 2 * GateRepeatRule.minimumRepeats)
        let record = try XCTUnwrap(try CheckRecord.load(from: folder))
        let sameCode = try XCTUnwrap(record.sameCodeBase, "check.json says so as data")
        XCTAssertGreaterThan(sameCode.figureCells, 0)
        XCTAssertEqual(sameCode.rowsJudged, 2, "both scales' statuses judged")
        XCTAssertEqual(record.judgements, [], "no figure judged against the baseline either")
        XCTAssertEqual(record.verdict, .passed)
        let line = "\(sameCode.figureCells) figure cells not judged: base HEAD ("
        XCTAssertTrue(
            check.output.contains("note: " + line) && check.output.contains("has this tree's scenario code"),
            check.output)
        XCTAssertTrue(
            try String(contentsOfFile: folder + "/check.md", encoding: .utf8).contains("- " + sameCode.line))

        // The other way: a baseline that saw the row grow — the negative control — fails the
        // same folder, judged again the same way (no figure cells).
        var grows = try Baseline.load(baseline)
        for index in grows.entries.indices { grows.entries[index].verdict = .grows }
        let growing = scratch + "/grows.json"
        try grows.write(to: growing)
        let rejudged = try TestSupport.bpbench(
            ["check"] + project + ["--baseline", growing, "--run", folder, "--no-what-grew"])
        XCTAssertEqual(rejudged.status, 1, rejudged.output + rejudged.error)
        XCTAssertTrue(rejudged.output.contains("memory_verdict: grows-with-input →"), rejudged.output)
        XCTAssertTrue(rejudged.output.contains("figure cells not judged: base HEAD ("), rejudged.output)
        XCTAssertEqual(try CheckRecord.load(from: folder)?.judgements, [])
    }
}
