import BenchProtocol

/// A chart written as an SVG file beside report.md.
public protocol ChartExporter: Exporter {
    var title: String { get }
}
