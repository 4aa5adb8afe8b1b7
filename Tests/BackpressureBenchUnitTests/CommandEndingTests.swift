import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchReport
@testable import BenchSession
@testable import BenchSystem

/// How `run`, `merge` and `gate-proof` end once their work is written, now decided below the CLI:
/// each ending beside the run that ends in success, the worst cause first.
final class CommandEndingTests: ProcessFreeTestCase {
    func testARunThatWentWellEndsInSilence() {
        XCTAssertNil(BenchmarkRun.Outcome().ending)
        let records = Synthetic.document().records
        XCTAssertNil(BenchmarkRun.rowsNotOk(records))
    }

    /// A row that crashed is a row, written and reported — and exit 3 with its count and status.
    func testRowsNotOkEndInThree() throws {
        var records = Synthetic.document().records
        records[0].status = .crashed
        records[3].status = .timeout
        let line = try XCTUnwrap(BenchmarkRun.rowsNotOk(records))
        XCTAssertEqual(line, "2 of \(records.count) rows did not end ok (crashed, timeout)")
        XCTAssertEqual(
            BenchmarkRun.Outcome(rowsNotOk: line).ending,
            CommandEnding(
                code: 3,
                line:
                    "bpbench: 2 of \(records.count) rows did not end ok (crashed, timeout); every row was written (see status in report.md)"
            ))
        records[0].status = .skipped
        records[3].status = .ok
        XCTAssertNil(BenchmarkRun.rowsNotOk(records), "a skipped row (a tool the machine lacks) is not a failure")
    }

    /// Interrupted outranks a failed crash test, which outranks rows not ok, which outrank a
    /// broken folder (whose own code, 65 or 69, is the run's).
    func testTheWorstCauseDecidesTheEnding() {
        let broken = BenchError(.data, "Scenarios/x/scenario.json: bad")
        var outcome = BenchmarkRun.Outcome(
            interrupted: true, crashFailure: "lost 3 items", rowsNotOk: "1 of 2 rows did not end ok (crashed)",
            brokenFolder: broken)
        XCTAssertEqual(
            outcome.ending, CommandEnding(code: 130, line: "bpbench: interrupted; the finished repeats were written"))
        outcome.interrupted = false
        XCTAssertEqual(outcome.ending, CommandEnding(code: 1, line: "bpbench: crash test failed: lost 3 items"))
        outcome.crashFailure = nil
        XCTAssertEqual(outcome.ending?.code, 3)
        outcome.rowsNotOk = nil
        XCTAssertEqual(
            outcome.ending,
            CommandEnding(
                code: 65,
                line: "bpbench: the run is complete without a broken scenario folder: Scenarios/x/scenario.json: bad"))
        outcome.brokenFolder = nil
        XCTAssertNil(outcome.ending)
    }

    func testAnErrorFoundAfterTheWritingEndsAsTheErrorWould() {
        XCTAssertEqual(
            CommandEnding(after: BenchError(.data, "not comparable: x")),
            CommandEnding(code: 65, line: "bpbench: error: not comparable: x"))
    }

    /// An unchanged check that judged no cell counts against the proof's targets; its progress
    /// line said "pass". Now it says what it was — and a check that judged and found nothing still
    /// passes, one with a finding is a false alarm.
    func testAnUnchangedCheckThatJudgedNothingIsNotCalledAPass() {
        let judgedNothing = ProofTable.UnchangedCheck(
            findings: [], judged: 0, boundedRows: 0, children: 4, seconds: 1,
            notComparable: "no cell could be judged — A/B skipped")
        XCTAssertEqual(
            GateProof.outcome(of: judgedNothing), "NOT COMPARABLE, not a pass: no cell could be judged — A/B skipped")
        let clean = ProofTable.UnchangedCheck(findings: [], judged: 12, boundedRows: 0, children: 4, seconds: 1)
        XCTAssertEqual(GateProof.outcome(of: clean), "pass")
        let report = Gate(baseline: Baseline(RunAnalysis(Synthetic.document())), thresholds: .standard).evaluate(
            head: RunAnalysis(Synthetic.document(ignoredDrainFactor: 3)), base: nil)
        XCTAssertGreaterThan(report.findings.count, 1)
        let alarm = ProofTable.UnchangedCheck(
            findings: report.findings, judged: 12, boundedRows: 0, children: 4, seconds: 1)
        XCTAssertEqual(
            GateProof.outcome(of: alarm), "FALSE ALARM: " + report.findings.map(\.description).joined(separator: "; "))
    }

    /// A benchmark merge missing a shard (or with one cut short) is partial, 3, naming it; whole
    /// it ends in silence.
    func testAMergeMissingAShardIsPartial() throws {
        let plan = try SyntheticShards.plan()
        let scratch = TestSupport.temporaryDirectory("merge-ending")
        let partial = try ShardMerge(
            folders: try SyntheticShards.writeShards(plan, count: 3, under: scratch + "/partial", only: [1, 3]))
        XCTAssertEqual(
            MergeRun.partialEnding(partial),
            CommandEnding(
                code: 3,
                line: "bpbench: the merge is partial: shard 2/3 missing; report.md says which rows are absent"))
        let whole = try ShardMerge(folders: try SyntheticShards.writeShards(plan, count: 3, under: scratch + "/whole"))
        XCTAssertNil(MergeRun.partialEnding(whole))
    }

    /// `plan --shards N` prints one line per shard, every unit in exactly one.
    func testThePlanCutNamesEveryShard() throws {
        let plan = try SyntheticShards.plan()
        let lines = PlanWriter.cut(plan, shards: 3)
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[0].hasPrefix("  shard 1/3: "), lines[0])
        let units = lines.compactMap { line in
            line.split(separator: ":")[1].split(separator: " ").first.flatMap { Int($0) }
        }
        XCTAssertEqual(units.reduce(0, +), ShardSlicer.units(of: plan).count)
    }
}
