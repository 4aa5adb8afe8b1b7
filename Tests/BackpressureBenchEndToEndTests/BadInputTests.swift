import BenchTestSupport
import Foundation
import Synchronization
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchReport

/// Bad input → one clear line, a distinct sysexits code, and nothing already written modified.
final class BadInputTests: ChildProcessTestCase {
    func testTableOfBadInputs() throws {
        let scratch = TestSupport.temporaryDirectory("bad-input")
        let valid = scratch + "/baseline.json"
        try Baseline(RunAnalysis(Synthetic.document())).write(to: valid)
        let files: [String: String] = [
            "empty.json": "",
            "truncated.json": String(try String(contentsOfFile: valid, encoding: .utf8).prefix(40)),
            "future.json": #"{"formatVersion": 99, "entries": []}"#,
            "thresholds.json":
                #"{"formatVersion": 2, "alpha": 0.01, "defaults": {"peak_happiness": {"minEffect": 0.1}}, "scenarios": {}}"#,
        ]
        for (name, text) in files { try text.write(toFile: scratch + "/" + name, atomically: true, encoding: .utf8) }
        let runDirectory = scratch + "/run"
        try RunWriter.write(
            RunAnalysis(Synthetic.document()),
            to: {
                try? FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
                return runDirectory
            }())

        let otherProfile = scratch + "/other-profile"
        var standard = Synthetic.document()
        standard.profile = "standard"
        try FileManager.default.createDirectory(atPath: otherProfile, withIntermediateDirectories: true)
        try RunWriter.write(RunAnalysis(standard), to: otherProfile)

        let project = ["--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory]
        let run = ["run"] + project + ["--profile", "quick", "--repeat", "1", "--warmup", "0", "--quiet"]
        let cases: [(arguments: [String], code: Int32, message: String)] = [
            (run + ["--scenario", "no-such-scenario"], 64, "unknown scenario 'no-such-scenario'"),
            (
                run + ["--scenario", "manual-drain/unthrotled"], 64,
                "unknown variant 'unthrotled' of 'manual-drain' (known: unthrottled, or *)"
            ),
            (run + ["--scenario", "pipeline-copy/"], 64, "unknown variant '' of 'pipeline-copy'"),
            (
                ["list"] + project + ["--scenario", "manual-drain/nosuch"], 64,
                "unknown variant 'nosuch' of 'manual-drain'"
            ),
            (
                ["check"] + project + ["--baseline", valid, "--scenario", "no-such-row"], 64,
                "--scenario no-such-row is not a row of the baseline"
            ),
            (run + ["--scenario", "pipeline-copy", "--param", "items=-5"], 64, "items"),
            (run + ["--scenario", "pipeline-copy", "--param", "items=abc"], 64, "must be a whole number"),
            (run + ["--scenario", "pipeline-copy", "--param", "item_bytes=0"], 64, "must be at least"),
            (run + ["--scenario", "pipeline-copy", "--param", "items=99999999999G"], 64, "too large"),
            (
                run + ["--scenario", "pipeline-copy", "--param", "no_such_key=1"], 64,
                "no selected scenario has a parameter 'no_such_key'"
            ),
            (
                run + ["--scenario", "pipeline-copy", "--param", "pipeline-copy.flavour=1"], 64,
                "not a parameter of pipeline-copy"
            ),
            (run + ["--scenario", "pipeline-copy", "--profile", "turbo"], 64, "unknown profile 'turbo'"),
            (run + ["--scenario", "pipeline-copy", "--memory-cap", "lots"], 64, "--memory-cap"),
            (
                run + ["--scenario", "pipeline-copy", "--memory-cap", "10MiB"], 64,
                "below what an idle scenario child needs"
            ),
            (
                run + ["--scenario", "pipeline-copy", "--sample-interval-ms", "0.001"], 64,
                "--sample-interval-ms takes 0 (in-child sampler off) or 0.1–1000 ms"
            ),
            (run + ["--scenario", "pipeline-copy", "--sample-interval-ms", "5000"], 64, "--sample-interval-ms"),
            (
                run + ["--scenario", "pipeline-copy", "--reference", "nosuch"], 64,
                "--reference nosuch is not in this run"
            ),
            (run + ["--scenario", "pipeline-copy", "--scale", "1,zero"], 64, "--scale"),
            // Refused before the run folder is made (it was made first, and left empty).
            (
                run + ["--scenario", "pipeline-copy", "--crash-test", "2"], 64,
                "--crash-test needs exactly one scenario that keeps durable state"
            ),
            (
                run + ["--scenario", "persistent-queue", "--crash-test", "1", "--crash-window", "3-1"], 64,
                "--crash-window takes MIN-MAX seconds with MIN < MAX"
            ),
            (run + ["--scenario", "pipeline-copy", "--out", "/proc/bpbench-cannot-write-here"], 73, "cannot create"),
            (run + ["--scenario", "pipeline-copy", "--out", scratch], 73, "not empty"),
            (
                ["check"] + project + ["--baseline", scratch + "/missing.json", "--run", runDirectory], 66,
                "does not exist"
            ),
            (["check"] + project + ["--baseline", scratch + "/empty.json", "--run", runDirectory], 65, "is empty"),
            (
                ["check"] + project + ["--baseline", scratch + "/truncated.json", "--run", runDirectory], 65,
                "is not a bpbench baseline: not JSON: it ends early (truncated?)"
            ),
            (
                ["check"] + project + ["--baseline", scratch + "/future.json", "--run", runDirectory], 65,
                "format version 99"
            ),
            (
                ["check"] + project + [
                    "--baseline", valid, "--thresholds", scratch + "/thresholds.json", "--run", runDirectory,
                ], 65, "unknown metric 'peak_happiness'"
            ),
            (["check"] + project + ["--baseline", valid, "--run", scratch + "/nowhere"], 66, "is not a folder"),
            (
                ["check"] + project + ["--baseline", valid, "--run", otherProfile], 65,
                "not comparable with \(valid): profile standard ≠ baseline's quick"
            ),
            (
                ["check"] + project + ["--baseline", valid, "--inject", "nosuch.items=5"], 64,
                "'nosuch' is not a scenario of the baseline"
            ),
            (
                ["check"] + project + ["--baseline", valid, "--inject", "pipeline-copy.flavour=5"], 64,
                "pipeline-copy has no parameter 'flavour'"
            ),
            (["check"] + project + ["--baseline", valid, "--inject", "items"], 64, "--inject takes NAME.key=value"),
            (["compare"] + project + [scratch, runDirectory], 66, "not a run folder"),
            (["report"] + project + [scratch + "/nowhere"], 66, "is not a folder"),
            (["baseline", "update"] + project + ["--run", scratch, "--baseline", valid], 66, "not a run folder"),
            (["run", "--no-such-option"], 64, ""),
        ]
        let before = try Data(contentsOf: URL(fileURLWithPath: valid))
        let runsBefore =
            (try? FileManager.default.contentsOfDirectory(atPath: TestSupport.projectRoot + "/Reports/runs").count) ?? 0
        // Each case is its own bpbench process (each describes every scenario first): two at a
        // time, one per core, instead of 17 s one after another.
        let outcomes = Mutex<[Int: Result<(status: Int32, output: String, error: String), Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: cases.count) { index in
            let outcome = Result { try TestSupport.bpbench(cases[index].arguments) }
            outcomes.withLock { $0[index] = outcome }
        }
        let results = outcomes.withLock { $0 }
        for (index, testCase) in cases.enumerated() {
            let outcome = try XCTUnwrap(results[index]).get()
            XCTAssertEqual(outcome.status, testCase.code, "\(testCase.arguments.suffix(3)): \(outcome.error)")
            guard !testCase.message.isEmpty else { continue }
            let lines = outcome.error.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "one line, got: \(outcome.error)")
            XCTAssertTrue(outcome.error.hasPrefix("bpbench: error: "), outcome.error)
            XCTAssertTrue(
                outcome.error.contains(testCase.message), "expected '\(testCase.message)' in: \(outcome.error)")
        }
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: valid)), before, "a failed command must not touch the baseline")
        let runsAfter =
            (try? FileManager.default.contentsOfDirectory(atPath: TestSupport.projectRoot + "/Reports/runs").count) ?? 0
        XCTAssertEqual(runsAfter, runsBefore, "a rejected run must not leave a run folder")
    }

    func testCheckPassesOnItselfAndFailsOnRegressionWithExitCodeOne() throws {
        let scratch = TestSupport.temporaryDirectory("check")
        let baseline = scratch + "/baseline.json"
        let good = scratch + "/good"
        let bad = scratch + "/bad"
        for (directory, factor) in [(good, 0.01), (bad, 1.0)] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try RunWriter.write(RunAnalysis(Synthetic.document(ignoredDrainFactor: factor)), to: directory)
        }
        let project = ["--root", TestSupport.projectRoot]
        XCTAssertEqual(
            try TestSupport.bpbench(["baseline", "update"] + project + ["--run", good, "--baseline", baseline]).status,
            0)
        XCTAssertEqual(
            try TestSupport.bpbench(["check"] + project + ["--baseline", baseline, "--run", good]).status, 0)
        XCTAssertEqual(try TestSupport.bpbench(["check"] + project + ["--baseline", baseline, "--run", bad]).status, 1)
    }
}

final class RunExitCodeTests: ChildProcessTestCase {
    /// A run whose rows did not all end ok still writes every row, and says so with exit 3.
    func testRunWithFailedRowsExitsThreeAndWritesThem() throws {
        let out = TestSupport.temporaryDirectory("exit-three") + "/run"
        let base = [
            "run", "--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory, "--scenario",
            "fixture-fault",
            "--include-fixtures", "--repeat", "1", "--warmup", "0", "--quiet", "--profile", "quick",
        ]
        let failed = try TestSupport.bpbench(base + ["--param", "mode=bad-checksum", "--out", out])
        XCTAssertEqual(failed.status, 3, failed.error)
        XCTAssertTrue(failed.error.contains("1 of 1 rows did not end ok (failed-verification)"), failed.error)
        XCTAssertEqual(try RunFolder(existing: out).load().records.map(\.status), [.failedVerification])
        let fine = try TestSupport.bpbench(base + ["--out", out + "-ok"])
        XCTAssertEqual(fine.status, 0, fine.error)
    }
}
