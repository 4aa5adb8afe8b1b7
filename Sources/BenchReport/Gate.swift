import BenchCore
import BenchProtocol

/// `bpbench check`: judges a run two ways and lists every regression.
///
/// - **Machine-stable** figures (peak allocated, gauge maxima, status, growth verdict) against
///   the committed baseline, which may come from another machine.
/// - **Machine-bound** figures (throughput, latency, CPU, peak RSS) only against the base
///   revision measured in the same job, interleaved with this one (``base``); without it they are
///   not judged, and the report says so.
///
/// A metric regresses when the change is significant (one-sided Mann–Whitney U over the repeats,
/// p < `alpha`) **and** larger than its `minEffect`. A status change from ok, bounded → grows,
/// grows → anything else (the negative control: the scenario can no longer show growth, or it
/// changed), and a scenario missing from the run always fail.
public struct Gate: Sendable {
    public let baseline: Baseline
    public let thresholds: Thresholds
    /// While adaptive repeats run: the most repeats a side will get. A cell whose regression is
    /// out of reach at that count is ``Judgement/Outcome/cannotRegress``; nil judges the counts
    /// as final.
    public var maximumRepeats: Int?

    public init(baseline: Baseline, thresholds: Thresholds, maximumRepeats: Int? = nil) {
        self.baseline = baseline
        self.thresholds = thresholds
        self.maximumRepeats = maximumRepeats
    }

    /// Judges `head` (the run under test) against the baseline and, when given, `base` (the
    /// base revision's run from the same job).
    public func evaluate(head: RunAnalysis, base: RunAnalysis?) -> GateReport {
        var report = GateReport()
        report.notes += baseline.environmentNotes(head.document)
        for (scenario, keys) in (head.document.injected ?? [:]).sorted(by: { $0.key < $1.key }) {
            report.notes.append("injected (a declared change, standing for a code change): \(scenario) \(keys.sorted().joined(separator: ", "))")
        }
        var verdictsSeen: Set<String> = []
        for entry in baseline.entries {
            guard let summary = head.summaries.first(where: { $0.scenario == entry.scenario && $0.scale == entry.scale }) else {
                report.findings.append(Finding(scenario: entry.scenario, scale: entry.scale, metric: "presence", baseline: "present", now: "missing from the run", rule: "every baseline scenario must run"))
                continue
            }
            if entry.status == RunStatus.ok.rawValue, summary.status != RunStatus.ok.rawValue {
                report.findings.append(Finding(scenario: entry.scenario, scale: entry.scale, metric: "status", baseline: entry.status, now: summary.status, rule: "status must stay ok"))
                continue
            }
            if !verdictsSeen.contains(entry.scenario) {
                verdictsSeen.insert(entry.scenario)
                if let finding = verdictFinding(entry, now: head.verdicts[entry.scenario]) { report.findings.append(finding) }
            }
            for metric in metrics(entry: entry, summary: summary) where thresholds.judge(metric, scenario: entry.scenario) == .baseline {
                guard let before = entry.samples[metric.key], !before.isEmpty else { continue }
                report.add(judge(metric, scenario: entry.scenario, scale: entry.scale, before: before, after: summary.samples(metric), against: .baseline))
            }
        }
        for summary in head.summaries where baseline.entry(summary.scenario, scale: summary.scale) == nil {
            report.notes.append("\(summary.scenario) \(Format.scale(summary.scale)) is not in the baseline: not judged against it (make baseline adds it)")
        }
        guard let base else {
            report.notes.append("machine-bound metrics (throughput, latency, CPU, peak RSS) not judged: no base revision was run in this job (bpbench check --against REV)")
            return report
        }
        for summary in head.summaries where summary.status == RunStatus.ok.rawValue {
            guard let other = base.summaries.first(where: { $0.scenario == summary.scenario && $0.scale == summary.scale }) else {
                report.notes.append("\(summary.scenario) \(Format.scale(summary.scale)): no base-revision run to compare with (new scenario, or skipped)")
                continue
            }
            guard other.status == RunStatus.ok.rawValue else {
                report.notes.append("\(summary.scenario) \(Format.scale(summary.scale)): the base revision's runs ended \(other.status); same-job metrics not judged")
                continue
            }
            for metric in summary.metrics where thresholds.judge(metric, scenario: summary.scenario) == .sameJob {
                let before = other.samples(metric)
                guard !before.isEmpty else { continue }
                report.add(judge(metric, scenario: summary.scenario, scale: summary.scale, before: before, after: summary.samples(metric), against: .sameJob))
            }
        }
        return report
    }

    /// The baseline's metrics and the run's, in a stable order.
    func metrics(entry: Baseline.Entry, summary: ScenarioSummary) -> [Metric] {
        var seen: Set<String> = []
        var result: [Metric] = []
        for metric in summary.metrics + entry.samples.keys.sorted().compactMap(Metric.named) where !seen.contains(metric.key) {
            seen.insert(metric.key)
            result.append(metric)
        }
        return result
    }

