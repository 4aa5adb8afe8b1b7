import BenchProtocol
import BenchTestSupport
import XCTest

@testable import BenchModel
@testable import BenchReport
@testable import BenchStatistics

#if canImport(FoundationXML)
import FoundationXML
#endif

final class ReportTests: ProcessFreeTestCase {
    func testSpreadIsMedianWithRange() throws {
        let spread = try XCTUnwrap(Spread([5, 1, 3, 100]))
        XCTAssertEqual(spread.median, 4)
        XCTAssertEqual(spread.min, 1)
        XCTAssertEqual(spread.max, 100)
        XCTAssertNil(Spread([]))
    }

    func testVerdictsSeparateBoundedFromGrowing() {
        let analysis = RunAnalysis(Synthetic.document())
        XCTAssertEqual(analysis.verdicts["pipeline-copy"]?.kind, .bounded)
        XCTAssertEqual(analysis.verdicts["ignored-drain"]?.kind, .grows)
        XCTAssertEqual(analysis.verdicts["ignored-drain"]?.peakBytesPerInputByte ?? 0, 1.0, accuracy: 0.01)
        XCTAssertEqual(analysis.claims.map(\.result), [.holds, .holds, .holds])
    }

    func testFailedRepeatsNeverCountAsMeasurements() {
        let analysis = RunAnalysis(Synthetic.document(pipelineStatus: .failedVerification))
        let summary = analysis.summaries.first { $0.scenario == "pipeline-copy" }!
        XCTAssertEqual(summary.status, .failedVerification)
        XCTAssertNil(summary.median(.throughputBytes))
    }

    func testResultsCSVHasOneRowPerRecordAndEscapesFields() throws {
        let analysis = RunAnalysis(Synthetic.document())
        let csv = try ResultsCSVExporter().render(analysis)
        let lines = csv.split(separator: "\n")
        XCTAssertEqual(lines.count, 1 + analysis.document.records.count)
        let header = lines[0].split(separator: ",").map(String.init)
        for column in [
            "scenario", "repeat", "status", "items", "bytes", "duration_s", "throughput_items_per_s",
            "throughput_bytes_per_s",
            "peak_rss_bytes", "peak_rss_sampled_bytes", "peak_allocated_bytes", "peak_resident_bytes",
            "final_allocated_bytes",
            "latency_p50_us", "latency_p99_us", "max_gauge_buffered_bytes", "param_items", "memory_verdict",
        ] {
            XCTAssertTrue(header.contains(column), "missing column \(column)")
        }
        XCTAssertTrue(
            csv.contains("\"a,b \"\"quoted\"\"\""), "a field with a comma and quotes must be quoted RFC 4180 style")
        let timeline = try TimelineCSVExporter().render(analysis)
        XCTAssertTrue(
            timeline.hasPrefix(
                "scenario,scale,repeat,t_ms,rss_bytes,allocated_bytes,resident_bytes,gauge_buffered_bytes\n"))
        XCTAssertEqual(timeline.split(separator: "\n").count, 1 + 2 * analysis.document.records.count)
    }

    func testMarkdownReportHasTableVerdictsClaimsAndRatios() throws {
        let markdown = try MarkdownExporter().render(RunAnalysis(Synthetic.document()))
        XCTAssertTrue(markdown.contains("| `ignored-drain` | ×4 · 96.0 MiB | ok |"))
        XCTAssertTrue(markdown.contains("grows-with-input"))
        XCTAssertTrue(markdown.contains("## Seed claims"))
        XCTAssertTrue(markdown.contains("the peak memory of `pipeline-copy` at 1.01× its throughput"))
        XCTAssertTrue(markdown.contains("## Environment"))
        XCTAssertTrue(markdown.contains("![Memory over time"))
    }

    func testChartsAreWellFormedSVG() throws {
        let analysis = RunAnalysis(Synthetic.document())
        for chart in ChartExporters.all {
            let svg = try chart.render(analysis)
            XCTAssertTrue(svg.hasPrefix("<svg"), chart.fileName)
            XCTAssertTrue(svg.hasSuffix("</svg>\n"), chart.fileName)
            let data = Data(svg.utf8)
            let parser = XMLParser(data: data)
            XCTAssertTrue(
                parser.parse(), "\(chart.fileName) is not well-formed XML: \(String(describing: parser.parserError))")
        }
    }

    func testRunJSONRoundTrips() throws {
        let document = Synthetic.document()
        let directory = TestSupport.temporaryDirectory("roundtrip")
        try RunWriter.write(RunAnalysis(document), to: directory)
        XCTAssertEqual(try RunFolder(existing: directory).load(), document)
        for file in [
            "results.csv", "timeline.csv", "results.json", "run.json", "report.md", "memory.svg", "peaks.svg",
            "gauges.svg",
        ] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/" + file), file)
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [], "atomic writes leave no temporary files")
    }
}
