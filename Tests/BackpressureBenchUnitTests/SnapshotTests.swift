import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchReport
@testable import BenchSystem

/// Byte-for-byte snapshots of the three outputs people read and tools parse — report.md,
/// results.csv and check.md — rendered from synthetic runs built in code (fixed records, times
/// and host; no children), stored in `Tests/Snapshots/`. A `contains` test passes whatever else a
/// change does to a report; a snapshot shows every changed byte in review.
///
/// A deliberate change to an output regenerates its snapshot, in the same commit:
///
///     BPBENCH_UPDATE_SNAPSHOTS=1 swift test --filter SnapshotTests
///
/// then read `git diff Tests/Snapshots/` and commit the snapshots with the change. A failing
/// comparison writes what it got beside a temporary copy and names both, for `diff`.
final class SnapshotTests: ProcessFreeTestCase {
    static let directory = TestSupport.projectRoot + "/Tests/Snapshots"
    static let updateVariable = "BPBENCH_UPDATE_SNAPSHOTS"

    func testReportMarkdown() throws {
        try assertSnapshot(MarkdownExporter().render(RunAnalysis(Self.run())), named: "report.md")
    }

    func testResultsCSV() throws {
        try assertSnapshot(ResultsCSVExporter().render(RunAnalysis(Self.run())), named: "results.csv")
    }

    /// An A/B check with a regression: ignored-drain holding 1.5× its baseline heap, judged
    /// against the baseline (machine-stable figures) and an unchanged base side (same-job ones).
    func testCheckMarkdown() throws {
        let baseline = Baseline(RunAnalysis(Self.run()))
        let head = Self.run(ignoredDrainFactor: 1.5)
        let base = Self.run()
        let report = Gate(baseline: baseline, thresholds: .standard).evaluate(
            head: RunAnalysis(head), base: RunAnalysis(base))
        XCTAssertFalse(report.passed, "the snapshot shows a failing check")
        try assertSnapshot(report.markdown(title: "bpbench check against Reports/baseline.json"), named: "check.md")
    }

    /// The comparison the snapshots rest on: equal text passes, a single changed byte (here the
    /// final newline) fails and says where.
    func testAChangedByteIsADifference() {
        XCTAssertNil(Self.difference(stored: Data("a\nb\n".utf8), actual: "a\nb\n"))
        XCTAssertEqual(
            Self.difference(stored: Data("a\nb\n".utf8), actual: "a\nb"), "line 2: expected \"b\\n\", got \"b\"")
        XCTAssertEqual(
            Self.difference(stored: Data("a\nb\n".utf8), actual: "a\nc\n"), "line 2: expected \"b\\n\", got \"c\\n\"")
        XCTAssertNotNil(Self.difference(stored: Data("a\nb\n".utf8), actual: "a\nb\nc\n"))
    }

    // MARK: - The synthetic run

    /// `document` on Synthetic's fixed host, finished a minute after it started.
    static func fixed(_ document: RunDocument) -> RunDocument {
        var document = document
        document.environment = Synthetic.environment
        document.startedAt = "2026-11-22T00:00:00Z"
        document.finishedAt = "2026-11-22T00:01:00Z"
        return document
    }

    /// The synthetic run of ReportTests (pipeline-copy flat, ignored-drain ≈ 1 × input, two scales,
    /// five repeats, claims), plus a row whose repeats crashed and timed out.
    static func run(ignoredDrainFactor: Double = 1) -> RunDocument {
        var document = fixed(Synthetic.document(ignoredDrainFactor: ignoredDrainFactor))
        for (index, status) in [RunStatus.crashed, .timeout].enumerated() {
            var record = Synthetic.record(
                "fixture-fault", repeatIndex: index + 1, status: status, peakRss: 25 << 20, allocated: 1 << 20,
                bytes: 1 << 20, throughput: 1e6)
            record.result = nil
            record.statusDetail = status == .crashed ? "signal 11 (SIGSEGV)" : "killed after 300 s"
            document.records.append(record)
        }
        return document
    }

    // MARK: - Comparing

    func assertSnapshot(_ text: String, named name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = Self.directory + "/" + name
        if ProcessInfo.processInfo.environment[Self.updateVariable] == "1" {
            try FileManager.default.createDirectory(atPath: Self.directory, withIntermediateDirectories: true)
            try AtomicFile.write(text, to: path)
            return
        }
        guard let stored = FileManager.default.contents(atPath: path) else {
            XCTFail(
                "no snapshot \(path); make it with \(Self.updateVariable)=1 swift test --filter SnapshotTests",
                file: file, line: line)
            return
        }
        guard let difference = Self.difference(stored: stored, actual: text) else { return }
        let actual = TestSupport.temporaryDirectory("snapshot") + "/" + name
        try AtomicFile.write(text, to: actual)
        XCTFail(
            """
            \(name) differs from its snapshot at \(difference) (diff \(path) \(actual)). \
            If the change is deliberate: \(Self.updateVariable)=1 swift test --filter SnapshotTests, and commit Tests/Snapshots/ with it.
            """, file: file, line: line)
    }

    /// nil when `actual` is `stored` byte for byte, else the first line that differs.
    static func difference(stored: Data, actual: String) -> String? {
        guard stored != Data(actual.utf8) else { return nil }
        let expected = String(decoding: stored, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let got = actual.split(separator: "\n", omittingEmptySubsequences: false)
        // Each line with the newline that ends it, so a missing final newline is a difference too.
        func line(_ lines: [Substring], _ index: Int) -> String {
            guard index < lines.count else { return "(end of file)" }
            return String(lines[index]) + (index < lines.count - 1 ? "\n" : "")
        }
        for index in 0..<max(expected.count, got.count) where line(expected, index) != line(got, index) {
            return
                "line \(index + 1): expected \(line(expected, index).debugDescription), got \(line(got, index).debugDescription)"
        }
        return "a byte no line shows"
    }
}
