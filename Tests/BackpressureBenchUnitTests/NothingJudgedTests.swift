import BenchTestSupport
import Foundation
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchReport

/// A check that judged nothing says no (issue 25's loose end: one where every cell went
/// unjudged passed with "0 cells judged"). It is *not comparable* — 65, one line why — when it
/// had rows to judge and judged no cell; a check with one judged cell, a finding, no rows (a shard
/// with more shards than rows) or only new rows (nothing could have been compared) is as before.
final class NothingJudgedTests: ProcessFreeTestCase {
    let twoRowsTwoScales = 4

    /// Through the real gate: rows the baseline lacks and no base revision in the job — the
    /// issue's unbaselined scenario — are not judged; the check says so instead of passing.
    func testRowsTheBaselineLacksWithoutABaseRevisionAreNotComparable() {
        var empty = Baseline(RunAnalysis(Synthetic.document()))
        empty.entries = []
        let report = Gate(baseline: empty, thresholds: .standard).evaluate(
            head: RunAnalysis(Synthetic.document()), base: nil)
        XCTAssertTrue(report.findings.isEmpty)
        XCTAssertEqual(report.judgedCells, 0)
        let reason = report.nothingJudged(rowsRun: twoRowsTwoScales)
        XCTAssertTrue(
            reason?.hasPrefix("no cell could be judged — ") == true
                && reason?.hasSuffix(
                    "is not in the baseline and no base revision ran: not judged (make baseline adds it; check --against REV judges it)"
                ) == true, "\(String(describing: reason))")
        var said = report
        said.notComparable = reason
        XCTAssertFalse(said.passed)
        XCTAssertTrue(
            said.markdown(title: "t").contains("**Not comparable** — not a pass: no cell could be judged — "),
            said.markdown(title: "t"))
        let record = CheckRecord(
            report: said, baseline: "b", baselineDigest: "d", thresholds: .standard, revision: "r", planID: nil,
            shard: nil, environment: Synthetic.environment, rows: [])
        XCTAssertEqual(record.verdict, .notComparable)
    }

    /// The other ways: with the baseline's rows every cell is judged (as before); with a base
    /// revision that lacks them too, every row is *new* — nothing could have been compared, so
    /// the check passes listing them; a check that ran no row (a shard with no rows) passes.
    func testAJudgedCellNewRowsOnlyOrNoRowsKeepTodaysVerdict() {
        let head = RunAnalysis(Synthetic.document())
        let judged = Gate(baseline: Baseline(head), thresholds: .standard).evaluate(head: head, base: nil)
        XCTAssertGreaterThan(judged.judgedCells, 0)
        XCTAssertNil(judged.nothingJudged(rowsRun: twoRowsTwoScales))

        var empty = Baseline(head)
        empty.entries = []
        var otherRows = Synthetic.document()
        otherRows.records = otherRows.records.map { record in
            var renamed = record
            renamed.scenario.scenario += "-elsewhere"
            return renamed
        }
        let new = Gate(baseline: empty, thresholds: .standard).evaluate(head: head, base: RunAnalysis(otherRows))
        XCTAssertEqual(new.newRows.count, twoRowsTwoScales, "\(new.notes)")
        XCTAssertNil(new.nothingJudged(rowsRun: twoRowsTwoScales), "only new rows: nothing to compare, nothing missed")
        XCTAssertNil(GateReport().nothingJudged(rowsRun: 0), "no row ran: nothing to judge")
    }

    /// Cells left untestable by too few repeats are not judged; a finding is a judgement.
    func testUntestableCellsAreNotJudgedAndAFindingIs() {
        var report = GateReport()
        var untestable = SyntheticShards.judgement("pipeline-copy", regression: false)
        untestable.outcome = .untestable
        report.add(untestable)
        XCTAssertEqual(report.judgedCells, 0)
        XCTAssertEqual(
            report.nothingJudged(rowsRun: 1)?.hasPrefix(
                "no cell could be judged — too few repeats for the significance test"),
            true, "\(report.notes)")
        report.add(SyntheticShards.judgement("pipeline-copy", regression: true))
        XCTAssertNil(report.nothingJudged(rowsRun: 1))
    }

    /// Across shards: a shard that had rows and judged nothing makes the merge not comparable,
    /// named; a shard with no rows (more shards than rows) does not.
    func testAMergeIsNotComparableWhenAShardWithRowsJudgedNothing() throws {
        let check = PlanFile.Check(
            baseline: "Reports/baseline.json", baselineDigest: "0123456789abcdef",
            rows: ["pipeline-copy", "ignored-drain"], injected: nil)
        let plan = try SyntheticShards.plan(check: check)
        let folders = try SyntheticShards.writeShards(
            plan, count: 2, under: TestSupport.temporaryDirectory("merge-nothing-judged"))
        try SyntheticShards.judge(folders, plan: plan) { shard, report in
            guard shard == 2 else { return }
            report.judgements = []
            report.notes.append("A/B skipped: 'HEAD~1' is not a commit here (no previous commit?)")
            report.notComparable = report.nothingJudged(rowsRun: 2)
        }
        let merged = try CheckMerge(try ShardMerge(folders: folders))
        XCTAssertEqual(merged.result.verdict, .notComparable)
        XCTAssertEqual(
            merged.notComparable,
            "shard 2/2 judged no cell — A/B skipped: 'HEAD~1' is not a commit here (no previous commit?)")
        XCTAssertTrue(merged.markdown(title: "t").contains("**Not comparable — not a pass**: shard 2/2 judged no cell"))

        // One row cut into two shards: shard 2 has none, judges none, and the merge passes.
        let oneRow = try SyntheticShards.plan(
            rows: ["pipeline-copy"],
            check: PlanFile.Check(
                baseline: check.baseline, baselineDigest: check.baselineDigest, rows: ["pipeline-copy"], injected: nil))
        let oneRowFolders = try SyntheticShards.writeShards(
            oneRow, count: 2, under: TestSupport.temporaryDirectory("merge-empty-shard"))
        try SyntheticShards.judge(oneRowFolders, plan: oneRow) { _, report in
            report.notComparable = report.nothingJudged(rowsRun: report.judgements.isEmpty ? 0 : 2)
        }
        let passed = try CheckMerge(try ShardMerge(folders: oneRowFolders))
        XCTAssertEqual(passed.result.verdict, .passed)
        XCTAssertNil(passed.notComparable)
    }
}
