import BenchModel
import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchReport

/// report.html: on synthetic runs (every row, escaping, order, thinning), and from a real run in a
/// real browser (headless Chromium through Tests/browser/check-report.py).
final class HTMLReportTests: ProcessFreeTestCase {
    func testEveryRowIsALineWithItsDetailsAndTheFamiliesComeFirst() throws {
        let analysis = RunAnalysis(Synthetic.document())
        let html = try HTMLReportExporter().render(analysis)
        XCTAssertEqual(html.components(separatedBy: "<tr class=\"row\"").count - 1, analysis.summaries.count)
        XCTAssertEqual(html.components(separatedBy: "<tr class=\"detail\"").count - 1, analysis.summaries.count)
        XCTAssertEqual(
            html.components(separatedBy: "<script type=\"text/html\" class=\"later\">").count - 1,
            analysis.summaries.count,
            "each line's details wait as text until opened")
        for summary in analysis.summaries {
            XCTAssertTrue(
                html.contains("data-row=\"\(summary.scenario)\" data-scale=\"\(summary.scale)\""),
                "\(summary.scenario) \(summary.scale)")
            XCTAssertTrue(
                html.contains("data-detail-of=\"\(summary.scenario) \(summary.scale)\""),
                "details of \(summary.scenario) \(summary.scale)")
        }
        let families = try XCTUnwrap(html.range(of: "id=\"families\"")).lowerBound
        let summary = try XCTUnwrap(html.range(of: "id=\"summary\"")).lowerBound
        let environment = try XCTUnwrap(html.range(of: "id=\"environment\"")).lowerBound
        let plan = try XCTUnwrap(html.range(of: "id=\"plan\"")).lowerBound
        XCTAssertLessThan(families, summary, "the family comparison comes first")
        XCTAssertLessThan(summary, environment)
        XCTAssertLessThan(environment, plan, "the environment and the plan come last")
        // Self-contained: no file, script or style from elsewhere.
        XCTAssertEqual(
            html.components(separatedBy: "http://").count,
            html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count,
            "no address but the SVG namespace")
        for outside in ["https://", "<script src", "<link ", "@import"] {
            XCTAssertFalse(html.contains(outside), outside)
        }
        // Each detail draws its repeat's memory, and with two scales its growth.
        XCTAssertGreaterThanOrEqual(
            html.components(separatedBy: "Memory over time: repeat").count - 1, analysis.summaries.count)
        XCTAssertTrue(html.contains("against input: grows-with-input"))
        XCTAssertTrue(html.contains("Gauges over time"), "ignored-drain's buffered_bytes gauge is drawn")
        XCTAssertTrue(html.contains("holds</span>: peak ≈ input"), "claims are in the details")
        // The filters offer what the run has, nothing else.
        XCTAssertTrue(html.contains("<option value=\"grows-with-input\">"))
        XCTAssertTrue(html.contains("<option value=\"ok\">"))
        XCTAssertFalse(html.contains("<option value=\"failed-verification\">"))
    }

    func testAFailedRowIsMarkedAndOfferedAsAFilter() throws {
        let html = try HTMLReportExporter().render(RunAnalysis(Synthetic.document(pipelineStatus: .failedVerification)))
        XCTAssertTrue(html.contains("<option value=\"failed-verification\">"))
        XCTAssertTrue(html.contains("data-status=\"failed-verification\""))
        XCTAssertTrue(html.contains("<td data-v=\"failed-verification\" class=\"bad\">"))
    }

    func testEveryStringFromTheRunIsEscaped() throws {
        var document = Synthetic.document()
        let evil = "x<script>alert(1)</script>&\"'"
        for index in document.records.indices where document.records[index].scenario == "ignored-drain" {
            document.records[index].scenario = RowID(evil)
            document.records[index].status = .crashed
            document.records[index].statusDetail = "<img src=x onerror=alert(2)>"
            document.records[index].parameters["note"] = "</code><b>bold</b>"
        }
        document.environment.cpu = "<cpu>"
        document.claims[evil] = [SeedClaim("<i>claim</i>", seed: "<seed>", check: .memoryGrows)]
        let html = try HTMLReportExporter().render(RunAnalysis(document))
        for raw in ["<script>alert(1)", "<img src=x", "<b>bold</b>", "<cpu>", "<i>claim</i>", "<seed>"] {
            XCTAssertFalse(html.contains(raw), "unescaped: \(raw)")
        }
        XCTAssertTrue(html.contains("x&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;"))
        XCTAssertTrue(html.contains("&lt;img src=x onerror=alert(2)&gt;"))
        XCTAssertTrue(html.contains("&lt;/code&gt;&lt;b&gt;bold&lt;/b&gt;"))
        XCTAssertEqual(html.components(separatedBy: "<script>").count - 1, 1, "only the page's own script")
        XCTAssertEqual(
            html.components(separatedBy: "</script>").count, html.components(separatedBy: "<script").count,
            "no run string closes a deferred detail early")
        XCTAssertEqual(
            HTMLPage.later("a</SCRIPT>b"), "<script type=\"text/html\" class=\"later\">a<\\/script>b</script>")
        // The same page without the hostile strings has none of those escapes (the check can fail).
        let plain = try HTMLReportExporter().render(RunAnalysis(Synthetic.document()))
        XCTAssertFalse(plain.contains("&lt;script&gt;"))
    }

    func testThinningKeepsThePeakAndTheLimit() {
        var points = (0..<1000).map { (x: Double($0) / 100, y: Double($0 % 7)) }
        points[537].y = 1000
        points[538].y = -5
        let thin = HTMLRowDetail.thin(points, limit: 240)
        XCTAssertLessThanOrEqual(thin.count, 240)
        XCTAssertGreaterThan(thin.count, 200)
        XCTAssertTrue(thin.contains { $0.y == 1000 }, "the peak survives")
        XCTAssertTrue(thin.contains { $0.y == -5 }, "the trough survives")
        XCTAssertEqual(thin.map(\.x), thin.map(\.x).sorted(), "in time order")
        // Every 4th point would have dropped the peak: the thinning is what keeps it.
        XCTAssertFalse(stride(from: 0, to: 1000, by: 4).map { points[$0] }.contains { $0.y == 1000 })
        let short = Array(points.prefix(100))
        XCTAssertEqual(HTMLRowDetail.thin(short, limit: 240).map(\.x), short.map(\.x), "a short series is kept whole")
    }

    func testRunWriterWritesReportHTML() throws {
        let directory = TestSupport.temporaryDirectory("html-writer")
        try RunWriter.write(RunAnalysis(Synthetic.document()), to: directory)
        let html = try String(contentsOfFile: directory + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!doctype html>"))
        XCTAssertTrue(html.hasSuffix("</html>\n"))
    }
}
