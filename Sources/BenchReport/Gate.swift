import BenchCore

/// `bpbench check`: compares a run's analysis with a baseline under thresholds and lists every
/// regression. A status change (ok → anything else), a verdict change (bounded → grows) and a
/// scenario missing from the run always fail.
public struct Gate: Sendable {
    /// One regression: which scenario and metric, baseline → now, and the limit it broke.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public var scenario: String
        public var scale: Double
        public var metric: String
        public var baseline: String
        public var now: String
        public var limit: String
        public var description: String {
            "\(scenario) \(Format.scale(scale)) \(metric): \(baseline) → \(now) (limit \(limit))"
        }
    }

    public let baseline: Baseline
    public let thresholds: Thresholds

    public init(baseline: Baseline, thresholds: Thresholds) {
        self.baseline = baseline
        self.thresholds = thresholds
    }

    /// Every regression of `analysis` against the baseline; empty means the check passes.
    public func findings(_ analysis: RunAnalysis) -> [Finding] {
        var findings: [Finding] = []
        for entry in baseline.entries {
            guard let summary = analysis.summaries.first(where: { $0.scenario == entry.scenario && $0.scale == entry.scale }) else {
                findings.append(Finding(scenario: entry.scenario, scale: entry.scale, metric: "presence", baseline: "present", now: "missing from the run", limit: "must run"))
                continue
            }
            if entry.status == RunStatus.ok.rawValue, summary.status != entry.status {
                findings.append(Finding(scenario: entry.scenario, scale: entry.scale, metric: "status", baseline: entry.status, now: summary.status, limit: "status must stay ok"))
                continue
            }
            let verdict = analysis.verdicts[entry.scenario]?.kind.rawValue ?? GrowthVerdict.Kind.unknown.rawValue
            if entry.verdict == GrowthVerdict.Kind.bounded.rawValue, verdict == GrowthVerdict.Kind.grows.rawValue,
               !findings.contains(where: { $0.scenario == entry.scenario && $0.metric == "memory_verdict" }) {
                findings.append(Finding(scenario: entry.scenario, scale: entry.scale, metric: "memory_verdict", baseline: entry.verdict, now: verdict, limit: "must stay bounded"))
            }
            for metric in Metric.all {
                guard let limit = thresholds.limit(for: metric.key, scenario: entry.scenario) else { continue }
                if let finding = compare(metric, limit: limit, entry: entry, summary: summary, analysis: analysis) { findings.append(finding) }
            }
        }
        return findings
    }

    func compare(_ metric: Metric, limit: Thresholds.Limit, entry: Baseline.Entry, summary: ScenarioSummary, analysis: RunAnalysis) -> Finding? {
        if metric.isMemory {
            guard let before = entry.medians[metric.key], let after = summary.median(metric) else { return nil }
            let growth = after - before
            let floor = limit.absoluteBytes ?? 0
            guard growth > before * limit.relative, growth > floor else { return nil }
            return Finding(scenario: entry.scenario, scale: entry.scale, metric: metric.key, baseline: Format.bytes(before), now: Format.bytes(after),
                           limit: "+\(Int(limit.relative * 100))% and +\(Format.bytes(floor))")
        }
        // Speed: judged on the ratio to the reference measured in the same run.
        guard entry.scenario != baseline.reference,
              let before = entry.ratiosToReference[metric.key], let after = analysis.ratioToReference(summary, metric), before > 0 else { return nil }
        let worse = metric.higherIsBetter ? (before - after) / before : (after - before) / before
        guard worse > limit.relative else { return nil }
        let reference = baseline.reference ?? "reference"
        return Finding(scenario: entry.scenario, scale: entry.scale, metric: metric.key + " (ratio to \(reference))",
                       baseline: Format.ratio(before), now: Format.ratio(after), limit: "\(Int(limit.relative * 100))% worse")
    }
}
