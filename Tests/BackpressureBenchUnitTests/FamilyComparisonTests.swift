import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchModel
@testable import BenchReport

#if canImport(FoundationXML)
import FoundationXML
#endif

/// report.md's opening comparison by pattern family, and peaks.svg's one-line-per-row layout,
/// on synthetic runs.
final class FamilyComparisonTests: ProcessFreeTestCase {
    static let mib = 1 << 20

    /// Synthetic.document (pipeline-copy flat, ignored-drain ≈ input, reference pipeline-copy)
    /// plus `extra` rows: name → (pattern or nil, peak allocated, throughput in MiB/s), at ×1 and
    /// ×4, five repeats each.
    static func document(_ extra: [(row: String, pattern: String?, allocated: Int, mibPerS: Double)]) -> RunDocument {
        var document = Synthetic.document()
        var traits: [String: RowTraits] = [
            "pipeline-copy": RowTraits(language: "swift", pattern: "pipeline", variant: nil),
            "ignored-drain": RowTraits(language: "swift", pattern: "ignored-drain", variant: nil),
        ]
        for row in extra {
            if let pattern = row.pattern {
                traits[row.row] = RowTraits(language: "swift", pattern: pattern, variant: nil)
            }
            for scale in [1.0, 4.0] {
                for repeatIndex in 1...5 {
                    document.records.append(
                        Synthetic.record(
                            RowID(row.row), scale: scale, repeatIndex: repeatIndex, peakRss: 30 * mib + row.allocated,
                            allocated: row.allocated, bytes: Int(scale) * 24 * mib,
                            throughput: row.mibPerS * Double(mib)))
                }
            }
        }
        document.rowTraits = traits
        return document
    }

    func testRowsAreGroupedIntoFamiliesByTheirPattern() throws {
        // bounded-queue declares no pattern: it is placed by its scenario name.
        let analysis = RunAnalysis(
            Self.document([
                ("bounded-queue", nil, 2 * Self.mib, 100), ("watermark-pause", "depth-watermark", 8 * Self.mib, 50),
                ("event-backlog", "unbounded-array", 40 * Self.mib, 2),
                ("node-pipeline", "pipeline", 20 * Self.mib, 15),
            ]))
        let groups = FamilyComparison.groups(analysis)
        XCTAssertEqual(
            groups.map(\.family), ["stream copy", "queues & workers", "event intake"],
            "table order; no empty family, no empty other")
        XCTAssertEqual(groups[0].entries.map(\.row), ["pipeline-copy", "ignored-drain", "node-pipeline"])
        XCTAssertEqual(groups[1].entries.map(\.row), ["bounded-queue", "watermark-pause"])
        XCTAssertEqual(groups[2].entries.map(\.row), ["event-backlog"])
        XCTAssertEqual(groups[1].entries[0].patternKey, "bounded-queue")
        XCTAssertTrue(groups.flatMap(\.entries).allSatisfy { $0.scale == 4 }, "each row at the largest scale it ran")
    }

    func testARowOfAnUnknownPatternLandsInOtherAndAKnownOneDoesNot() throws {
        let analysis = RunAnalysis(
            Self.document([
                ("carrier-pigeon", "avian-transport", 5 * Self.mib, 1), ("bounded-queue", nil, 2 * Self.mib, 100),
            ]))
        let groups = FamilyComparison.groups(analysis)
        XCTAssertEqual(groups.last?.family, FamilyComparison.otherFamily)
        XCTAssertEqual(groups.last?.entries.map(\.row), ["carrier-pigeon"], "the unknown row is kept, in other, alone")
        XCTAssertEqual(FamilyComparison.family(of: "avian-transport"), "other")
        XCTAssertEqual(FamilyComparison.family(of: "pipeline"), "stream copy")
        // A scenario with no traits at all (an older run.json) and an unknown name: other too.
        var document = Self.document([("carrier-pigeon", nil, 5 * Self.mib, 1)])
        document.rowTraits = nil
        let untraited = FamilyComparison.groups(RunAnalysis(document))
        XCTAssertEqual(
            untraited.map(\.family), ["stream copy", "other"], "pipeline-copy and ignored-drain are placed by name")
        let report = try MarkdownExporter().render(analysis)
        XCTAssertTrue(report.contains("### Other"), report)
        XCTAssertTrue(report.contains("| `carrier-pigeon` | ×4 · 96.0 MiB |"), report)
    }

