import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchReport

/// `make baseline`'s recipe on real children (issue 25): three separate `bpbench run` processes
/// of one small row, `baseline update --runs 3` finds them in Reports/runs and keeps each run's
/// repeats, and `check --run` judges against them — passing one of those runs, failing a head whose
/// heap is 1.5× — while update refuses too few runs (66) and runs of another revision (65).
///
/// The project root is a scratch folder whose `Scenarios` links to this checkout's, so the runs,
/// `Reports/latest` and the baseline land there and never in the checkout's `Reports/`.
final class MultiRunBaselineTests: ChildProcessTestCase {
    func testThreeSeparateRunsMakeTheBaselineAndTheCheckJudgesAgainstThem() throws {
        let root = TestSupport.temporaryDirectory("multi-run-baseline")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // A project is a folder with Scenarios/ and Package.swift: without the latter bpbench
        // would find the checkout from the current folder and record into its Reports/.
        for name in ["Scenarios", "Package.swift"] {
            try FileManager.default.createSymbolicLink(
                atPath: root + "/" + name, withDestinationPath: TestSupport.projectRoot + "/" + name)
        }
        let project = ["--root", root, "--bin-dir", TestSupport.binDirectory]
        // micro-batching at ×0.1 of the quick profile (400 items), 5 repeats (the fewest with
        // which a baseline test reaches p < 0.01): ≈ 2 s a run here.
        for _ in 1...3 {
            let run = try TestSupport.bpbench(
                ["run"] + project + [
                    "--scenario", "micro-batching", "--profile", "quick", "--scale", "0.1", "--repeat", "5",
                    "--quiet",
                ])
            XCTAssertEqual(run.status, 0, run.error)
        }
        let runs = try XCTUnwrap(
            try? FileManager.default.contentsOfDirectory(atPath: root + "/Reports/runs").sorted(),
            "the runs are recorded under the scratch root")
        XCTAssertEqual(runs.count, 3)

        let baselinePath = root + "/Reports/baseline.json"
        let tooMany = try TestSupport.bpbench(
            ["baseline", "update"] + project + ["--runs", "4", "--baseline", baselinePath])
        XCTAssertEqual(tooMany.status, 66, tooMany.error)
        XCTAssertEqual(tooMany.error.split(separator: "\n").count, 1, tooMany.error)
        XCTAssertTrue(tooMany.error.contains("3 run(s)") && tooMany.error.contains("asked for 4"), tooMany.error)

        let update = try TestSupport.bpbench(
            ["baseline", "update"] + project + ["--runs", "3", "--baseline", baselinePath])
        XCTAssertEqual(update.status, 0, update.error)
        XCTAssertEqual(update.error, "", "three runs: no warning")
        let baseline = try Baseline.load(baselinePath)
        XCTAssertEqual(baseline.formatVersion, Baseline.currentFormatVersion)
        XCTAssertEqual(baseline.runs?.map(\.id), runs)
        let entry = try XCTUnwrap(baseline.entries.first)
        XCTAssertEqual(entry.runSamples.map { $0[Metric.peakAllocated.key]?.count }, [5, 5, 5])

        // One of the recorded runs, judged against the three: passes, and check.md names the runs.
        let head = root + "/Reports/runs/" + runs[2]
        let check = try TestSupport.bpbench(["check"] + project + ["--baseline", baselinePath, "--run", head])
        XCTAssertEqual(check.status, 0, check.output + check.error)
        let markdown = try String(contentsOfFile: head + "/check.md", encoding: .utf8)
        XCTAssertTrue(markdown.contains("baseline (runs \(runs.joined(separator: ", ")): medians "), markdown)
        XCTAssertFalse(markdown.contains(Gate.unknownRunSpreadNote))

        // The other way: the same run with every heap 1.5× is past the largest run's median.
        var grown = try RunFolder(existing: head).load()
        grown.records = grown.records.map { record in
            var record = record
            if let allocated = record.result?.peaks.allocated { record.result?.peaks.allocated = allocated * 3 / 2 }
            return record
        }
        let grownFolder = root + "/grown"
        try FileManager.default.createDirectory(atPath: grownFolder, withIntermediateDirectories: true)
        try RunWriter.write(RunAnalysis(grown), to: grownFolder)
        let failed = try TestSupport.bpbench(
            ["check"] + project + ["--baseline", baselinePath, "--run", grownFolder, "--no-what-grew"])
        XCTAssertEqual(failed.status, 1, failed.output + failed.error)
        XCTAssertTrue(failed.output.contains("peak_allocated_bytes"), failed.output)
        XCTAssertTrue(failed.output.contains("past the worst run's median"), failed.output)

        // A run of another revision is not one of the baseline's runs: 65, one line.
        var other = try RunFolder(existing: head).load()
        other.environment.gitCommit = "another-revision"
        let otherFolder = root + "/other-revision"
        try FileManager.default.createDirectory(atPath: otherFolder, withIntermediateDirectories: true)
        try RunWriter.write(RunAnalysis(other), to: otherFolder)
        let mixed = try TestSupport.bpbench(
            ["baseline", "update"] + project + [
                "--run", root + "/Reports/runs/" + runs[0], "--run", otherFolder, "--baseline", root + "/mixed.json",
            ])
        XCTAssertEqual(mixed.status, 65, mixed.error)
        XCTAssertEqual(mixed.error.split(separator: "\n").count, 1, mixed.error)
        XCTAssertTrue(mixed.error.contains("revision"), mixed.error)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/mixed.json"), "nothing written")
    }
}
