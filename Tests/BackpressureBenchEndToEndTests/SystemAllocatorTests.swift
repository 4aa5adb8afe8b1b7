import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchCore
@testable import BenchModel
@testable import BenchReport

/// `--allocator system` on real children: glibc's malloc preloaded into a binary linked with
/// jemalloc (the plan's shape is tested in AllocatorTests).
final class SystemAllocatorTests: ChildProcessTestCase {
    /// The same fixture on glibc's malloc: no jemalloc figures (jemalloc sees nothing), the
    /// kernel still sees the 64 MiB block, and the report compares the two.
    func testTheSystemAllocatorRunsTheSameBinaryWithoutJemallocFigures() throws {
        let entry = try TestSupport.entry("fixture-allocate")
        guard FileManager.default.fileExists(atPath: TestSupport.binDirectory + "/" + Allocator.systemLibraryName)
        else { throw XCTSkip("not built") }
        let directory = TestSupport.temporaryDirectory("allocator")
        let plan = try RunPlan(
            entries: [entry], profile: .quick, repeats: 1, warmups: 0, scales: [1],
            overrides: ["megabytes=64", "hold=100ms"],
            allocators: [.jemalloc, .system])
        var document = RunDocument(
            plan: plan, entries: [entry], limits: ChildLimits(), projectRoot: TestSupport.projectRoot)
        BenchRunner(
            catalog: TestSupport.catalog, limits: ChildLimits(), cacheDirectory: directory + "/cache", interruption: nil
        )
        .execute(plan, logDirectory: directory, into: &document) { _ in }
        let jemalloc = try XCTUnwrap(document.records.first { $0.scenario == "fixture-allocate" })
        let system = try XCTUnwrap(document.records.first { $0.scenario == "fixture-allocate@system" })
        XCTAssertEqual(jemalloc.status, .ok, jemalloc.statusDetail ?? "")
        XCTAssertEqual(system.status, .ok, system.statusDetail ?? "")
        XCTAssertGreaterThanOrEqual(jemalloc.peaks.allocated, 64 << 20)
        XCTAssertLessThan(system.peaks.allocated, 1 << 20, "jemalloc saw none of the system run's allocations")
        XCTAssertNil(system.hello?.jemallocVersion)
        XCTAssertEqual(system.hello?.allocator?.hasPrefix("glibc malloc"), true)
        XCTAssertGreaterThanOrEqual(system.observed.peakRssBytes, 64 << 20, "the kernel sees the block either way")
        let report = try MarkdownExporter().render(RunAnalysis(document))
        XCTAssertTrue(report.contains("## jemalloc against the system allocator"))
        // A NIO scenario goes through the Swift runtime's C++ paths (operator new/delete), which
        // must land in the same allocator as free(): it aborted before the preload defined them.
        let nio = try TestSupport.entry("pipeline-copy")
        let nioPlan = try RunPlan(
            entries: [nio], profile: .quick, repeats: 1, warmups: 0, scales: [1],
            overrides: ["items=64", "consumer_rate=0"], allocators: [.system])
        let nioRecord = BenchRunner(
            catalog: TestSupport.catalog, limits: ChildLimits(), cacheDirectory: directory + "/cache", interruption: nil
        )
        .execute(try XCTUnwrap(nioPlan.steps.first), profile: .quick, logDirectory: directory)
        XCTAssertEqual(nioRecord.status, .ok, nioRecord.statusDetail ?? "")
        XCTAssertEqual(nioRecord.scenario, "pipeline-copy@system")
        XCTAssertTrue(report.contains("| `fixture-allocate` | ×1 |"), report)
    }
}
