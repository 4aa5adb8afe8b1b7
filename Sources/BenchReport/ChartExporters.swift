import BenchCore

/// A chart written as an SVG file beside report.md.
public protocol ChartExporter: Exporter {
    var title: String { get }
}

public enum ChartExporters {
    public static let all: [any ChartExporter] = [MemoryTimelineChart(), PeakMemoryChart(), GaugeTimelineChart()]
}

extension RunAnalysis {
    /// The repeat each chart draws per scenario: the first ok one at the largest scale (or the
    /// first at all, so a memory-cap run still shows its climb).
    func representativeRecords() -> [RunRecord] {
        scenarios.compactMap { name in
            guard let summary = largest(name) else { return nil }
            return summary.records.first { $0.status == .ok } ?? summary.records.first
        }
    }
}

private func mebibytes(_ value: Double) -> String { Format.bytes(value) }

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
        return SVGPlot.lines(title: title, series: series, xLabel: "time since start (s)", yLabel: "memory", yUnit: 1_048_576, yFormat: mebibytes)
    }
}

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
            yLabel: "bytes", yUnit: 1_048_576, yFormat: mebibytes)
    }
}

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
                series.append(.init(name: "\(record.scenario) \(name) (max \(peakText))", color: color,
                                    points: zip(record.timeline, values).map { ($0.tMs / 1000, $1 / peak * 100) }))
            }
        }
        return SVGPlot.lines(title: title, series: series, xLabel: "time since start (s)", yLabel: "% of maximum", yFormat: { String(format: "%.0f%%", $0) })
    }
}