    func testRatiosAreToTheFamilysReferenceInTheSameRun() throws {
        let analysis = RunAnalysis(
            Self.document([
                ("bounded-queue", nil, 2 * Self.mib, 100), ("transform-stage", "transform-stage", 1 * Self.mib, 150),
            ]))
        let groups = FamilyComparison.groups(analysis)
        // Stream copy: the run's reference (pipeline-copy, 3 MiB heap at 16 MiB/s) is in it.
        let stream = try XCTUnwrap(groups.first { $0.family == "stream copy" })
        XCTAssertEqual(stream.reference, "pipeline-copy")
        let ignored = try XCTUnwrap(stream.entries.first { $0.row == "ignored-drain" })
        XCTAssertEqual(
            try XCTUnwrap(ignored.heapRatio), 96.0 / 3.0, accuracy: 0.001, "ignored-drain holds its 96 MiB input")
        XCTAssertEqual(try XCTUnwrap(ignored.throughputRatio), 16.1 / 16.0, accuracy: 0.001)
        XCTAssertEqual(try XCTUnwrap(ignored.heapShareOfInput), 1.0, accuracy: 0.001)
        // Queues: no row of it is the run's reference, so its first row is.
        let queues = try XCTUnwrap(groups.first { $0.family == "queues & workers" })
        XCTAssertEqual(queues.reference, "bounded-queue")
        let transform = try XCTUnwrap(queues.entries.first { $0.row == "transform-stage" })
        XCTAssertEqual(try XCTUnwrap(transform.heapRatio), 0.5, accuracy: 0.001)
        XCTAssertEqual(try XCTUnwrap(transform.throughputRatio), 1.5, accuracy: 0.001)
        XCTAssertEqual(
            try XCTUnwrap(transform.rssRatio), Double(31 * Self.mib) / Double(32 * Self.mib), accuracy: 0.001)
        // The reference is the first row and reads "reference"; the others their ratios.
        let report = try MarkdownExporter().render(analysis)
        XCTAssertTrue(
            report.contains(
                "| `bounded-queue` | ×4 · 96.0 MiB | 0.021 × input (2.0 MiB) | 32.0 MiB | 100 MiB/s | bounded | reference |"
            ), report)
        XCTAssertTrue(
            report.contains(
                "| `transform-stage` | ×4 · 96.0 MiB | 0.010 × input (1.0 MiB) | 31.0 MiB | 150 MiB/s | bounded | 0.50× / 0.97× / 1.50× |"
            ), report)
        XCTAssertTrue(report.contains("vs `bounded-queue`: heap / RSS / throughput"))
    }

    func testTheFamilySectionOpensTheReportInTablesOfAtMostSevenColumns() throws {
        let report = try MarkdownExporter().render(
            RunAnalysis(Self.document([("bounded-queue", nil, 2 * Self.mib, 100)])))
        let family = try XCTUnwrap(report.range(of: "## Strategies side by side, by pattern family"))
        let summary = try XCTUnwrap(report.range(of: "## Summary"))
        XCTAssertLessThan(family.lowerBound, summary.lowerBound, "the family comparison comes before the wide table")
        let section = report[family.lowerBound..<summary.lowerBound]
        let rows = section.split(separator: "\n").filter { $0.hasPrefix("|") }
        XCTAssertFalse(rows.isEmpty)
        for row in rows {
            XCTAssertLessThanOrEqual(
                row.split(separator: "|", omittingEmptySubsequences: false).count - 2, 7, String(row))
        }
    }

    /// A reference whose repeats all failed has no figures: its row says so, and no ratio is
    /// made against it (a failed run is never fast, nor small).
    func testAFailedReferenceShowsItsStatusAndGivesNoRatios() throws {
        var document = Synthetic.document(pipelineStatus: .failedVerification)
        document.rowTraits = ["pipeline-copy": RowTraits(language: "swift", pattern: "pipeline", variant: nil)]
        let stream = try XCTUnwrap(FamilyComparison.groups(RunAnalysis(document)).first)
        let ignored = try XCTUnwrap(stream.entries.first { $0.row == "ignored-drain" })
        XCTAssertNil(ignored.heapRatio)
        XCTAssertNil(ignored.throughputRatio)
        let report = try MarkdownExporter().render(RunAnalysis(document))
        XCTAssertTrue(
            report.contains("| `pipeline-copy` (failed-verification) | ×4 | — | — | — | n/a | reference |"), report)
        XCTAssertTrue(
            report.contains(
                "| `ignored-drain` | ×4 · 96.0 MiB | 1.00 × input (96.0 MiB) | 127 MiB | 16.1 MiB/s | grows-with-input | — / — / — |"
            ), report)
    }

    func testAShareOfTheInputKeepsTwoSignificantDigits() {
        XCTAssertEqual(FamilyComparison.share(0.99), "0.99")
        XCTAssertEqual(FamilyComparison.share(0.031), "0.031")
        XCTAssertEqual(FamilyComparison.share(0.00031), "0.00031")
        XCTAssertEqual(FamilyComparison.share(24.2), "24")
    }