    func verdictFinding(_ entry: Baseline.Entry, now verdict: GrowthVerdict?) -> Finding? {
        let now = verdict?.kind.rawValue ?? GrowthVerdict.Kind.unknown.rawValue
        let bounded = GrowthVerdict.Kind.bounded.rawValue
        let growing = [GrowthVerdict.Kind.grows.rawValue, GrowthVerdict.Kind.growsWithTime.rawValue]
        if entry.verdict == bounded, growing.contains(now) {
            return Finding(scenario: entry.scenario, scale: entry.scale, metric: "memory_verdict", baseline: bounded, now: "\(now) (\(verdict?.explanation ?? ""))", rule: "must stay bounded")
        }
        if growing.contains(entry.verdict), now != entry.verdict {
            return Finding(scenario: entry.scenario, scale: entry.scale, metric: "memory_verdict", baseline: entry.verdict, now: "\(now) (\(verdict?.explanation ?? ""))",
                           rule: "negative control: the scenario must still show its growth — the harness lost the ability to see growth, or the scenario changed")
        }
        return nil
    }

    /// The level at which a cell counts as shown within its margin (``Judgement/Outcome/withinMargin``).
    /// 0.05 is the smallest p 3 + 3 repeats can reach; stopping there risks, at worst, one in
    /// twenty cells whose true change is exactly the minimum effect — a change of 1.5× the
    /// minimum effect or more leaves the repeats above the shifted reference and runs on to the
    /// maximum, where the regression test is the same as with a fixed count.
    public static let settleAlpha = 0.05

    /// Tests one metric: significance of the worsening and its size, and whether it is shown to
    /// be smaller than the metric's minimum effect.
    public func judge(_ metric: Metric, scenario: String, scale: Double, before: [Double], after: [Double], against: Thresholds.Judge) -> Judgement {
        let minEffect = thresholds.limit(for: metric, scenario: scenario)?.minEffect ?? 0
        var judgement = Judgement(scenario: scenario, scale: scale, metric: metric.key, unit: metric.unit, against: against,
                                  before: Spread(before)?.median ?? 0, after: Spread(after)?.median ?? 0,
                                  worsening: 0, p: 1, alpha: thresholds.alpha, minEffect: minEffect, outcome: .unchanged)
        judgement.beforeCount = before.count
        judgement.afterCount = after.count
        guard !after.isEmpty else {
            judgement.outcome = .untestable
            return judgement
        }
        judgement.worsening = Self.worsening(before: judgement.before, after: judgement.after, higherIsBetter: metric.higherIsBetter)
        judgement.p = metric.higherIsBetter ? MannWhitney.pGreater(before, than: after) : MannWhitney.pGreater(after, than: before)
        let improvementP = metric.higherIsBetter ? MannWhitney.pGreater(after, than: before) : MannWhitney.pGreater(before, than: after)
        judgement.marginP = Self.marginP(before: before, after: after, minEffect: minEffect, higherIsBetter: metric.higherIsBetter)
        if MannWhitney.smallestP(before.count, after.count) < thresholds.alpha, judgement.p < thresholds.alpha, judgement.worsening > minEffect {
            judgement.outcome = .regression
        } else if MannWhitney.smallestP(before.count, after.count) < thresholds.alpha, improvementP < thresholds.alpha, -judgement.worsening > minEffect {
            judgement.outcome = .improvement
        } else if judgement.marginP <= Self.settleAlpha {
            judgement.outcome = .withinMargin
        } else if let maximum = maximumRepeats, after.count < maximum || (against == .sameJob && before.count < maximum) {
            let final = (before: against == .sameJob ? max(before.count, maximum) : before.count, after: max(after.count, maximum))
            if !Self.regressionReachable(before: before, after: after, final: final, alpha: thresholds.alpha, higherIsBetter: metric.higherIsBetter) {
                judgement.outcome = .cannotRegress
            } else if MannWhitney.smallestP(before.count, after.count) >= thresholds.alpha {
                judgement.outcome = .untestable
            }
        } else if MannWhitney.smallestP(before.count, after.count) >= thresholds.alpha {
            judgement.outcome = .untestable
        }
        return judgement
    }

    /// Whether the regression test at the final counts could still come out significant: the
    /// pairs seen so far in which `after` was not worse stay in the final U whatever the next
    /// repeats bring, so the best the worse side can reach is every pair but those.
    static func regressionReachable(before: [Double], after: [Double], final: (before: Int, after: Int), alpha: Double, higherIsBetter: Bool) -> Bool {
        let worse = higherIsBetter ? MannWhitney.u(before, after) : MannWhitney.u(after, before)
        let notWorse = Double(before.count * after.count) - worse
        let best = Double(final.before * final.after) - notWorse
        return MannWhitney.p(u: best, final.after, final.before) < alpha
    }

    /// One-sided p-value for "`after` is worse than `before` by less than `minEffect`": `after`
    /// against `before` moved by the margin in the worse direction. Both sides one and the same
    /// constant (a gauge pinned at 0 or at a capacity) is no change at all: p = 0.
    static func marginP(before: [Double], after: [Double], minEffect: Double, higherIsBetter: Bool) -> Double {
        guard !before.isEmpty, !after.isEmpty else { return 1 }
        if let only = before.first, (before + after).allSatisfy({ $0 == only }) { return 0 }
        if higherIsBetter {
            return MannWhitney.pGreater(after, than: before.map { $0 * (1 - minEffect) })
        }
        return MannWhitney.pGreater(before.map { $0 * (1 + minEffect) }, than: after)
    }

    /// How much worse `after` is than `before`, as a fraction of `before` (negative = better).
    static func worsening(before: Double, after: Double, higherIsBetter: Bool) -> Double {
        let denominator = max(abs(before), 1e-12)
        if before == 0 && after == 0 { return 0 }
        if before == 0 { return higherIsBetter ? -1 : (after > 0 ? .infinity : 0) }
        return higherIsBetter ? (before - after) / denominator : (after - before) / denominator
    }
}
