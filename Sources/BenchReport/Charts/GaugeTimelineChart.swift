import BenchProtocol

/// gauges.svg: every scenario gauge over time, each scaled to its own maximum (the legend says
/// the maximum), since queue depths and buffered bytes have different units.
public struct GaugeTimelineChart: ChartExporter {
    public let fileName = "gauges.svg"
    public let title = "Gauges over time (each as % of its own maximum)"
    public init() {}

    public func render(_ analysis: RunAnalysis) throws -> String {
        var series: [SVGPlot.Series] = []
        for record in analysis.representativeRecords() {
            let names = Set(record.timeline.flatMap { $0.gauges.keys }).sorted()
            for name in names {
                let values = record.timeline.map { Double($0.gauges[name] ?? 0) }
                guard let peak = values.max(), peak > 0 else { continue }
                let color = SVGPlot.palette[series.count % SVGPlot.palette.count]
                let peakText = name.hasSuffix("bytes") ? Format.bytes(peak) : Format.count(peak)
                series.append(
                    .init(
                        name: "\(record.scenario) \(name) (max \(peakText))", color: color,
                        points: zip(record.timeline, values).map { ($0.tMs / 1000, $1 / peak * 100) }))
            }
        }
        return SVGPlot.lines(
            title: title, series: series, xLabel: "time since start (s)", yLabel: "% of maximum",
            yFormat: { String(format: "%.0f%%", $0) })
    }
}
