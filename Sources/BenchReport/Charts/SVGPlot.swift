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
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Draws a line chart into a new SVG document.
    static func lines(
        title: String, series: [Series], xLabel: String, yLabel: String, yUnit: Double = 1, yFormat: (Double) -> String,
        width: Double = 900, height: Double = 380
    ) -> String {
        var plot = SVGPlot(width: width, height: height, legendNames: series.map(\.name))
        let maxX = series.flatMap { $0.points.map(\.x) }.max() ?? 1
        let maxY = series.flatMap { $0.points.map(\.y) }.max() ?? 1
        let xTicks = ticks(upTo: maxX)
        let yTicks = ticks(upTo: maxY, unit: yUnit)
        plot.axes(
            title: title, xTicks: xTicks, yTicks: yTicks, xLabel: xLabel, yLabel: yLabel,
            xFormat: { String(format: $0 == $0.rounded() ? "%.0f" : "%.1f", $0) }, yFormat: yFormat)
        let xMax = xTicks.last ?? 1
        let yMax = yTicks.last ?? 1
        for (index, line) in series.enumerated() {
            if line.dots {
                for point in line.points {
                    plot.body.append(
                        String(
                            format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\" fill-opacity=\"0.7\"/>",
                            plot.margin.left + point.x / xMax * plot.plotWidth,
                            plot.margin.top + plot.plotHeight * (1 - point.y / yMax), line.color))
                }
                plot.legend(index: index, name: line.name, color: line.color, dashed: false)
                continue
            }
            let path = line.points.map { point in
                String(
                    format: "%.1f,%.1f", plot.margin.left + point.x / xMax * plot.plotWidth,
                    plot.margin.top + plot.plotHeight * (1 - point.y / yMax))
            }.joined(separator: " ")
            plot.body.append(
                "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.6\"\(line.dashed ? " stroke-dasharray=\"5,3\"" : "") points=\"\(path)\"/>"
            )
            plot.legend(index: index, name: line.name, color: line.color, dashed: line.dashed)
        }
        return plot.document()
    }

    /// One chart per panel, each with its own axes, in a grid of `columns`: small multiples, so a
    /// 3 MiB buffer is as visible in its panel as a 700 MiB one in another. Each panel is a
    /// ``lines(title:series:xLabel:yLabel:yUnit:yFormat:width:height:)`` chart nested at its place.
    static func panels(
        title: String, panels: [(title: String, series: [Series])], columns: Int = 2, xLabel: String, yLabel: String,
        yUnit: Double = 1, yFormat: (Double) -> String
    ) -> String {
        let panelHeight = 240.0
        let header = 34.0
        let charts = panels.map { panel in
            (
                lines(
                    title: panel.title, series: panel.series, xLabel: xLabel, yLabel: yLabel, yUnit: yUnit,
                    yFormat: yFormat, width: 640, height: panelHeight),
                SVGPlot(width: 640, height: panelHeight, legendNames: panel.series.map(\.name)).width
            )
        }
        // Columns as wide as the widest panel (its legend decides), so none overlaps the next.
        let panelWidth = charts.map(\.1).max() ?? 640
        let totalWidth = panelWidth * Double(columns)
        var nested: [String] = []
        for (index, (chart, _)) in charts.enumerated() {
            // The panel's own document becomes a positioned nested <svg>.
            let x = Double(index % columns) * panelWidth
            let y = header + Double(index / columns) * panelHeight
            nested.append(
                chart.replacingOccurrences(
                    of: "<svg xmlns=\"http://www.w3.org/2000/svg\" ",
                    with: String(format: "<svg x=\"%.0f\" y=\"%.0f\" ", x, y)))
        }
        let rows = (panels.count + columns - 1) / max(columns, 1)
        let height = header + Double(rows) * panelHeight
        return
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(totalWidth))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(totalWidth)) \(Int(height))\" font-family=\"sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + "<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">\(escape(title))</text>\n"
            + nested.joined(separator: "\n") + "</svg>\n"
    }

    /// How a bar chart's value axis maps sizes.
    enum AxisScale: Equatable {
        case linear
        /// Logarithmic: bars start at the lowest tick, a power of 4 at most half the smallest value (so the smallest bar has a length).
        case log
    }

    /// Log when the positive values span more than two decades (a 1 MiB buffer beside a 1 GiB
    /// one is a zero-width bar on a linear axis), linear otherwise (where lengths compare directly).
    static func axisScale(for values: [Double]) -> AxisScale {
        let positive = values.filter { $0 > 0 }
        guard let low = positive.min(), let high = positive.max() else { return .linear }
        return high / low > 100 ? .log : .linear
    }

    /// Height of one row of ``horizontalBars(title:labels:series:unit:format:)``, and the font
    /// size of its labels: rows sit `rowHeight` apart, so labels never overlap however many.
    static let rowHeight = 20.0
    static let rowFontSize = 12.0

    /// Draws one horizontal line per label — the label left, one thin bar per series, the values
    /// right (a missing value, nil, is a dash) — in the order given, into a new SVG document whose height grows with the rows.
    /// Row labels carry `class="row-label"` so tests can find them. `unit` rounds linear ticks.
    static func horizontalBars(
        title: String, labels: [String], series: [(name: String, color: String, values: [Double?])],
        unit: Double = 1, format: (Double) -> String
    ) -> String {
        let all = series.flatMap { $0.values.compactMap { $0 } }
        let scale = axisScale(for: all)
        // Widths from the longest label and value text (≈ 0.6 em per character at 12 px).
        let labelWidth = Double(labels.map(\.count).max() ?? 8) * 7.2 + 16
        let valueTexts = labels.indices.map { row in
            series.map { $0.values[row].map(format) ?? "—" }.joined(separator: " · ")
        }
        let valueWidth = Double(valueTexts.map(\.count).max() ?? 10) * 6.6 + 16
        let plotWidth = 520.0
        let left = labelWidth
        let right = left + plotWidth
        let top = 78.0
        let bottom = top + rowHeight * Double(labels.count)
        var plot = SVGPlot(width: right + valueWidth, height: bottom + 40)

        // The axis: ticks and a mapping from a value to x.
        let ticks: [Double]
        let position: (Double) -> Double?
        switch scale {
        case .linear:
            ticks = Self.ticks(upTo: all.max() ?? 1, unit: unit)
            let maximum = ticks.last ?? 1
            position = { $0 > 0 ? left + $0 / maximum * plotWidth : nil }
        case .log:
            let positive = all.filter { $0 > 0 }
            // At least a factor 2 below the smallest value: its bar must have a length to read.
            let low = floor(Foundation.log(positive.min()! / 2) / Foundation.log(4.0))
            let high = max(low + 1, ceil(Foundation.log(positive.max()!) / Foundation.log(4.0)))
            // Powers of 4 (1, 4, 16, 64 MiB…) read as round sizes; powers of 16 past ten ticks.
            let step = high - low > 10 ? 2.0 : 1.0
            ticks = stride(from: low, through: high, by: step).map { pow(4, $0) }
            position = {
                $0 > 0 ? left + (Foundation.log($0) / Foundation.log(4.0) - low) / (high - low) * plotWidth : nil
            }
        }

        plot.body.append("<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">\(escape(title))</text>")
        var legendX = 10.0
        for entry in series {
            plot.body.append(
                String(
                    format: "<rect x=\"%.1f\" y=\"36\" width=\"14\" height=\"10\" fill=\"%@\"/>", legendX, entry.color))
            plot.body.append(
                String(format: "<text x=\"%.1f\" y=\"45\" font-size=\"11\">%@</text>", legendX + 18, escape(entry.name))
            )
            legendX += 18 + Double(entry.name.count) * 6.6 + 20
        }
        plot.body.append(
            String(
                format: "<text x=\"%.1f\" y=\"45\" font-size=\"11\" fill=\"#555\">%@</text>", legendX,
                scale == .log ? "log scale" : "linear scale"))
        for tick in ticks {
            guard let x = position(tick) ?? (tick == 0 ? left : nil) else { continue }
            plot.body.append(
                String(
                    format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", x, top - 4, x,
                    bottom))
            for y in [top - 8, bottom + 16] {
                plot.body.append(
                    String(
                        format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%@</text>", x, y,
                        escape(format(tick))))
            }
        }
        plot.body.append(
            String(
                format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>", left, top - 4, left,
                bottom))

        let barHeight = (rowHeight - 6) / Double(max(series.count, 1))
        for (row, label) in labels.enumerated() {
            let rowTop = top + Double(row) * rowHeight
            let baseline = rowTop + rowHeight / 2 + rowFontSize / 3
            if row % 2 == 1 {
                plot.body.append(
                    String(
                        format:
                            "<rect x=\"0\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\" fill=\"#000\" fill-opacity=\"0.04\"/>",
                        rowTop, plot.width, rowHeight))
            }
            plot.body.append(
                String(
                    format:
                        "<text class=\"row-label\" x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\" text-anchor=\"end\">%@</text>",
                    left - 8, baseline, rowFontSize, escape(label)))
            var values: [String] = []
            for (index, entry) in series.enumerated() {
                // A missing figure (no jemalloc in a Node child) is a dash, not a 0 B bar.
                guard let value = entry.values[row] else {
                    values.append("<tspan fill=\"\(entry.color)\">—</tspan>")
                    continue
                }
                values.append("<tspan fill=\"\(entry.color)\">\(escape(format(value)))</tspan>")
                guard let x = position(value) else { continue }
                plot.body.append(
                    String(
                        format:
                            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"><title>%@</title></rect>",
                        left, rowTop + 3 + Double(index) * barHeight, max(1, x - left), barHeight - 1, entry.color,
                        escape("\(label) \(entry.name): \(format(value))")))
            }
            plot.body.append(
                String(
                    format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%@</text>", right + 8, baseline,
                    values.joined(separator: " · ")))
        }
        return plot.document()
    }

    private mutating func axes(
        title: String, xTicks: [Double], yTicks: [Double], xLabel: String, yLabel: String, xFormat: (Double) -> String,
        yFormat: (Double) -> String
    ) {
        let left = margin.left
        let top = margin.top
        let bottom = margin.top + plotHeight
        let right = margin.left + plotWidth
        body.append("<text x=\"\(left)\" y=\"22\" font-size=\"15\" font-weight=\"bold\">\(Self.escape(title))</text>")
        let yMax = yTicks.last ?? 1
        for tick in yTicks {
            let y = top + plotHeight * (1 - tick / yMax)
            body.append(
                String(
                    format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", left, y, right, y
                ))
            body.append(
                String(
                    format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%@</text>", left - 6,
                    y + 4, Self.escape(yFormat(tick))))
        }
        let xMax = xTicks.last ?? 1
        for tick in xTicks {
            let x = left + tick / xMax * plotWidth
            body.append(
                String(
                    format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", x, top, x, bottom
                ))
            body.append(
                String(
                    format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%@</text>", x,
                    bottom + 16, Self.escape(xFormat(tick))))
        }
        body.append(
            String(
                format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>", left, bottom, right,
                bottom))
        body.append(
            String(
                format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>", left, top, left,
                bottom))
        if !xLabel.isEmpty {
            body.append(
                String(
                    format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">%@</text>",
                    left + plotWidth / 2, height - 8, Self.escape(xLabel)))
        }
        body.append(
            String(
                format:
                    "<text x=\"16\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 16 %.1f)\">%@</text>",
                top + plotHeight / 2, top + plotHeight / 2, Self.escape(yLabel)))
    }

    private mutating func legend(index: Int, name: String, color: String, dashed: Bool) {
        let x = width - margin.right + 14
        let y = margin.top + 8 + Double(index) * 18
        body.append(
            String(
                format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"3\"%@/>", x,
                y, x + 22, y, color, dashed ? " stroke-dasharray=\"5,3\"" : ""))
        body.append(
            String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%@</text>", x + 28, y + 4, Self.escape(name)))
    }

    private func document() -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body.joined(separator: "\n") + "\n</svg>\n"
    }
}
