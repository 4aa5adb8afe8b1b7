import BenchModel
import BenchProtocol
import BenchReport

/// One regression, on one line: scenario, scale, metric, baseline → now, and the rule it broke.
public struct Finding: Sendable, Equatable, Codable, CustomStringConvertible {
    public var scenario: RowID
    public var scale: Double
    public var metric: String
    public var baseline: String
    public var now: String
    public var rule: String

    public var description: String {
        "\(scenario) \(Format.scale(scale)) \(metric): \(baseline) → \(now) (\(rule))"
    }
}
