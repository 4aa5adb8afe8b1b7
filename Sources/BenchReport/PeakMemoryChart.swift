import BenchCore
import BenchProtocol

/// peaks.svg: peak RSS and peak allocated per scenario (medians, largest scale).
public struct PeakMemoryChart: ChartExporter {
    public let fileName = "peaks.svg"
    public let title = "Peak memory per scenario (median, largest input)"
    public init() {}

    public func render(_ analysis: RunAnalysis) throws -> String {
        let summaries = analysis.scenarios.compactMap { analysis.largest($0) }
        func values(_ metric: Metric) -> [Double] {
            summaries.map { $0.median(metric) ?? $0.records.map { metric.value($0) ?? 0 }.max() ?? 0 }
        }
        return SVGPlot.bars(
            title: title, labels: summaries.map(\.scenario),
            series: [("peak RSS (kernel)", SVGPlot.palette[0], values(.peakRss)), ("peak allocated (jemalloc)", SVGPlot.palette[3], values(.peakAllocated))],
            yLabel: "bytes", yUnit: 1_048_576, yFormat: Format.bytes)
    }
}
