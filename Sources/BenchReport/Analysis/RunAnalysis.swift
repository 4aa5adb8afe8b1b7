import BenchModel
import BenchProtocol
import Foundation

/// Everything the exporters need, computed once from a ``RunDocument``: summaries per scenario
/// and scale, growth verdicts, ratios against the reference scenario, and seed-claim outcomes.
public struct RunAnalysis: Sendable {
    public let document: RunDocument
    public let summaries: ScenarioSummaries
    public let verdicts: [RowID: GrowthVerdict]
    /// The row ratios are computed against (present in this run), if any.
    public let reference: RowID?
    public let claims: [ClaimOutcome]

    /// `reference` overrides the document's own (`--reference` on `bpbench report`).
    public init(_ document: RunDocument, reference override: RowID? = nil) {
        self.document = document
        let summaries = summarize(document.records)
        self.summaries = summaries
        var verdicts: [RowID: GrowthVerdict] = [:]
        for row in summaries.rows {
            verdicts[row] = GrowthVerdict.fit(
                Array(summaries.of(row)),
                axis: document.growsWithTimeRows?.contains(row.description) == true ? .time : .input)
        }
        self.verdicts = verdicts
        let requested = override ?? document.reference
        reference = requested.flatMap { summaries.of($0).isEmpty ? nil : $0 }
        claims = ClaimOutcome.evaluate(
            document.claims, summaries: summaries, verdicts: verdicts, everyRepeatCount: document.repeats)
    }

    /// The rows in first-seen order.
    public var scenarios: [RowID] { summaries.rows }

    /// The summary of `row` at its largest scale (the one ratios and claims use).
    public func largest(_ row: RowID) -> ScenarioSummary? { summaries.largest(row) }

    /// `summary`'s median ÷ the reference's at the same scale (throughput ratios are only ever
    /// computed inside one run, where both ran on the same machine minutes apart).
    public func ratioToReference(_ summary: ScenarioSummary, _ metric: Metric) -> Double? {
        guard let reference,
            let base = summaries.summary(reference, scale: summary.scale)?.median(metric),
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
