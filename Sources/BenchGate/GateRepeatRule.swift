import BenchModel
import BenchProtocol
import BenchReport
import BenchStatistics

/// Adaptive repeats for `bpbench check`: a row is settled once the gate's answer for it cannot
/// change — every cell it judges (against the baseline and, in the A/B, against the base
/// revision) is an improvement, shown *within its margin*, or *cannot regress* any more (so many
/// pairs already favour the reference that the regression test at the maximum could not be
/// significant whatever the next repeats bring: curtailment, no statistical risk at all), and
/// its growth verdict is the baseline's. Anything else (a cell that looks worse, an inconclusive
/// verdict) runs on, one pair at a time, to the maximum — the baseline's repeat count, where the
/// regression test is exactly the fixed-count gate's. So unchanged code stops after the minimum
/// while an injected regression still meets the full test.
public struct GateRepeatRule: RepeatRule {
    /// The fewest repeats per side with which a cell can be shown within its margin: 3 + 3 reach
    /// p = 0.05 (``Gate/settleAlpha``), 3 against a baseline of 5 reach 0.018.
    public static let minimumRepeats = 3

    /// The plan's maximum: the baseline's repeat count, raised to the fewest repeats a side with
    /// which a same-job test can reach its level at all — 7 at the committed α = 0.001 (6 + 6
    /// cannot go below 1/924 = 0.0011). Only rows still undecided at 5 run on: unchanged rows
    /// settle at 3 as before.
    public static func maximumRepeats(baselineRepeats: Int, thresholds: Thresholds) -> Int {
        max(baselineRepeats, minimumRepeats, MannWhitney.repeatsNeeded(alpha: thresholds.alpha(against: .sameJob)))
    }

    public let gate: Gate
    /// The head side's document (settings, time rows); its records are replaced by the row's.
    public let head: RunDocument
    /// The base side's, in an A/B.
    public let base: RunDocument?

    /// The plan's maximum (the baseline's repeat count).
    public let maximumRepeats: Int

    public init(gate: Gate, head: RunDocument, base: RunDocument?, maximumRepeats: Int) {
        self.gate = gate
        self.head = head
        self.base = base
        self.maximumRepeats = maximumRepeats
    }

    public func unsettledScales(row: RowID, scales: [Double], records: [RunRecord], otherSide: [RunRecord]) -> [Double]
    {
        let report = evaluate(row: row, records: records, otherSide: otherSide)
        var open = scales.filter { scale in
            report.judgements.contains { $0.scenario == row && $0.scale == scale && !$0.isSettled }
        }
        // The verdict to keep: the baseline's, or for a row the baseline lacks the base side's.
        var expected = gate.baseline.entries.first(where: { $0.scenario == row })?.verdict
        if expected == nil, var baseDocument = base, !otherSide.isEmpty {
            baseDocument.records = otherSide
            expected = RunAnalysis(baseDocument).verdicts[row]?.kind
        }
        if let expected {
            var document = head
            document.records = records
            if RunAnalysis(document).verdicts[row]?.kind != expected {
                open += scales.filter { !open.contains($0) }
            }
        }
        return open
    }

    /// The gate's report on one row, as its repeats stand.
    func evaluate(row: RowID, records: [RunRecord], otherSide: [RunRecord]) -> GateReport {
        var headDocument = head
        headDocument.records = records
        var baseAnalysis: RunAnalysis?
        if var baseDocument = base, !otherSide.isEmpty {
            baseDocument.records = otherSide
            baseAnalysis = RunAnalysis(baseDocument)
        }
        return gate.restricted(to: row, maximumRepeats: maximumRepeats)
            .evaluate(head: RunAnalysis(headDocument), base: baseAnalysis)
    }
}
