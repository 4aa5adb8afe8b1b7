import BenchModel
import BenchProtocol
import Foundation

/// Everything the exporters need, computed once from a ``RunDocument``: summaries per scenario
/// and scale, growth verdicts, ratios against the reference scenario, and seed-claim outcomes.
public struct RunAnalysis: Sendable {
    public let document: RunDocument
    public let summaries: [ScenarioSummary]
    public let verdicts: [String: GrowthVerdict]
    /// The scenario ratios are computed against (present in this run), if any.
    public let reference: String?
    public let claims: [ClaimOutcome]

    /// `reference` overrides the document's own (`--reference` on `bpbench report`).
    public init(_ document: RunDocument, reference override: String? = nil) {
        self.document = document
        let summaries = summarize(document.records)
        self.summaries = summaries
        var verdicts: [String: GrowthVerdict] = [:]
        for name in Self.scenarioOrder(summaries) {
            verdicts[name] = GrowthVerdict.fit(
                summaries.filter { $0.scenario == name },
                axis: document.growsWithTimeRows?.contains(name) == true ? .time : .input)
        }
        self.verdicts = verdicts
        let requested = override ?? document.reference
        reference = summaries.contains { $0.scenario == requested } ? requested : nil
        claims = ClaimOutcome.evaluate(
            document.claims, summaries: summaries, verdicts: verdicts, everyRepeatCount: document.repeats)
    }

    /// Scenario names in first-seen order.
    public var scenarios: [String] { Self.scenarioOrder(summaries) }

    static func scenarioOrder(_ summaries: [ScenarioSummary]) -> [String] {
        var seen: [String] = []
        for summary in summaries where !seen.contains(summary.scenario) { seen.append(summary.scenario) }
        return seen
    }

    /// The summary of `scenario` at its largest scale (the one ratios and claims use).
    public func largest(_ scenario: String) -> ScenarioSummary? {
        summaries.filter { $0.scenario == scenario }.max { $0.scale < $1.scale }
    }

    /// `summary`'s median ÷ the reference's at the same scale (throughput ratios are only ever
    /// computed inside one run, where both ran on the same machine minutes apart).
    public func ratioToReference(_ summary: ScenarioSummary, _ metric: Metric) -> Double? {
        guard let reference,
            let base = summaries.first(where: { $0.scenario == reference && $0.scale == summary.scale })?.median(
                metric),
            let value = summary.median(metric), base > 0
        else { return nil }
        return value / base
    }
}

extension ClaimOutcome {
    /// A gauge's maximum against a limit read from each repeat's parameters, over every repeat
    /// that reported the gauge (failed ones included); the worst excess decides.
    static func gaugeAtMost(
        _ gauge: String, limitText: String, records: [RunRecord], limit: ([String: String]) -> Double?
    ) -> (Result, String) {
        var worst: (value: Double, limit: Double)?
        for record in records {
            guard let bound = limit(record.parameters), let value = record.gaugeMaxima[gauge].map(Double.init) else {
                continue
            }
            if worst == nil || value - bound > worst!.value - worst!.limit { worst = (value, bound) }
        }
        guard let worst else { return (.notMeasured, "gauge \(gauge) or \(limitText) missing") }
        return (
            worst.value <= worst.limit ? .holds : .doesNotHold,
            "max \(gauge) \(Format.count(worst.value)), \(limitText) = \(Format.count(worst.limit))"
        )
    }
}
