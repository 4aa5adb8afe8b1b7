import BenchTestSupport
import Foundation
import XCTest

@testable import BenchReport
@testable import BenchSystem

/// The dashboard exports, checked against each format's published shape: Bencher Metric Format
/// (an object of benchmarks → measures (slug ≤ 64 chars) → `{value, lower_value?, upper_value?}`
/// numbers) and github-action-benchmark's custom formats (an array of `{name, unit, value}` with
/// optional `range` and `extra` strings).
final class ExportTests: ProcessFreeTestCase {
    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    func testBencherMetricFormatHasTheSchemasShapeAndTheMedians() throws {
        let text = try BencherExporter().render(RunAnalysis(Synthetic.document()))
        let root = try XCTUnwrap(try json(text) as? [String: Any])
        XCTAssertEqual(
            Set(root.keys), ["pipeline-copy ×1", "pipeline-copy ×4", "ignored-drain ×1", "ignored-drain ×4"])
        for (benchmark, measures) in root {
            let measures = try XCTUnwrap(measures as? [String: Any], benchmark)
            XCTAssertFalse(measures.isEmpty)
            for (slug, metric) in measures {
                XCTAssertLessThanOrEqual(slug.count, 64)
                XCTAssertNil(
                    slug.rangeOfCharacter(from: CharacterSet(charactersIn: "_ ")), "a slug is kebab case: \(slug)")
                let metric = try XCTUnwrap(metric as? [String: Any])
                XCTAssertTrue(Set(metric.keys).isSubset(of: ["value", "lower_value", "upper_value"]), "\(metric.keys)")
                let value = try XCTUnwrap(metric["value"] as? Double, "value must be a number")
                let lower = try XCTUnwrap(metric["lower_value"] as? Double)
                let upper = try XCTUnwrap(metric["upper_value"] as? Double)
                XCTAssertTrue(lower <= value && value <= upper)
            }
        }
        let allocated = try XCTUnwrap(
            (root["pipeline-copy ×1"] as? [String: Any])?["peak-allocated-bytes"] as? [String: Any])
        XCTAssertEqual(allocated["value"] as? Double, Double(3 << 20))
        XCTAssertNotNil(
            (root["ignored-drain ×4"] as? [String: Any])?["max-buffered-bytes"], "gauge maxima are measures too")
    }

    /// The other way: a row whose repeats all failed has no figures to give, so it is absent —
    /// never exported as fast.
    func testARowThatFailedIsLeftOut() throws {
        let text = try BencherExporter().render(RunAnalysis(Synthetic.document(pipelineStatus: .crashed)))
        let root = try XCTUnwrap(try json(text) as? [String: Any])
        XCTAssertEqual(Set(root.keys), ["ignored-drain ×1", "ignored-drain ×4"])
        let smaller = try XCTUnwrap(
            try json(
                GitHubActionBenchmarkExporter(.smallerIsBetter).render(
                    RunAnalysis(Synthetic.document(pipelineStatus: .crashed)))) as? [[String: Any]])
        XCTAssertFalse(smaller.contains { ($0["name"] as? String)?.hasPrefix("pipeline-copy") == true })
    }

    func testGitHubActionBenchmarkSplitsByDirectionWithTheRequiredFields() throws {
        let analysis = RunAnalysis(Synthetic.document())
        let smaller = try XCTUnwrap(
            try json(GitHubActionBenchmarkExporter(.smallerIsBetter).render(analysis)) as? [[String: Any]])
        let bigger = try XCTUnwrap(
            try json(GitHubActionBenchmarkExporter(.biggerIsBetter).render(analysis)) as? [[String: Any]])
        for entry in smaller + bigger {
            XCTAssertNotNil(entry["name"] as? String)
            XCTAssertNotNil(entry["unit"] as? String)
            XCTAssertNotNil(entry["value"] as? Double, "value must be a number")
            XCTAssertNotNil(entry["range"] as? String)
            XCTAssertNotNil(entry["extra"] as? String)
            XCTAssertTrue(Set(entry.keys).isSubset(of: ["name", "unit", "value", "range", "extra"]))
        }
        let names = { (entries: [[String: Any]]) in Set(entries.compactMap { $0["name"] as? String }) }
        XCTAssertTrue(names(smaller).contains("pipeline-copy ×1 — peak_allocated_bytes"))
        XCTAssertFalse(names(smaller).contains { $0.contains("throughput") }, "throughput is bigger-is-better")
        XCTAssertTrue(names(bigger).contains("pipeline-copy ×1 — throughput_bytes_per_s"))
        XCTAssertFalse(names(bigger).contains { $0.contains("peak_") })
        XCTAssertEqual(
            bigger.first { $0["name"] as? String == "pipeline-copy ×1 — throughput_bytes_per_s" }?["unit"] as? String,
            "bytes/s")
    }

    func testUnknownExportFormatIsAUsageError() {
        XCTAssertEqual(
            try ExportFormat.parse(["bencher,github-action-benchmark", "bencher"]), [.bencher, .githubActionBenchmark])
        XCTAssertThrowsError(try ExportFormat.parse(["csv2"])) { error in
            XCTAssertEqual((error as? BenchError)?.kind, .usage)
        }
    }
}
