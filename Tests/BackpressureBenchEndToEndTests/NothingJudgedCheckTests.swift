import BenchTestSupport
import Foundation
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchReport

/// `bpbench check` that could judge no cell says no: exit 65, one line naming why, check.md and
/// check.json saying *not comparable* — never "passed (0 cells judged)". The same run against a
/// baseline that has its rows passes as before.
final class NothingJudgedCheckTests: ChildProcessTestCase {
    func testACheckThatJudgedNoCellIsNotComparableAndOneThatJudgedOnePasses() throws {
        let scratch = TestSupport.temporaryDirectory("nothing-judged")
        let project = ["--root", TestSupport.projectRoot]
        // The run's rows in the baseline: judged. A baseline without them (recorded before the
        // scenarios were added) and no base revision in the folder: nothing can be judged.
        for (name, rows, status) in [("rows-not-in-baseline", false, Int32(65)), ("rows-in-baseline", true, 0)] {
            let directory = scratch + "/" + name
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let analysis = RunAnalysis(Synthetic.document(ignoredDrainFactor: 0.01))
            try RunWriter.write(analysis, to: directory)
            let baseline = scratch + "/baseline-\(name).json"
            var recorded = Baseline(analysis)
            if !rows { recorded.entries = [] }
            try recorded.write(to: baseline)
            let checked = try TestSupport.bpbench(["check"] + project + ["--baseline", baseline, "--run", directory])
            XCTAssertEqual(checked.status, status, name + ": " + checked.output + checked.error)
            let record = try XCTUnwrap(try CheckRecord.load(from: directory))
            let markdown = try String(contentsOfFile: directory + "/check.md", encoding: .utf8)
            if status == 65 {
                let errors = checked.error.split(separator: "\n").filter { $0.hasPrefix("bpbench: error: ") }
                XCTAssertEqual(errors.count, 1, "one line: \(checked.error)")
                XCTAssertTrue(
                    checked.error.contains(
                        "bpbench: error: not comparable: no cell could be judged — pipeline-copy ×1 is not in the baseline and no base revision ran"
                    ), checked.error)
                XCTAssertFalse(checked.output.contains("check passed"), checked.output)
                XCTAssertEqual(record.verdict, .notComparable)
                XCTAssertTrue(markdown.contains("**Not comparable** — not a pass: no cell could be judged"), markdown)
                // The verdict file (Reports/verdict.json, for CI and the plugin) reads the line so.
                let line = String(errors.first ?? "").replacingOccurrences(of: "bpbench: error: ", with: "")
                XCTAssertEqual(
                    Verdict(command: "check", exitCode: 65, findings: nil, errorLine: line, runFolder: nil).outcome,
                    .notComparable)
            } else {
                XCTAssertTrue(checked.output.contains("check passed: no regression ("), checked.output)
                XCTAssertEqual(record.verdict, .passed)
            }
        }
    }
}
