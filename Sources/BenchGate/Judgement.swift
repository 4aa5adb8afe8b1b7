import BenchModel
import BenchProtocol
import BenchReport

/// One metric of one scenario and scale, tested.
public struct Judgement: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable {
        case regression, improvement, unchanged
        /// Shown to be worse by less than the minimum effect: the repeats lie below the
        /// reference's shifted by `minEffect` (one-sided Mann–Whitney, p ≤ ``Gate/settleAlpha``),
        /// or both sides are the same constant. What lets adaptive repeats stop early.
        case withinMargin = "within-margin"
        /// Before the maximum of repeats: too many pairs already favour the reference for any
        /// further repeats to make the final test significant (curtailment) — running on could
        /// not change the gate's answer.
        case cannotRegress = "cannot-regress"
        /// Too few repeats for any p-value to reach alpha, and not shown within the margin.
        case untestable
    }

    public var scenario: RowID
    public var scale: Double
    public var metric: String
    public var unit: Metric.Unit
    public var against: Thresholds.Judge
    /// Medians.
    public var before: Double
    public var after: Double
    /// Fraction worse (negative = better); infinite from a median of 0.
    @NonFiniteAsText public var worsening: Double
    public var p: Double
    /// One-sided p-value that the change is smaller than `minEffect` (non-inferiority).
    public var marginP: Double = 1
    /// Repeats on each side.
    public var beforeCount = 0
    public var afterCount = 0
    public var alpha: Double
    public var minEffect: Double
    public var outcome: Outcome
    /// For a cell judged against a baseline of several runs: each run's median. The cell is a
    /// regression only past the worst of them by more than `minEffect` (``BaselineRunSpread``).
    public var baselineRuns: BaselineRunSpread? = nil

    /// Whether more repeats could still change what the gate says of this cell: settled cells are
    /// an improvement, shown within the margin, or out of reach of a regression at the maximum
    /// (``Outcome/cannotRegress``). A regression is only ever judged at the maximum, so adaptive
    /// repeats cannot stop on a first unlucky look.
    public var isSettled: Bool { [.withinMargin, .cannotRegress, .improvement].contains(outcome) }

    public var changeText: String {
        worsening.isInfinite
            ? "from 0" : String(format: "%.1f%% %@", abs(worsening) * 100, worsening > 0 ? "worse" : "better")
    }

    /// What the cell was judged against, in a few words: check.md's *against* column.
    public var referenceText: String {
        guard let baselineRuns else { return against.rawValue }
        return "\(against.rawValue) (\(baselineRuns.text(unit: unit)))"
    }

    var finding: Finding {
        guard let baselineRuns else {
            let source = against == .baseline ? "vs baseline" : "vs base revision, same job"
            return Finding(
                scenario: scenario, scale: scale, metric: metric,
                baseline: Format.value(before, unit: unit), now: Format.value(after, unit: unit),
                rule: String(
                    format: "%@, Mann–Whitney p = %.4f < %.2g and > %.0f%% worse; %@", changeText, p, alpha,
                    minEffect * 100, source))
        }
        let edge = baselineRuns.edge(higherIsBetter: Metric.named(metric)?.higherIsBetter ?? false)
        return Finding(
            scenario: scenario, scale: scale, metric: metric,
            baseline: Format.value(before, unit: unit), now: Format.value(after, unit: unit),
            rule: String(
                format:
                    "%@, Mann–Whitney p = %.4f < %.2g against the %d runs' pooled repeats and > %.0f%% past the worst run's median %@; vs baseline %@",
                changeText, p, alpha, baselineRuns.runs.count, minEffect * 100, Format.value(edge, unit: unit),
                baselineRuns.text(unit: unit)))
    }
}
