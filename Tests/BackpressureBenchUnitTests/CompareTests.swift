import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchModel
@testable import BenchReport
@testable import BenchSystem

/// `bpbench compare`: the comparison on synthetic runs both ways, and the command on real runs.
final class CompareTests: ProcessFreeTestCase {
    /// B's ignored-drain holds twice what A's does (factor 2 instead of 1); pipeline-copy is the same.
    func comparison(
        force: Bool = false, _ edit: (inout RunDocument) -> Void = { _ in }
    ) throws -> (ab: RunComparison, ba: RunComparison) {
        let a = Synthetic.document()
        var b = Synthetic.document(ignoredDrainFactor: 2.0)
        edit(&b)
        return (
            try RunComparison(RunAnalysis(a), RunAnalysis(b), nameA: "a", nameB: "b", force: force),
            try RunComparison(RunAnalysis(b), RunAnalysis(a), nameA: "b", nameB: "a", force: force)
        )
    }

    func cell(
        _ comparison: RunComparison, _ row: RowID, scale: Double = 4, _ metric: Metric
    ) throws -> RunComparison.Cell {
        let shared = try XCTUnwrap(comparison.rows.first { $0.key.row == row && $0.key.scale == scale })
        return try XCTUnwrap(shared.cells.first { $0.metric == metric })
    }

    func testRatioIntervalAndPBothWays() throws {
        let (ab, ba) = try comparison()
        XCTAssertEqual(ab.rows.count, 4, "two rows × two scales in both")
        // ignored-drain ×4 heap: 96 MiB in every repeat of A, 192 MiB in every repeat of B. All 25
        // pairwise ratios are 2; U = 25 of 25, whose one-sided exact p is 1 / C(10, 5) = 1/252.
        let grown = try cell(ab, "ignored-drain", .peakAllocated)
        XCTAssertEqual(grown.spreadA?.median, 96 * 1_048_576)
        XCTAssertEqual(grown.spreadB?.median, 192 * 1_048_576)
        XCTAssertEqual(grown.interval?.estimate ?? 0, 2, accuracy: 1e-9)
        XCTAssertEqual(grown.interval?.lower ?? 0, 2, accuracy: 1e-9)
        XCTAssertEqual(grown.p ?? 1, 2.0 / 252, accuracy: 1e-12)
        XCTAssertEqual(grown.reading, .higher)
        XCTAssertEqual(grown.bIsBetter, false, "more heap is worse")
        let shrunk = try cell(ba, "ignored-drain", .peakAllocated)
        XCTAssertEqual(shrunk.interval?.estimate ?? 0, 0.5, accuracy: 1e-9)
        XCTAssertEqual(shrunk.p ?? 1, 2.0 / 252, accuracy: 1e-12)
        XCTAssertEqual(shrunk.reading, .lower)
        XCTAssertEqual(shrunk.bIsBetter, true)
        // pipeline-copy's heap and throughput are the same in both: no difference either way.
        for comparison in [ab, ba] {
            for metric in [Metric.peakAllocated, .throughputBytes] {
                let same = try cell(comparison, "pipeline-copy", metric)
                XCTAssertEqual(same.reading, .unclear, metric.key)
                XCTAssertEqual(same.p, 1, metric.key)
                XCTAssertNil(same.bIsBetter)
            }
        }
        XCTAssertEqual(ab.clearCounts.better, ba.clearCounts.worse)
        XCTAssertEqual(ab.clearCounts.worse, ba.clearCounts.better)
        let markdown = ab.markdown()
        XCTAssertTrue(
            markdown.contains(
                "| `ignored-drain` | ×4 | peak allocated | 96.0 MiB n=5 | 192 MiB n=5 | 2.00× (2.00–2.00) | 0.008 | B higher (worse) |"
            ), markdown)
        XCTAssertTrue(ba.markdown().contains("| 0.50× (0.50–0.50) | 0.008 | B lower (better) |"))
        XCTAssertTrue(markdown.contains("## Only in A (0)"))
        XCTAssertTrue(ab.html().contains("<em>B/A</em>"), "the note's emphasis is HTML, not markdown")
        XCTAssertFalse(ab.html().contains("*B/A*"))
    }

    /// Each side is labelled with the code that ran: a run of other binaries (`--bin-dir`, a
    /// check's base) by those binaries and their commit, not by the checkout's commit both sides
    /// share; runs of the checkout's own builds by their commits.
    func testEachSideIsLabelledWithTheCodeThatRan() throws {
        let commit = Synthetic.environment.gitCommit
        let other = ScenarioBinaries(directory: "/work/base/.build/release", commit: "496d18f00000")
        let (ab, ba) = try comparison { $0.environment.scenarioBinaries = other }
        for page in [ab.markdown(), ab.html()] {
            XCTAssertTrue(page.contains("A = a: quick, commit \(commit), started"), page)
            XCTAssertTrue(
                page.contains("B = b: quick, binaries from /work/base/.build/release, built at commit 496d18f00000,"),
                page)
        }
        XCTAssertTrue(
            ba.contextDifferences.contains(
                "binaries from /work/base/.build/release, built at commit 496d18f00000 → commit \(commit)"),
            "\(ba.contextDifferences)")
        let (unknown, _) = try comparison {
            $0.environment.scenarioBinaries = ScenarioBinaries(directory: "/opt/bins", commit: nil)
        }
        XCTAssertTrue(unknown.markdown().contains("B = b: quick, binaries from /opt/bins (commit unknown),"))

        // The other way: both the checkout's builds, each side its own commit.
        let (same, _) = try comparison { $0.environment.gitCommit = "fedcba987654" }
        let page = same.markdown()
        XCTAssertTrue(page.contains("A = a: quick, commit \(commit), started"), page)
        XCTAssertTrue(page.contains("B = b: quick, commit fedcba987654, started"), page)
        XCTAssertFalse(page.contains("binaries from"), page)
        XCTAssertTrue(same.contextDifferences.contains("commit \(commit) → commit fedcba987654"))
    }

