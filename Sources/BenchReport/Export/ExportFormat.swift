import BenchProtocol
import BenchSystem

/// The extra exports `--export` adds beside the standard files, for dashboards that ingest them.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// Bencher Metric Format: `bencher.json`.
    case bencher
    /// github-action-benchmark's `customSmallerIsBetter` and `customBiggerIsBetter` files.
    case githubActionBenchmark = "github-action-benchmark"

    public var exporters: [any Exporter] {
        switch self {
        case .bencher: return [BencherExporter()]
        case .githubActionBenchmark:
            return [GitHubActionBenchmarkExporter(.smallerIsBetter), GitHubActionBenchmarkExporter(.biggerIsBetter)]
        }
    }

    /// The formats named by `--export` (repeatable, or comma-separated).
    public static func parse(_ arguments: [String]) throws(BenchError) -> [ExportFormat] {
        var formats: [ExportFormat] = []
        for name in arguments.flatMap({ $0.split(separator: ",").map(String.init) }) {
            guard let format = ExportFormat(rawValue: name) else {
                throw BenchError(
                    .usage,
                    "--export \(name) is not a format (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !formats.contains(format) { formats.append(format) }
        }
        return formats
    }
}
