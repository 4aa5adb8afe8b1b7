import BenchProtocol
import BenchReport
import BenchStatistics
import Foundation

/// One baseline cell's figures run by run: the median of each recorded run's repeats. What a
/// baseline cell that gates is judged against besides the pooled repeats — a head is a regression
/// only past the *worst* run's median by more than the minimum effect (the largest for a figure
/// where lower is better), so a shift the baseline's own runs already showed between them is
/// never called one (issue 25: simulated, a 3 % run-level spread false-alarmed 22 % of unchanged
/// checks judged against one run's repeats).
public struct BaselineRunSpread: Codable, Sendable, Equatable {
    /// The recorded runs' IDs (run folder names), in the baseline's order.
    public var runs: [String]
    /// Each run's median, in the same order.
    public var medians: [Double]

    /// Nil unless at least two runs have repeats to take a median of: one run shows no spread.
    /// A run without figures for the metric is left out.
    public init?(runs: [String], repeats: [[Double]]) {
        let measured = zip(runs, repeats).compactMap { run, values in Spread(values).map { (run, $0.median) } }
        guard measured.count >= 2 else { return nil }
        self.runs = measured.map(\.0)
        self.medians = measured.map(\.1)
    }

    public var largest: Double { medians.max() ?? 0 }
    public var smallest: Double { medians.min() ?? 0 }

    /// The run median a change must pass to count: the worst run's (largest where lower is better,
    /// smallest where higher is), or, for an improvement, the best run's.
    public func edge(higherIsBetter: Bool, forImprovement: Bool = false) -> Double {
        higherIsBetter != forImprovement ? smallest : largest
    }

    /// How far the run medians lie apart, as a fraction of the smallest (0.08 = the largest is 8 %
    /// above the smallest).
    public var spread: Double { smallest > 0 ? largest / smallest - 1 : 0 }

    /// Where `median` (a head's) lies against the runs' range, when outside it: "3.4 MiB, 6.3%
    /// above the runs' 3.0–3.2 MiB"; nil inside. The drift report's line: informational, since a
    /// cell judged against the base revision is not judged here.
    public func drift(of median: Double, unit: Metric.Unit) -> String? {
        guard median < smallest || median > largest else { return nil }
        let edge = median > largest ? largest : smallest
        let range = "\(Format.value(smallest, unit: unit))–\(Format.value(largest, unit: unit))"
        return String(
            format: "%@, %.1f%% %@ the runs' %@", Format.value(median, unit: unit),
            abs(median / max(edge, 1e-12) - 1) * 100, median > largest ? "above" : "below", range)
    }

    /// "runs A, B, C: medians 2.90 / 3.05 / 3.13 MiB, spread 7.9%" — which runs a cell was judged
    /// against and how far apart they lie, for check.md and a finding.
    public func text(unit: Metric.Unit) -> String {
        let values = medians.map { Format.value($0, unit: unit) }.joined(separator: " / ")
        return
            "runs \(runs.joined(separator: ", ")): medians \(values), spread \(String(format: "%.1f%%", spread * 100))"
    }
}
