import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchModel
@testable import BenchReport

/// The Node guide's gzip experiment end to end (issue 23): gzip-guide and node-gzip-guide on real
/// children — both shapes verify every item, the ignoring one queues the file, a lost chunk fails
/// verification — and the report section rendered from real records. The section's judgments on
/// synthetic runs are in GuideReproductionTests.
final class GuideScenarioTests: ChildProcessTestCase {
    static func nodeAvailable() -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/node")
        }
    }

    /// Both shapes end ok with every item verified; the ignoring one queues (most of) the file
    /// ahead of the compressor, the respecting one a few chunks; a lost chunk fails verification.
    func checkScenario(_ name: String) throws -> (respecting: RunRecord, ignoring: RunRecord) {
        let respecting = try TestSupport.runChild(name, ["respect_backpressure=true"])
        let ignoring = try TestSupport.runChild(name, ["respect_backpressure=false"])
        for record in [respecting, ignoring] {
            XCTAssertEqual(record.status, .ok, "\(name): \(record.result?.message ?? "no result")")
            let verification = try XCTUnwrap(record.result?.verification)
            XCTAssertEqual(verification.receivedItems, 512)
            XCTAssertEqual(verification.receivedChecksum, verification.expectedChecksum)
            XCTAssertEqual(
                try XCTUnwrap(record.result?.metrics["compression_ratio"]), 1.0003, accuracy: 0.001,
                "the item pattern is pseudo-random: gzip cannot shrink it")
        }
        let input = 512 * 16384
        XCTAssertLessThanOrEqual(try XCTUnwrap(respecting.gaugeMaxima["queued_bytes"]), 3 * 65536)
        XCTAssertGreaterThan(try XCTUnwrap(ignoring.gaugeMaxima["queued_bytes"]), input / 2)
        let lost = try TestSupport.runChild(name, ["drop_chunk=3"])
        XCTAssertEqual(lost.status, .failedVerification, "\(name): a lost chunk must fail the run")
        XCTAssertTrue(
            lost.result?.message?.contains("received 508 items, expected 512") == true, lost.result?.message ?? "")
        return (respecting, ignoring)
    }

    func testSwiftTwinVerifiesAndTheSectionRendersFromRealRecords() throws {
        let (respecting, ignoring) = try checkScenario("gzip-guide")
        var document = Synthetic.document()
        var renamed = ignoring
        renamed.scenario = "gzip-guide/ignore-backpressure"
        document.records = [respecting, renamed]
        document.claims = [:]
        let measured = try XCTUnwrap(GuideComparison.measure(RunAnalysis(document)).first)
        XCTAssertEqual(measured.language, "swift")
        XCTAssertTrue(measured.memoryMatches, "held \(measured.heldShare) × the input")
        let report = try MarkdownExporter().render(RunAnalysis(document))
        XCTAssertTrue(report.contains("| swift, this run ×1 | \(Format.bytes(Double(512 * 16384))) |"), report)
    }

    func testNodeScenarioVerifies() throws {
        guard Self.nodeAvailable() else { throw XCTSkip("node is not on PATH: the Node rows would end skipped") }
        let (respecting, ignoring) = try checkScenario("node-gzip-guide")
        XCTAssertEqual(try XCTUnwrap(respecting.result?.metrics["ignored_false_writes"]), 0)
        XCTAssertGreaterThan(try XCTUnwrap(ignoring.result?.metrics["ignored_false_writes"]), 0)
    }
}
