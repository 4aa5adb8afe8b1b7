import BenchCore
import BenchProtocol

/// One metric of one scenario and scale, tested.
public struct Judgement: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case regression, improvement, unchanged
        /// Too few repeats for any p-value to reach alpha.
        case untestable
    }

    public var scenario: String
    public var scale: Double
    public var metric: String
    public var unit: Metric.Unit
    public var against: Thresholds.Judge
    /// Medians.
    public var before: Double
    public var after: Double
    /// Fraction worse (negative = better).
    public var worsening: Double
    public var p: Double
    public var alpha: Double
    public var minEffect: Double
    public var outcome: Outcome

    public var changeText: String {
        worsening.isInfinite ? "from 0" : String(format: "%.1f%% %@", abs(worsening) * 100, worsening > 0 ? "worse" : "better")
    }

    var finding: Finding {
        let source = against == .baseline ? "vs baseline" : "vs base revision, same job"
        return Finding(scenario: scenario, scale: scale, metric: metric,
                       baseline: Format.value(before, unit: unit), now: Format.value(after, unit: unit),
                       rule: String(format: "%@, Mann–Whitney p = %.4f < %.2g and > %.0f%% worse; %@", changeText, p, alpha, minEffect * 100, source))
    }
}