    func testTooFewRepeatsGiveNoIntervalAndThreeGiveOne() throws {
        func reading(repeats: Int) throws -> RunComparison.Cell {
            let a = Synthetic.document(repeats: repeats)
            let b = Synthetic.document(ignoredDrainFactor: 2.0, repeats: repeats)
            return try cell(
                try RunComparison(RunAnalysis(a), RunAnalysis(b), nameA: "a", nameB: "b", force: false),
                "ignored-drain", .peakAllocated)
        }
        let two = try reading(repeats: 2)
        XCTAssertEqual(two.reading, .tooFew)
        XCTAssertNil(two.interval)
        XCTAssertEqual(two.p ?? 0, 2.0 / 6, accuracy: 1e-12, "2 + 2 repeats: one-sided p ≥ 1/C(4, 2)")
        let three = try reading(repeats: 3)
        XCTAssertEqual(three.reading, .higher)
        XCTAssertGreaterThanOrEqual(
            three.interval?.coverage ?? 0, 0.9 - 1e-9, "3 + 3 repeats: 1 − 2/20 = 90 % coverage")
        XCTAssertEqual(three.p ?? 0, 2.0 / 20, accuracy: 1e-12, "3 + 3 repeats: two-sided p ≥ 0.10")
    }

    func testRowsOnlyInOneSideAreListed() throws {
        let (ab, ba) = try comparison { document in
            var extra = Synthetic.record(
                "bounded-queue", peakRss: 40 << 20, allocated: 1 << 20, bytes: 1 << 20, throughput: 1e6)
            extra.parameters["capacity"] = "16"
            document.records.append(extra)
        }
        XCTAssertEqual(ab.onlyInB.map(\.key.label), ["bounded-queue ×1"])
        XCTAssertEqual(ab.onlyInA, [])
        XCTAssertEqual(ba.onlyInA.map(\.key.label), ["bounded-queue ×1"])
        XCTAssertEqual(ba.onlyInB, [])
        XCTAssertTrue(ab.markdown().contains("## Only in B (1)\n\n- `bounded-queue` ×1: 1 repeat(s), ok"))
        XCTAssertTrue(ab.html().contains("<h2 id=\"only-b\">Only in B (1)</h2><ul><li><code>bounded-queue</code>"))
        XCTAssertFalse(ab.rows.contains { $0.key.row == "bounded-queue" })
    }

    func testChangedParametersAreSaid() throws {
        let (ab, _) = try comparison { document in
            for index in document.records.indices where document.records[index].scenario == "pipeline-copy" {
                document.records[index].parameters["items"] = "200"
            }
        }
        XCTAssertEqual(ab.rows.first { $0.key.row == "pipeline-copy" }?.parameterChanges, ["items 100 → 200"])
        XCTAssertEqual(ab.rows.first { $0.key.row == "ignored-drain" }?.parameterChanges, [])
        XCTAssertTrue(ab.markdown().contains("not the same work: items 100 → 200"))
    }

    func testDifferentMachinesAreRefusedUnlessForced() throws {
        let other: (inout RunDocument) -> Void = { $0.environment.hostname = "<other-host>" }
        XCTAssertThrowsError(try comparison(other)) { error in
            XCTAssertEqual((error as? BenchError)?.kind, .data)
            XCTAssertTrue((error as? BenchError)?.message.contains("different machines") == true, "\(error)")
            XCTAssertTrue((error as? BenchError)?.message.contains("--force") == true, "\(error)")
        }
        let (forced, _) = try comparison(force: true, other)
        XCTAssertFalse(forced.hostDifferences.isEmpty)
        XCTAssertTrue(
            forced.markdown().hasPrefix("# bpbench compare\n\n> **Different machines, compared because of --force**"))
        XCTAssertTrue(forced.html().contains("id=\"forced\""))
        XCTAssertTrue(forced.html().contains("&lt;other-host&gt;"))
        XCTAssertFalse(forced.html().contains("<other-host>"))
        // The same machine: no refusal, no banner, with or without --force.
        for force in [false, true] {
            let (same, _) = try comparison(force: force)
            XCTAssertEqual(same.hostDifferences, [])
            XCTAssertFalse(same.markdown().contains("Different machines"))
            XCTAssertFalse(same.html().contains("id=\"forced\""))
        }
    }

    func testNoRowInCommonIsADataError() throws {
        var a = Synthetic.document()
        var b = Synthetic.document()
        a.records.removeAll { $0.scenario == "ignored-drain" }
        b.records.removeAll { $0.scenario == "pipeline-copy" }
        XCTAssertThrowsError(try RunComparison(RunAnalysis(a), RunAnalysis(b), nameA: "a", nameB: "b", force: false)) {
            error in
            XCTAssertEqual((error as? BenchError)?.kind, .data)
            XCTAssertTrue("\(error)".contains("no row × scale in common"), "\(error)")
        }
        // One shared scale is enough.
        b.records += Synthetic.document().records.filter { $0.scenario == "pipeline-copy" && $0.scale == 4 }
        XCTAssertEqual(
            try RunComparison(RunAnalysis(a), RunAnalysis(b), nameA: "a", nameB: "b", force: false).rows.map(
                \.key.label), ["pipeline-copy ×4"])
    }
}
