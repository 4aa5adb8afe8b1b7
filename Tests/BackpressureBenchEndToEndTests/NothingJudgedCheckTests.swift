import BenchTestSupport
import Foundation
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchReport

/// `bpbench check` that could judge no cell says no: exit 65, one line naming why, check.md and
/// check.json saying *not comparable* — never "passed (0 cells judged)". The same run with the
/// repeats a test needs passes as before.
final class NothingJudgedCheckTests: ChildProcessTestCase {
    func testACheckThatJudgedNoCellIsNotComparableAndOneThatJudgedOnePasses() throws {
        let scratch = TestSupport.temporaryDirectory("nothing-judged")
        let project = ["--root", TestSupport.projectRoot]
        for (name, repeats, status) in [("one-repeat", 1, Int32(65)), ("five-repeats", 5, 0)] {
            let directory = scratch + "/" + name
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let analysis = RunAnalysis(Synthetic.document(ignoredDrainFactor: 0.01, repeats: repeats))
            try RunWriter.write(analysis, to: directory)
            let baseline = scratch + "/baseline-\(name).json"
            try Baseline(analysis).write(to: baseline)
            let checked = try TestSupport.bpbench(["check"] + project + ["--baseline", baseline, "--run", directory])
            XCTAssertEqual(checked.status, status, name + ": " + checked.output + checked.error)
            let record = try XCTUnwrap(try CheckRecord.load(from: directory))
            let markdown = try String(contentsOfFile: directory + "/check.md", encoding: .utf8)
            if status == 65 {
                XCTAssertEqual(checked.error.split(separator: "\n").count, 1, "one line: \(checked.error)")
                XCTAssertTrue(
                    checked.error.contains("not comparable: no cell could be judged — too few repeats"), checked.error)
                XCTAssertFalse(checked.output.contains("check passed"), checked.output)
                XCTAssertEqual(record.verdict, .notComparable)
                XCTAssertTrue(markdown.contains("**Not comparable** — not a pass: no cell could be judged"), markdown)
                // The verdict file (Reports/verdict.json, for CI and the plugin) reads the line so.
                let line = checked.error.replacingOccurrences(of: "bpbench: error: ", with: "")
                XCTAssertEqual(
                    Verdict(command: "check", exitCode: 65, findings: nil, errorLine: line, runFolder: nil).outcome,
                    "not-comparable")
            } else {
                XCTAssertTrue(checked.output.contains("check passed: no regression ("), checked.output)
                XCTAssertEqual(record.verdict, .passed)
            }
        }
    }
}
