import BenchProtocol
import Foundation

/// One output file of a run. Exporters only render; ``RunWriter`` writes them atomically.
public protocol Exporter: Sendable {
    /// File name inside the run folder, e.g. `results.csv`.
    var fileName: String { get }
    func render(_ analysis: RunAnalysis) throws -> String
}

/// The exporters every run writes, in order.
public enum Exporters {
    public static let all: [any Exporter] = [
        ResultsCSVExporter(), TimelineCSVExporter(), ResultsJSONExporter(), RunJSONExporter(), MarkdownExporter(),
        HTMLReportExporter(),
    ]
}
