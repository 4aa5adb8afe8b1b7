import BenchTestSupport
import Foundation
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchReport

/// The gate proof's unchanged checks: one that judged no cell (``GateReport/nothingJudged(rowsRun:)``,
/// the check's *not comparable*) showed nothing about false alarms, so it is no clean unchanged
/// check — the proof says so and its targets are not met — while one that judged its cells and
/// found nothing is. Both made through the real gate.
final class ProofTableNotComparableTests: ProcessFreeTestCase {
    let twoRowsTwoScales = 4

    /// An unchanged check of `head` against `baseline` with no base revision, as the proof records it.
    func unchangedCheck(baseline: Baseline, head: RunAnalysis) -> ProofTable.UnchangedCheck {
        let report = Gate(baseline: baseline, thresholds: .standard).evaluate(head: head, base: nil)
        return .init(
            findings: report.findings, judged: report.judgements.count, boundedRows: 0, children: 8, seconds: 1,
            notComparable: report.nothingJudged(rowsRun: twoRowsTwoScales))
    }

    func markdown(_ table: ProofTable) -> String {
        table.markdown(minutes: 1, baseline: "b", environment: Synthetic.environment, narrowedTo: [])
    }

    /// The baseline lacks the rows and no base revision ran: nothing judged, no finding — yet the
    /// proof fails and names the check instead of counting "0 false alarms in 1".
    func testAnUnchangedCheckThatJudgedNoCellFailsTheProof() {
        let head = RunAnalysis(Synthetic.document())
        var empty = Baseline(head)
        empty.entries = []
        var table = ProofTable()
        table.unchanged = [unchangedCheck(baseline: empty, head: head)]
        XCTAssertEqual(table.unchanged[0].findings.count, 0)
        XCTAssertEqual(table.falseAlarms, 0)
        XCTAssertEqual(table.notComparableChecks, 1)
        XCTAssertFalse(table.targetsMet)
        let text = markdown(table)
        XCTAssertTrue(text.contains("**1 unchanged check(s) not comparable**"), text)
        XCTAssertTrue(text.contains("- check 1: no cell could be judged — "), text)
        XCTAssertTrue(
            text.contains("with any finding — per check, family-wise over every cell it judged: none run."), text)
        XCTAssertTrue(text.contains("Targets **not met**"), text)
    }

    /// The other way: the same head against a baseline of its own figures judges every cell and
    /// finds nothing — a clean unchanged check, counted as a trial, targets met.
    func testAnUnchangedCheckThatJudgedItsCellsCountsAsClean() {
        let head = RunAnalysis(Synthetic.document())
        var table = ProofTable()
        table.unchanged = [unchangedCheck(baseline: Baseline(head), head: head)]
        XCTAssertGreaterThan(table.unchanged[0].judged, 0)
        XCTAssertNil(table.unchanged[0].notComparable)
        XCTAssertEqual(table.notComparableChecks, 0)
        XCTAssertTrue(table.targetsMet)
        let text = markdown(table)
        XCTAssertFalse(text.contains("not comparable"), text)
        XCTAssertTrue(text.contains("judged: **0 of 1**"), text)
        XCTAssertTrue(text.contains("Targets met"), text)
    }
}
