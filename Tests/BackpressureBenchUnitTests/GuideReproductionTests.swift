import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchModel
@testable import BenchReport

/// The Node guide's gzip experiment (issue 23): the report section on synthetic runs, judged both
/// ways, and end to end on real children (gzip-guide, node-gzip-guide) whose verification must
/// catch a lost chunk.
final class GuideReproductionTests: ProcessFreeTestCase {
    static let mib = 1 << 20

    /// A run with both languages' pairs at ×1 and ×4: respecting flat at `floor`, ignoring
    /// `floor + held × input`; compression times in `gzip_s`.
    static func document(held: Double, respectingTime: Double = 2.0, ignoringTime: Double = 2.1) -> RunDocument {
        var document = Synthetic.document()
        document.records = []
        for scale in [1.0, 4.0] {
            let input = Int(scale) * 32 * mib
            for repeatIndex in 1...3 {
                for (prefix, floor) in [("node-", 70 * mib), ("", 27 * mib)] {
                    for (row, peak, time) in [
                        ("\(prefix)gzip-guide", floor, respectingTime),
                        ("\(prefix)gzip-guide/ignore-backpressure", floor + Int(held * Double(input)), ignoringTime),
                    ] {
                        var record = Synthetic.record(
                            RowID(row), scale: scale, repeatIndex: repeatIndex, peakRss: peak, allocated: peak / 2,
                            bytes: input, throughput: Double(input) / (time * scale + 0.2))
                        record.result?.metrics["gzip_s"] = time * scale
                        document.records.append(record)
                    }
                }
            }
        }
        document.claims = [:]
        return document
    }

    func testSectionShowsTheGuidesFiguresAndThisRunsRatios() throws {
        let analysis = RunAnalysis(Self.document(held: 1.0))
        let measured = GuideComparison.measure(analysis)
        XCTAssertEqual(measured.map(\.language), ["node", "swift"])
        let swift = try XCTUnwrap(measured.last)
        XCTAssertEqual(swift.scale, 4)
        XCTAssertEqual(swift.inputBytes, Double(128 * Self.mib))
        XCTAssertEqual(swift.rssRatio, Double(27 * Self.mib + 128 * Self.mib) / Double(27 * Self.mib), accuracy: 1e-9)
        XCTAssertEqual(swift.timeRatio, 8.4 / 8.0, accuracy: 1e-9, "gzip_s, not the duration, is the time")
        XCTAssertEqual(GuideComparison.guideRSSRatio, 17.37, accuracy: 0.01, "1.52 GB ÷ 87.81 MB")
        XCTAssertEqual(GuideComparison.guideTimeRatio, 1.012, accuracy: 0.001, "55975 ms ÷ 55299 ms")
        let report = try MarkdownExporter().render(analysis)
        XCTAssertTrue(report.contains("## The Node guide's gzip experiment, reproduced"), report)
        XCTAssertTrue(report.contains(GuideComparison.sourceURL))
        XCTAssertTrue(report.contains("| the guide (published) | not given | 83.7 MiB | 1.4 GiB | 17.4× |"), report)
        XCTAssertTrue(
            report.contains("| swift, this run ×4 | 128 MiB | 27.0 MiB | 155 MiB | 5.74× | 8.00 s | 8.40 s | 1.050 |"),
            report)
        XCTAssertTrue(report.contains("- swift: **memory matches**"))
        XCTAssertTrue(report.contains("**time matches**: 1.050"))
    }

    /// The judgments come out the other way when the measurements do.
    func testSectionSaysWhatDoesNotMatch() throws {
        // Ignoring held nothing more (as if it were bounded), and took 3× as long.
        let analysis = RunAnalysis(Self.document(held: 0.0, respectingTime: 2.0, ignoringTime: 6.0))
        for entry in GuideComparison.measure(analysis) {
            XCTAssertFalse(entry.memoryMatches, entry.language)
            XCTAssertFalse(entry.timeMatches, entry.language)
        }
        let report = try MarkdownExporter().render(analysis)
        XCTAssertTrue(report.contains("- node: **memory does not match**: ignoring held only 0.00 × the input"), report)
        XCTAssertTrue(report.contains("**time does not match**: 3.000"), report)
        // Just under the thresholds' edges: 0.49 of the input is not "the file piles up".
        XCTAssertFalse(
            try XCTUnwrap(GuideComparison.measure(RunAnalysis(Self.document(held: 0.49))).first).memoryMatches)
        XCTAssertTrue(
            try XCTUnwrap(GuideComparison.measure(RunAnalysis(Self.document(held: 0.51))).first).memoryMatches)
    }

    /// No gzip-guide pair, no section (a run of other scenarios is unchanged).
    func testNoSectionWithoutThePair() throws {
        XCTAssertTrue(GuideComparison.measure(RunAnalysis(Synthetic.document())).isEmpty)
        XCTAssertFalse(try MarkdownExporter().render(RunAnalysis(Synthetic.document())).contains("gzip experiment"))
        var onlyRespecting = Self.document(held: 1)
        onlyRespecting.records.removeAll { $0.scenario.variant == "ignore-backpressure" }
        XCTAssertTrue(GuideComparison.measure(RunAnalysis(onlyRespecting)).isEmpty)
    }
}
