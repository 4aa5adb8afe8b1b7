import Foundation

/// A minimal SVG plotter (lines and bars with labelled axes) so charts need no dependency and
/// open in any browser and on GitHub.
struct SVGPlot {
    struct Series {
        var name: String
        var color: String
        var dashed = false
        var points: [(x: Double, y: Double)]
        /// Draw each point as a dot, without a connecting line (measurements, not a trace).
        var dots = false
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    let width: Double
    let height: Double
    let margin: (left: Double, right: Double, top: Double, bottom: Double)
    private(set) var body: [String] = []

    /// - Parameter legendNames: sizes the right margin so no legend entry is cut off.
    init(width: Double = 900, height: Double = 380, legendNames: [String] = []) {
        let legendWidth = Double(legendNames.map(\.count).max() ?? 16) * 7.2 + 44
        self.width = width + max(0, legendWidth - 190)
        self.height = height
        margin = (80, max(190, legendWidth), 36, 48)
    }

    var plotWidth: Double { width - margin.left - margin.right }
    var plotHeight: Double { height - margin.top - margin.bottom }

    /// "Nice" tick values covering 0...maximum (1, 2, 2.5, 5 × 10ⁿ steps of `unit`, so byte axes
    /// tick at round MiB, not at round decimal byte counts).
    static func ticks(upTo maximum: Double, count: Int = 5, unit: Double = 1) -> [Double] {
        guard maximum > 0 else { return [0, unit] }
        return ticks(upTo: maximum / unit, count: count).map { $0 * unit }
    }

    private static func ticks(upTo maximum: Double, count: Int) -> [Double] {
        guard maximum > 0 else { return [0, 1] }
        let raw = maximum / Double(count)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        return stride(from: 0, through: maximum + step * 0.999, by: step).map { $0 }
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Draws a line chart into a new SVG document.
    static func lines(title: String, series: [Series], xLabel: String, yLabel: String, yUnit: Double = 1, yFormat: (Double) -> String, width: Double = 900, height: Double = 380) -> String {
        var plot = SVGPlot(width: width, height: height, legendNames: series.map(\.name))
        let maxX = series.flatMap { $0.points.map(\.x) }.max() ?? 1
        let maxY = series.flatMap { $0.points.map(\.y) }.max() ?? 1
        let xTicks = ticks(upTo: maxX)
        let yTicks = ticks(upTo: maxY, unit: yUnit)
        plot.axes(title: title, xTicks: xTicks, yTicks: yTicks, xLabel: xLabel, yLabel: yLabel, xFormat: { String(format: $0 == $0.rounded() ? "%.0f" : "%.1f", $0) }, yFormat: yFormat)
        let xMax = xTicks.last ?? 1
        let yMax = yTicks.last ?? 1
        for (index, line) in series.enumerated() {
            if line.dots {
                for point in line.points {
                    plot.body.append(String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\" fill-opacity=\"0.7\"/>",
                                            plot.margin.left + point.x / xMax * plot.plotWidth, plot.margin.top + plot.plotHeight * (1 - point.y / yMax), line.color))
                }
                plot.legend(index: index, name: line.name, color: line.color, dashed: false)
                continue
            }
            let path = line.points.map { point in
                String(format: "%.1f,%.1f", plot.margin.left + point.x / xMax * plot.plotWidth, plot.margin.top + plot.plotHeight * (1 - point.y / yMax))
            }.joined(separator: " ")
            plot.body.append("<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.6\"\(line.dashed ? " stroke-dasharray=\"5,3\"" : "") points=\"\(path)\"/>")
            plot.legend(index: index, name: line.name, color: line.color, dashed: line.dashed)
        }
        return plot.document()
    }