    // MARK: peaks.svg

    /// A document of `count` rows whose peak allocated runs from `smallest` upwards by `factor`.
    static func manyRows(_ count: Int, smallest: Double, factor: Double) -> RunDocument {
        var document = RunDocument(
            startedAt: "2026-11-22T00:00:00Z", profile: "quick", repeats: 1, warmups: 0, scales: [1],
            limits: ChildLimits(), environment: Synthetic.environment)
        for index in 0..<count {
            let allocated = Int(smallest * pow(factor, Double(index)))
            document.records.append(
                Synthetic.record(
                    RowID("scenario-\(index)/variant-with-a-long-name"), peakRss: 26 * mib + allocated,
                    allocated: allocated,
                    bytes: 24 * mib, throughput: 16.0 * Double(mib)))
        }
        return document
    }

    /// The y of every row label, in document order, and the chart's height.
    static func rowLabels(
        _ svg: String
    ) throws -> (labels: [(text: String, y: Double, fontSize: Double)], height: Double) {
        final class Collector: NSObject, XMLParserDelegate {
            var labels: [(text: String, y: Double, fontSize: Double)] = []
            var height = 0.0
            var inLabel = false
            func parser(
                _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]
            ) {
                if name == "svg" { height = Double(attributes["height"] ?? "") ?? 0 }
                inLabel = name == "text" && attributes["class"] == "row-label"
                if inLabel {
                    labels.append(
                        ("", Double(attributes["y"] ?? "") ?? .nan, Double(attributes["font-size"] ?? "") ?? .nan))
                }
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) {
                if inLabel { labels[labels.count - 1].text += string }
            }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?)
            { inLabel = false }
        }
        let collector = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
        return (collector.labels, collector.height)
    }

    func testPeakChartRowLabelsNeverOverlapAndTheChartGrowsWithTheRows() throws {
        let forty = try Self.rowLabels(
            try PeakMemoryChart().render(RunAnalysis(Self.manyRows(40, smallest: 1_000_000, factor: 1.05))))
        XCTAssertEqual(forty.labels.count, 40)
        let ys = forty.labels.map(\.y).sorted()
        for (above, below) in zip(ys, ys.dropFirst()) {
            XCTAssertGreaterThanOrEqual(below - above, forty.labels[0].fontSize, "labels \(above) and \(below) overlap")
        }
        let ten = try Self.rowLabels(
            try PeakMemoryChart().render(RunAnalysis(Self.manyRows(10, smallest: 1_000_000, factor: 1.05))))
        XCTAssertGreaterThan(forty.height, ten.height + 30 * SVGPlot.rowHeight - 1, "each row adds a line")
        XCTAssertLessThanOrEqual(ys.last ?? .infinity, forty.height, "the last label is inside the chart")
        // Sorted by size, largest first: the rows were made in increasing size.
        XCTAssertEqual(forty.labels.first?.text, "scenario-39/variant-with-a-long-name ×1")
        XCTAssertEqual(forty.labels.last?.text, "scenario-0/variant-with-a-long-name ×1")
    }

    func testPeakChartAxisIsLogPastTwoDecadesAndLinearWithin() throws {
        XCTAssertEqual(SVGPlot.axisScale(for: [1_048_576, 1_073_741_824]), .log, "1 MiB to 1 GiB spans three decades")
        XCTAssertEqual(
            SVGPlot.axisScale(for: [30 * 1_048_576, 200 * 1_048_576, 0]), .linear,
            "30–200 MiB is within one decade; 0 (missing) ignored")
        XCTAssertEqual(SVGPlot.axisScale(for: [1_048_576, 101 * 1_048_576]), .log)
        XCTAssertEqual(
            SVGPlot.axisScale(for: [1_048_576, 100 * 1_048_576]), .linear, "exactly two decades stays linear")
        // Rendered: heaps from 1 MB to ~1 GB (×1.2 over 38 rows) go log; 1–2 MB go linear.
        let wide = try PeakMemoryChart().render(RunAnalysis(Self.manyRows(38, smallest: 1_000_000, factor: 1.2)))
        XCTAssertTrue(wide.contains(">log scale<"))
        XCTAssertTrue(wide.contains(">1.0 MiB<") && wide.contains(">1.0 GiB<"), "power-of-4 ticks from 1 MiB to 1 GiB")
        let narrow = try PeakMemoryChart().render(RunAnalysis(Self.manyRows(10, smallest: 1_000_000, factor: 1.05)))
        XCTAssertTrue(narrow.contains(">linear scale<"))
        XCTAssertFalse(narrow.contains(">log scale<"))
    }
}
