import BenchProtocol
import BenchStatistics
import Foundation

/// `bencher.json`: the run in Bencher Metric Format (BMF), for `bencher run --adapter json
/// --file bencher.json`.
///
/// One benchmark per row and scale (`scenario/variant ×scale`), one measure per gated or reported
/// figure, named by its column with its unit (`peak-allocated-bytes`, `throughput-bytes-per-s`,
/// `max-queue-depth`): `value` is the median over the `ok` repeats, `lower_value`/`upper_value`
/// their min and max. A row with no `ok` repeat has no figures to give and is left out (it is
/// never "fast"); report.md says why.
public struct BencherExporter: Exporter {
    public let fileName = "bencher.json"
    public init() {}

    struct Value: Codable, Equatable {
        var value: Double
        var lowerValue: Double
        var upperValue: Double

        /// Bencher's JSON names.
        enum CodingKeys: String, CodingKey {
            case value
            case lowerValue = "lower_value"
            case upperValue = "upper_value"
        }
    }

    public func render(_ analysis: RunAnalysis) throws -> String {
        var benchmarks: [String: [String: Value]] = [:]
        for summary in analysis.summaries {
            var measures: [String: Value] = [:]
            for (metric, spread) in Self.exported(summary) {
                measures[Self.slug(metric.key)] = Value(
                    value: spread.median, lowerValue: spread.min, upperValue: spread.max)
            }
            if !measures.isEmpty { benchmarks[Self.benchmarkName(summary)] = measures }
        }
        return String(decoding: try JSONLineCoding.prettyEncoder.encode(benchmarks), as: UTF8.self) + "\n"
    }

    /// The figures both dashboard formats carry: every judged one (machine-stable and machine-bound,
    /// gauge maxima included) and items/s, with their spread over the `ok` repeats.
    static func exported(_ summary: ScenarioSummary) -> [(Metric, Spread)] {
        summary.metrics.filter { $0.stability != .reported || $0 == .throughputItems }
            .compactMap { metric in summary.spreads[metric.key].map { (metric, $0) } }
    }

    /// `scenario/variant ×scale`, the name both dashboard formats use.
    static func benchmarkName(_ summary: ScenarioSummary) -> String {
        "\(summary.scenario) \(Format.scale(summary.scale))"
    }

    /// A Bencher measure slug: the column name in kebab case (at most 64 characters).
    static func slug(_ key: String) -> String {
        String(key.replacingOccurrences(of: "_", with: "-").prefix(64))
    }
}
