import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchReport

/// `check --against REV` where REV has this tree's scenario code: no base side runs (identical
/// binaries cannot regress), the figure cells are not judged — neither against a base nor against
/// the committed baseline — and one line says how many and why; statuses and growth verdicts are
/// judged against the baseline as always, each both ways.
final class SameCodeBaseTests: ProcessFreeTestCase {
    static let base = "HEAD~1 (abc123def456)"
    let twoRowsTwoScales = 4

    func gate(_ baseline: Baseline, sameCode: Bool = true) -> Gate {
        var gate = Gate(baseline: baseline, thresholds: .standard)
        gate.sameCodeBase = sameCode ? Self.base : nil
        return gate
    }

    /// The synthetic run with pipeline-copy's heap doubled: a figure regression wherever figures
    /// are judged.
    static func doubledHeap() -> RunDocument {
        var document = Synthetic.document()
        for index in document.records.indices where document.records[index].scenario == "pipeline-copy" {
            document.records[index].result?.peaks.allocated *= 2
        }
        return document
    }

    /// No cell judged, the line counting exactly the cells a base side of the same code would have
    /// judged, every baseline row's status judged — and not "nothing judged".
    func testTheFiguresAreNotJudgedAndCountedAndTheCheckStillCounts() throws {
        let head = RunAnalysis(Synthetic.document())
        let report = gate(Baseline(head)).evaluate(head: head, base: nil)
        XCTAssertTrue(report.passed)
        XCTAssertEqual(report.judgements, [], "no figure cell judged")
        let sameCode = try XCTUnwrap(report.sameCodeBase)
        // What the A/B of the same binaries judged: the cells now counted instead.
        let withABase = Gate(baseline: Baseline(head), thresholds: .standard).evaluate(head: head, base: head)
        XCTAssertEqual(sameCode.figureCells, withABase.judgements.count)
        XCTAssertGreaterThan(sameCode.figureCells, 0)
        XCTAssertEqual(sameCode.rowsJudged, twoRowsTwoScales)
        XCTAssertEqual(sameCode.rowsWithoutBaseline, [])
        XCTAssertTrue(
            report.notes.contains(
                "\(sameCode.figureCells) figure cells not judged: base HEAD~1 (abc123def456) has this tree's scenario code — the same binaries on both sides, nothing to compare"
            ), "\(report.notes)")
        XCTAssertFalse(report.notes.contains { $0.contains("no base revision was run") }, "\(report.notes)")
        XCTAssertNil(report.nothingJudged(rowsRun: twoRowsTwoScales), "statuses and verdicts were judged")

        // The other way: without a base revision the same baseline judges the figures.
        let alone = gate(Baseline(head), sameCode: false).evaluate(head: head, base: nil)
        XCTAssertGreaterThan(alone.judgedCells, 0)
        XCTAssertNil(alone.sameCodeBase)
    }

    /// A heap that doubled is a finding against the baseline; with a base of the same code the
    /// baseline does not judge it (the cross-machine comparison issue 25 removed).
    func testAFigureAgainstTheBaselineIsNotAFindingWithTheSameCode() {
        let baseline = Baseline(RunAnalysis(Synthetic.document()))
        let head = RunAnalysis(Self.doubledHeap())
        XCTAssertFalse(gate(baseline, sameCode: false).evaluate(head: head, base: nil).passed, "judged: a finding")
        let report = gate(baseline).evaluate(head: head, base: nil)
        XCTAssertTrue(report.passed, "\(report.findings)")
        XCTAssertTrue(
            report.notes.contains {
                $0.hasPrefix(
                    "drift from the baseline (not a finding: the base revision has this tree's scenario code): pipeline-copy ×1 peak_allocated_bytes"
                )
            }, "\(report.notes)")
    }

    /// A status that was ok and is not, and a growth verdict that moved, still fail.
    func testAStatusOrVerdictChangeStillFails() {
        let baseline = Baseline(RunAnalysis(Synthetic.document()))
        let failed = gate(baseline).evaluate(
            head: RunAnalysis(Synthetic.document(pipelineStatus: .failedVerification)), base: nil)
        XCTAssertFalse(failed.passed)
        XCTAssertEqual(Set(failed.findings.map(\.metric)), ["status"], "\(failed.findings)")
        XCTAssertEqual(failed.findings.map(\.scenario), ["pipeline-copy", "pipeline-copy"])

        let stopped = gate(baseline).evaluate(head: RunAnalysis(Synthetic.document(ignoredDrainFactor: 0)), base: nil)
        XCTAssertFalse(stopped.passed)
        XCTAssertEqual(stopped.findings.map(\.metric), ["memory_verdict"], "\(stopped.findings)")
        XCTAssertTrue(stopped.findings[0].rule.hasPrefix("negative control"), stopped.findings[0].rule)
    }

