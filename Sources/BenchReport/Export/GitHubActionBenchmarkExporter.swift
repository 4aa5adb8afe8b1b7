import BenchProtocol
import Foundation

/// github-action-benchmark's custom formats: a JSON array of `{name, unit, value, range, extra}`
/// per file, one file per direction because the action takes one `tool` per file —
/// `customSmallerIsBetter` (memory, latency, CPU, gauge maxima) and `customBiggerIsBetter`
/// (throughput).
///
/// `name` is `scenario/variant ×scale — metric_with_unit`, `value` the median over the `ok`
/// repeats, `range` `± half the min–max spread`, `extra` how many repeats and the commit. A row
/// with no `ok` repeat is left out.
public struct GitHubActionBenchmarkExporter: Exporter {
    public enum Direction: String, Sendable {
        case smallerIsBetter = "customSmallerIsBetter"
        case biggerIsBetter = "customBiggerIsBetter"
    }

    public let direction: Direction
    public var fileName: String {
        direction == .smallerIsBetter ? "github-action-benchmark-smaller.json" : "github-action-benchmark-bigger.json"
    }

    public init(_ direction: Direction) { self.direction = direction }

    struct Entry: Codable, Equatable {
        var name: String
        var unit: String
        var value: Double
        var range: String
        var extra: String
    }

    public func render(_ analysis: RunAnalysis) throws -> String {
        var entries: [Entry] = []
        for summary in analysis.summaries {
            for (metric, spread) in BencherExporter.exported(summary)
            where metric.higherIsBetter == (direction == .biggerIsBetter) {
                entries.append(
                    Entry(
                        name: "\(BencherExporter.benchmarkName(summary)) — \(metric.key)", unit: Self.unit(metric.unit),
                        value: spread.median,
                        range: "± \(CSV.number((spread.max - spread.min) / 2))",
                        extra:
                            "\(spread.count) ok repeats; min \(CSV.number(spread.min)), max \(CSV.number(spread.max)); commit \(analysis.document.environment.gitCommit)"
                    ))
            }
        }
        return String(decoding: try JSONLineCoding.prettyEncoder.encode(entries), as: UTF8.self) + "\n"
    }

    static func unit(_ unit: Metric.Unit) -> String {
        switch unit {
        case .bytes: return "bytes"
        case .bytesPerSecond: return "bytes/s"
        case .itemsPerSecond: return "items/s"
        case .seconds: return "s"
        case .microseconds: return "us"
        case .count: return "count"
        }
    }
}
