/// A claim a seed article makes about a pattern, stated so the report can check it against the
/// measured numbers ("holds" / "does not hold" / "inconclusive" / "not measured in this run").
///
/// Scenarios declare their own claims, so a new scenario brings its claims with it.
public struct SeedClaim: Codable, Sendable, Equatable {
    /// The claim in words, e.g. "peak memory does not depend on file size".
    public var text: String
    /// The seed file it comes from.
    public var seed: String
    public var check: Check

    public init(_ text: String, seed: String, check: Check) {
        self.text = text
        self.seed = seed
        self.check = check
    }

    /// How a claim is checked.
    public enum Check: Codable, Sendable, Equatable {
        /// The memory-growth verdict is `bounded` (needs a run with at least two scales).
        case memoryBounded
        /// The memory-growth verdict is `grows with input`.
        case memoryGrows
        /// Peak jemalloc-allocated bytes ÷ bytes moved lies in `min...max` (medians, largest scale).
        case peakAllocatedPerInputByte(min: Double, max: Double)
        /// Throughput ÷ `scenario`'s throughput lies in `min...max`: a two-sided statement ("within
        /// 5 % of", "between 50 and 110 ×"), judged on the ratio's interval.
        case throughputRatio(scenario: String, min: Double, max: Double)
        /// Throughput ÷ `scenario`'s throughput is at least `min`: a one-sided statement ("as fast
        /// as", allowing `1 − min` of slack), judged on the ratio's lower bound — being faster
        /// never makes it fail.
        case throughputRatioAtLeast(scenario: String, min: Double)
        /// The gauge's maximum never exceeds the value of `parameter`, in every repeat.
        case gaugeAtMostParameter(gauge: String, parameter: String)
        /// The gauge's maximum never exceeds the sum of `parameters` plus `plus`, in every repeat
        /// (failed ones included), e.g. payloads held ≤ capacity + workers + 1.
        case gaugeAtMostSum(gauge: String, parameters: [String], plus: Double)
        /// Median throughput (items/s) ≥ `fraction` × parameter × metric, e.g. workers × sequential rate.
        case throughputAtLeast(fraction: Double, parameter: String, metric: String)
        /// A metric is exactly `value` in every repeat (e.g. `lost` = 0).
        case metricEquals(metric: String, value: Double)
        /// A metric is at most `value` in every repeat (e.g. a measured curve's error against
        /// the seed's formula ≤ 0.05).
        case metricAtMost(metric: String, value: Double)
    }
}

extension SeedClaim.Check {
    /// The gauge's maximum never exceeds `parameter`'s value, in every repeat.
    public static func gauge(_ gauge: GaugeName, atMost parameter: Param<Int>) -> Self {
        .gaugeAtMostParameter(gauge: gauge.name, parameter: parameter.name)
    }

    /// The gauge's maximum never exceeds the sum of `parameters` plus `plus`, in every repeat.
    public static func gauge(_ gauge: GaugeName, atMostSumOf parameters: [Param<Int>], plus: Double) -> Self {
        .gaugeAtMostSum(gauge: gauge.name, parameters: parameters.map(\.name), plus: plus)
    }

    /// Median items/s ≥ `fraction` × `parameter` × `metric`.
    public static func throughput(
        atLeast fraction: Double, times parameter: Param<Int>, times metric: MetricName
    ) -> Self {
        .throughputAtLeast(fraction: fraction, parameter: parameter.name, metric: metric.name)
    }

    /// `metric` is exactly `value` in every repeat.
    public static func metric(_ metric: MetricName, equals value: Double) -> Self {
        .metricEquals(metric: metric.name, value: value)
    }

    /// `metric` is at most `value` in every repeat.
    public static func metric(_ metric: MetricName, atMost value: Double) -> Self {
        .metricAtMost(metric: metric.name, value: value)
    }

    /// The parameters this check reads.
    public var parameterNames: [String] {
        switch self {
        case .gaugeAtMostParameter(_, let parameter): return [parameter]
        case .gaugeAtMostSum(_, let parameters, _): return parameters
        case .throughputAtLeast(_, let parameter, _): return [parameter]
        default: return []
        }
    }

    /// The gauges this check reads.
    public var gaugeNames: [String] {
        switch self {
        case .gaugeAtMostParameter(let gauge, _), .gaugeAtMostSum(let gauge, _, _): return [gauge]
        default: return []
        }
    }

    /// The scenario metrics this check reads.
    public var metricNames: [String] {
        switch self {
        case .throughputAtLeast(_, _, let metric), .metricEquals(let metric, _), .metricAtMost(let metric, _):
            return [metric]
        default: return []
        }
    }
}