    /// Rows the baseline lacks: with other code the base judges them; with the same code they
    /// are listed as not judged, with the reason — and a check of only such rows passes listing
    /// them (nothing could have been compared), where without a base it is not comparable.
    func testRowsTheBaselineLacksAreListedNotJudged() throws {
        let head = RunAnalysis(Synthetic.document())
        var onlyPipeline = Baseline(head)
        onlyPipeline.entries = onlyPipeline.entries.filter { $0.scenario == "pipeline-copy" }
        let report = gate(onlyPipeline).evaluate(head: head, base: nil)
        let sameCode = try XCTUnwrap(report.sameCodeBase)
        XCTAssertEqual(sameCode.rowsWithoutBaseline, ["ignored-drain ×1", "ignored-drain ×4"])
        XCTAssertEqual(sameCode.rowsJudged, 2)
        XCTAssertTrue(
            report.notes.contains(
                "ignored-drain ×1, ignored-drain ×4 (not in the baseline): not judged — \(sameCode.reason)"),
            "\(report.notes)")
        XCTAssertTrue(report.passed)

        var empty = Baseline(head)
        empty.entries = []
        let none = gate(empty).evaluate(head: head, base: nil)
        XCTAssertEqual(none.sameCodeBase?.rowsJudged, 0)
        XCTAssertNil(none.nothingJudged(rowsRun: twoRowsTwoScales), "identical binaries: nothing could differ")
        XCTAssertNotNil(
            gate(empty, sameCode: false).evaluate(head: head, base: nil).nothingJudged(rowsRun: twoRowsTwoScales),
            "without a base revision the same rows are not comparable")
    }

    /// The adaptive rule knows: a row whose heap looks worse than the baseline's runs on to the
    /// maximum when the baseline judges it, and stops at the minimum when nothing will.
    func testTheRepeatRuleDoesNotRunOnForFiguresNobodyJudges() {
        let baseline = Baseline(RunAnalysis(Synthetic.document()))
        let head = Self.doubledHeap()
        let records = head.records.filter { $0.scenario == "pipeline-copy" && $0.repeatIndex <= 3 }
        func unsettled(sameCode: Bool) -> [Double] {
            var limited = gate(baseline, sameCode: sameCode)
            limited.maximumRepeats = 7
            return GateRepeatRule(gate: limited, head: head, base: nil, maximumRepeats: 7).unsettledScales(
                row: "pipeline-copy", scales: [1, 4], records: records, otherSide: [])
        }
        XCTAssertEqual(unsettled(sameCode: false), [1, 4])
        XCTAssertEqual(unsettled(sameCode: true), [])
    }

    /// check.json carries it as data (absent otherwise, so older files and snapshots are
    /// unchanged), and a merge of shards sums the counts and says so in its verdict line.
    func testCheckJsonAndTheMergeCarryIt() throws {
        let head = RunAnalysis(Synthetic.document())
        let report = gate(Baseline(head)).evaluate(head: head, base: nil)
        func record(_ report: GateReport) -> CheckRecord {
            CheckRecord(
                report: report, baseline: "b", baselineDigest: "d", thresholds: .standard, revision: "r",
                planID: nil, shard: nil, environment: Synthetic.environment, rows: [])
        }
        let encoded = try record(report).encoded()
        let decoded = try JSONLineCoding.decoder.decode(CheckRecord.self, from: encoded)
        XCTAssertEqual(decoded.sameCodeBase, report.sameCodeBase)
        XCTAssertEqual(decoded.verdict, .passed)
        XCTAssertEqual(decoded.report.sameCodeBase, report.sameCodeBase)
        XCTAssertFalse(String(decoding: try record(GateReport()).encoded(), as: UTF8.self).contains("sameCodeBase"))

        let plan = try SyntheticShards.plan(
            check: PlanFile.Check(
                baseline: "Reports/baseline.json", baselineDigest: "0123456789abcdef",
                rows: ["pipeline-copy", "ignored-drain"], injected: nil))
        let folders = try SyntheticShards.writeShards(
            plan, count: 2, under: TestSupport.temporaryDirectory("same-code-merge"))
        try SyntheticShards.judge(folders, plan: plan) { shard, report in
            report.judgements = []
            report.sameCodeBase = SameCodeBase(
                base: Self.base, figureCells: 10 * shard, rowsJudged: 2, rowsWithoutBaseline: [])
        }
        let merged = try CheckMerge(try ShardMerge(folders: folders))
        XCTAssertEqual(merged.result.verdict, .passed)
        XCTAssertEqual(merged.result.sameCodeBase?.figureCells, 30)
        XCTAssertEqual(merged.result.sameCodeBase?.rowsJudged, 4)
        XCTAssertTrue(
            merged.markdown(title: "t").contains(
                "(0 cells judged; 30 figure cells not judged: base HEAD~1 (abc123def456) has this tree's scenario code"),
            merged.markdown(title: "t"))
    }
}
