import BenchCore
import BenchProtocol

/// memory.svg: RSS (solid, from /proc) and jemalloc allocated (dashed) over time, all scenarios
/// on one time axis.
public struct MemoryTimelineChart: ChartExporter {
    public let fileName = "memory.svg"
    public let title = "Memory over time (RSS solid, jemalloc allocated dashed)"
    public init() {}

    public func render(_ analysis: RunAnalysis) throws -> String {
        var series: [SVGPlot.Series] = []
        for (index, record) in analysis.representativeRecords().enumerated() {
            let color = SVGPlot.palette[index % SVGPlot.palette.count]
            series.append(.init(name: "\(record.scenario) RSS", color: color, points: record.timeline.map { ($0.tMs / 1000, Double($0.rssBytes)) }))
            series.append(.init(name: "\(record.scenario) allocated", color: color, dashed: true, points: record.timeline.map { ($0.tMs / 1000, Double($0.allocatedBytes)) }))
        }
        return SVGPlot.lines(title: title, series: series, xLabel: "time since start (s)", yLabel: "memory", yUnit: 1_048_576, yFormat: Format.bytes)
    }
}
