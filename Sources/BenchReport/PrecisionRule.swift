import BenchCore
import BenchProtocol

/// Adaptive repeats for `bpbench run`: a row's end scale is settled once the confidence interval
/// of the median (``MedianInterval``) of each figure it is read by — peak allocated (peak RSS
/// without the in-child sampler) and throughput — lies within ±``width`` of the median, and the
/// row's growth verdict is not *inconclusive* (more repeats are what an inconclusive verdict
/// asks for). A scale whose repeats did not all end ok is not chased: more repeats of a crash
/// say nothing new.
public struct PrecisionRule: RepeatRule {
    /// Relative half-width the interval must be within, e.g. 0.05 for ±5 %.
    public var width: Double
    /// Confidence level of the interval, e.g. 0.9.
    public var level: Double
    /// Rows fitted against time, not input (``RunDocument/growsWithTimeRows``).
    public var growsWithTimeRows: Set<String>

    public init(width: Double, level: Double, growsWithTimeRows: Set<String> = []) {
        self.width = width
        self.level = level
        self.growsWithTimeRows = growsWithTimeRows
    }

    public func unsettledScales(row: String, scales: [Double], records: [RunRecord], otherSide: [RunRecord]) -> [Double] {
        let summaries = summarize(records.filter { $0.scenario == row })
        var open = scales.filter { scale in
            guard let summary = summaries.first(where: { $0.scale == scale }), summary.status == RunStatus.ok.rawValue else { return false }
            return !isPrecise(summary)
        }
        if summaries.count >= 2,
           GrowthVerdict.fit(summaries, axis: growsWithTimeRows.contains(row) ? .time : .input).kind == .inconclusive {
            open += scales.filter { !open.contains($0) }
        }
        return open
    }

    /// Whether every figure's interval is narrow enough.
    public func isPrecise(_ summary: ScenarioSummary) -> Bool {
        Self.figures(of: summary).allSatisfy { metric in
            guard let interval = MedianInterval(summary.samples(metric), level: level) else { return false }
            return interval.relativeHalfWidth <= width
        }
    }

    /// The figures a row is read by, as the summary table shows them.
    public static func figures(of summary: ScenarioSummary) -> [Metric] {
        var figures: [Metric] = [summary.median(.peakAllocated) != nil ? .peakAllocated : .peakRss]
        if (summary.median(.throughputBytes) ?? 0) > 0 { figures.append(.throughputBytes) }
        return figures
    }
}