    /// One chart per panel, each with its own axes, in a grid of `columns`: small multiples, so a
    /// 3 MiB buffer is as visible in its panel as a 700 MiB one in another. Each panel is a
    /// ``lines(title:series:xLabel:yLabel:yUnit:yFormat:width:height:)`` chart nested at its place.
    static func panels(title: String, panels: [(title: String, series: [Series])], columns: Int = 2, xLabel: String, yLabel: String,
                       yUnit: Double = 1, yFormat: (Double) -> String) -> String {
        let panelHeight = 240.0, header = 34.0
        let charts = panels.map { panel in
            (lines(title: panel.title, series: panel.series, xLabel: xLabel, yLabel: yLabel, yUnit: yUnit, yFormat: yFormat, width: 640, height: panelHeight),
             SVGPlot(width: 640, height: panelHeight, legendNames: panel.series.map(\.name)).width)
        }
        // Columns as wide as the widest panel (its legend decides), so none overlaps the next.
        let panelWidth = charts.map(\.1).max() ?? 640
        let totalWidth = panelWidth * Double(columns)
        var nested: [String] = []
        for (index, (chart, _)) in charts.enumerated() {
            // The panel's own document becomes a positioned nested <svg>.
            let x = Double(index % columns) * panelWidth
            let y = header + Double(index / columns) * panelHeight
            nested.append(chart.replacingOccurrences(of: "<svg xmlns=\"http://www.w3.org/2000/svg\" ", with: String(format: "<svg x=\"%.0f\" y=\"%.0f\" ", x, y)))
        }
        let rows = (panels.count + columns - 1) / max(columns, 1)
        let height = header + Double(rows) * panelHeight
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(totalWidth))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(totalWidth)) \(Int(height))\" font-family=\"sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + "<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">\(escape(title))</text>\n"
            + nested.joined(separator: "\n") + "</svg>\n"
    }

    /// Draws grouped bars (one group per label, one bar per series) into a new SVG document.
    static func bars(title: String, labels: [String], series: [(name: String, color: String, values: [Double])], yLabel: String, yUnit: Double = 1, yFormat: (Double) -> String) -> String {
        var plot = SVGPlot(width: 900, height: 380, legendNames: series.map(\.name))
        let maxY = series.flatMap(\.values).max() ?? 1
        let yTicks = ticks(upTo: maxY, unit: yUnit)
        plot.axes(title: title, xTicks: [], yTicks: yTicks, xLabel: "", yLabel: yLabel, xFormat: { _ in "" }, yFormat: yFormat)
        let yMax = yTicks.last ?? 1
        let groupWidth = plot.plotWidth / Double(max(labels.count, 1))
        let barWidth = groupWidth * 0.8 / Double(max(series.count, 1))
        for (groupIndex, label) in labels.enumerated() {
            let groupLeft = plot.margin.left + Double(groupIndex) * groupWidth + groupWidth * 0.1
            for (seriesIndex, bar) in series.enumerated() {
                let value = bar.values[groupIndex]
                let barHeight = plot.plotHeight * value / yMax
                let x = groupLeft + Double(seriesIndex) * barWidth
                let y = plot.margin.top + plot.plotHeight - barHeight
                plot.body.append(String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"><title>%@</title></rect>", x, y, barWidth - 2, barHeight, bar.color, escape("\(label) \(bar.name): \(yFormat(value))")))
                plot.body.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%@</text>", x + barWidth / 2, y - 3, escape(yFormat(value))))
            }
            plot.body.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">%@</text>", groupLeft + groupWidth * 0.4, plot.margin.top + plot.plotHeight + 18, escape(label)))
        }
        for (index, bar) in series.enumerated() { plot.legend(index: index, name: bar.name, color: bar.color, dashed: false) }
        return plot.document()
    }

    private mutating func axes(title: String, xTicks: [Double], yTicks: [Double], xLabel: String, yLabel: String, xFormat: (Double) -> String, yFormat: (Double) -> String) {
        let left = margin.left, top = margin.top, bottom = margin.top + plotHeight, right = margin.left + plotWidth
        body.append("<text x=\"\(left)\" y=\"22\" font-size=\"15\" font-weight=\"bold\">\(Self.escape(title))</text>")
        let yMax = yTicks.last ?? 1
        for tick in yTicks {
            let y = top + plotHeight * (1 - tick / yMax)
            body.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", left, y, right, y))
            body.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%@</text>", left - 6, y + 4, Self.escape(yFormat(tick))))
        }
        let xMax = xTicks.last ?? 1
        for tick in xTicks {
            let x = left + tick / xMax * plotWidth
            body.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", x, top, x, bottom))
            body.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%@</text>", x, bottom + 16, Self.escape(xFormat(tick))))
        }
        body.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>", left, bottom, right, bottom))
        body.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>", left, top, left, bottom))
        if !xLabel.isEmpty {
            body.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">%@</text>", left + plotWidth / 2, height - 8, Self.escape(xLabel)))
        }
        body.append(String(format: "<text x=\"16\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 16 %.1f)\">%@</text>", top + plotHeight / 2, top + plotHeight / 2, Self.escape(yLabel)))
    }

    private mutating func legend(index: Int, name: String, color: String, dashed: Bool) {
        let x = width - margin.right + 14
        let y = margin.top + 8 + Double(index) * 18
        body.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"3\"%@/>", x, y, x + 22, y, color, dashed ? " stroke-dasharray=\"5,3\"" : ""))
        body.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%@</text>", x + 28, y + 4, Self.escape(name)))
    }

    private func document() -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body.joined(separator: "\n") + "\n</svg>\n"
    }
}
