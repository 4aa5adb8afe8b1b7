@testable import BenchCore
@testable import BenchModel
import BenchProtocol
@testable import BenchReport
import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The report's cross-language comparison, counters and peak attribution, on synthetic runs.
final class LanguageAndAttributionReportTests: XCTestCase {
    /// A pattern run in two languages is compared (ratios to Swift, the idle floor subtracted); a
    /// pattern in one language only is not.
    func testSamePatternRowsAreComparedAcrossLanguagesAgainstSwift() throws {
        var document = Synthetic.document()
        let mib = 1 << 20
        for index in document.records.indices {
            document.records[index].observed.rssAtHelloBytes = 26 * mib
        }
        for scale in [1.0, 4.0] {
            for repeatIndex in 1...5 {
                var node = Synthetic.record("node-pipeline", scale: scale, repeatIndex: repeatIndex, peakRss: 89 * mib, allocated: 18 * mib,
                                            bytes: Int(scale) * 24 * mib, throughput: 8.0 * Double(mib))
                node.observed.rssAtHelloBytes = 45 * mib
                document.records.append(node)
            }
        }
        document.rowTraits = [
            "pipeline-copy": RowTraits(language: "swift", pattern: "pipeline", variant: nil),
            "node-pipeline": RowTraits(language: "node", pattern: "pipeline", variant: nil),
            "ignored-drain": RowTraits(language: "swift", pattern: "ignored-drain", variant: nil),
        ]
        let analysis = RunAnalysis(document)
        let groups = LanguageComparison.groups(analysis)
        XCTAssertEqual(groups.map(\.pattern), ["pipeline"], "ignored-drain has no second language")
        let group = try XCTUnwrap(groups.first)
        XCTAssertEqual(group.scale, 4)
        XCTAssertEqual(group.base, "swift")
        let node = try XCTUnwrap(group.entries.first { $0.language == "node" })
        XCTAssertEqual(try XCTUnwrap(node.overFloorBytes), Double(44 * mib), accuracy: 1)
        XCTAssertEqual(try XCTUnwrap(group.ratio(node, \.throughputBytesPerS)), 0.5, accuracy: 0.001)
        let swiftOverFloor = try XCTUnwrap(group.baseEntry?.overFloorBytes)
        XCTAssertEqual(try XCTUnwrap(group.ratio(node, \.overFloorBytes)), Double(44 * mib) / swiftOverFloor, accuracy: 0.001)
        let report = try MarkdownExporter().render(analysis)
        XCTAssertTrue(report.contains("## Same pattern, different languages"))
        XCTAssertTrue(report.contains("| pipeline ×4 | `node-pipeline` | node |"), report)
        // Without traits (an older run.json) there is no section.
        document.rowTraits = nil
        XCTAssertFalse(try MarkdownExporter().render(RunAnalysis(document)).contains("different languages"))
    }

    /// A row that started processes shows its tree's total as its peak, and says so.
    func testATreeRowShowsTheTreeTotal() throws {
        var document = Synthetic.document()
        for index in document.records.indices where document.records[index].scenario == "ignored-drain" {
            document.records[index].observed.peakTreeRssBytes = 500 << 20
            document.records[index].observed.maxProcesses = 3
        }
        let report = try MarkdownExporter().render(RunAnalysis(document))
        XCTAssertTrue(report.contains("| 500 MiB *tree of 3* |"), report)
        XCTAssertTrue(report.contains("*tree*: the scenario started processes of its own"))
    }

    /// Attribution: the telling frames skip the allocator; the flame graph draws every stack with
    /// widths by bytes; the report lists the top stacks with shares.
    func testAttributionRendersTopStacksAndAFlameGraph() throws {
        let frames = ["main", "FileToSocket.run", "NIOAsyncChannel.write", "PendingWritesManager.add", "swift_allocObject", "malloc", "je_prof_backtrace"]
        XCTAssertEqual(PeakAttribution.telling(frames, count: 2), ["NIOAsyncChannel.write", "PendingWritesManager.add"])
        XCTAssertEqual(PeakAttribution.telling(["IgnoredDrain.run(_:)", "Array.init(repeating:count:)", "_ContiguousArrayBuffer.init(_:)", "malloc"]),
                       ["IgnoredDrain.run(_:)"], "container plumbing is left out of the short stack")
        XCTAssertEqual(PeakAttribution.strippingAddress("Foo.bar(_:)<00000000001888d0>"), "Foo.bar(_:)")
        XCTAssertEqual(PeakAttribution.strippingAddress("Array<Int>"), "Array<Int>")
        let attribution = PeakAttribution(
            row: "ignored-drain", scale: 4, repeatIndex: 2, profile: "profiles/x.heap", profiledAllocatedBytes: 590 << 20, peakAllocatedBytes: 600 << 20,
            totalBytes: 600 << 20,
            stacks: [PeakAttribution.Stack(frames: frames, bytes: 540 << 20), PeakAttribution.Stack(frames: ["main", "StreamVerifier.init", "malloc"], bytes: 60 << 20)])
        var document = Synthetic.document()
        document.attributions = [attribution]
        let analysis = RunAnalysis(document)
        let report = try MarkdownExporter().render(analysis)
        XCTAssertTrue(report.contains("## Where the peak heap is"))
        XCTAssertTrue(report.contains("| 90.0 % | 540 MiB | `main` → `FileToSocket.run` → `NIOAsyncChannel.write` → `PendingWritesManager.add` |"), report)
        XCTAssertTrue(report.contains("[flame graph](flame-ignored-drain.svg)"))
        let exporters = FlameGraphExporter.exporters(for: analysis)
        XCTAssertEqual(exporters.map(\.fileName), ["flame-ignored-drain.svg"])
        let svg = try exporters[0].render(analysis)
        XCTAssertTrue(XMLParser(data: Data(svg.utf8)).parse(), "well-formed SVG")
        // The pending-writes frame spans 90 % of the 1200-pixel width.
        XCTAssertTrue(svg.contains("PendingWritesManager.add — 540 MiB (90.0 %)"), svg)
        XCTAssertTrue(svg.contains("width=\"1080.0\""), "90 % of 1200 px")
    }

    /// Small multiples: one panel per row with its own axis, so pipeline-copy's 3 MiB gets a
    /// 3 MiB axis beside ignored-drain's hundreds; the growth chart titles each panel with its verdict.
    func testChartsAreSmallMultiplesWithTheirOwnAxes() throws {
        let analysis = RunAnalysis(Synthetic.document())
        let memory = try MemoryTimelineChart().render(analysis)
        XCTAssertEqual(memory.components(separatedBy: "<svg x=").count - 1, 2, "one nested panel per row")
        XCTAssertTrue(memory.contains(">30.0 MiB<"), "pipeline-copy's panel has an axis of its own (31 MiB at most)")
        XCTAssertTrue(memory.contains(">100 MiB<") || memory.contains(">120 MiB<"), "ignored-drain's panel its own (127 MiB)")
        XCTAssertTrue(XMLParser(data: Data(memory.utf8)).parse())
        let growth = try GrowthChart().render(analysis)
        XCTAssertTrue(growth.contains("ignored-drain: grows-with-input"))
        XCTAssertTrue(growth.contains("pipeline-copy: bounded"))
        XCTAssertTrue(growth.contains("<circle"), "each repeat is a dot")
        XCTAssertTrue(XMLParser(data: Data(growth.utf8)).parse())
    }

    /// The counters reach the CSV and the report.
    func testCountersReachTheCSVAndTheReport() throws {
        var document = Synthetic.document()
        for index in document.records.indices {
            document.records[index].result?.allocations = 3200
            document.records[index].observed.voluntaryContextSwitches = 640
            document.records[index].observed.involuntaryContextSwitches = 12
            document.records[index].observed.minorFaults = 9000
            document.records[index].observed.majorFaults = 0
            document.records[index].observed.peakThreads = 5
        }
        let analysis = RunAnalysis(document)
        let items = Double(document.records.first { $0.scale == 4 }!.items)
        let report = try MarkdownExporter().render(analysis)
        XCTAssertTrue(report.contains("## Counters"))
        XCTAssertTrue(report.contains(String(format: "| %.1f | 3200 |", 3200 / items)), report)
        let csv = try ResultsCSVExporter().render(analysis)
        XCTAssertTrue(csv.split(separator: "\n")[0].contains("voluntary_context_switches"))
    }
}

/// `--allocator both`: a Swift scenario's every repeat runs on each allocator, interleaved, under
/// its own row; another program runs once; the report pairs the rows.
final class AllocatorTests: ChildProcessTestCase {
    func testBothAllocatorsInterleaveSwiftRowsOnly() throws {
        let swift = ScenarioCatalog.Entry(folder: "/x", executable: "/x/s", description: ScenarioDescription(name: "s", summary: "", parameters: []))
        let node = ScenarioCatalog.Entry(folder: "/y", launch: .external(ExternalCommand(argv: ["node", "x.mjs"], program: "/usr/bin/node", workingDirectory: "/y", unavailable: nil)),
                                         description: ScenarioDescription(name: "n", summary: "", parameters: []))
        let plan = try RunPlan(entries: [swift, node], profile: .quick, repeats: 2, warmups: 0, scales: [1], overrides: [], allocators: [.jemalloc, .system])
        XCTAssertEqual(plan.steps.map(\.row), ["s", "s@system", "s", "s@system", "n", "n"])
        XCTAssertEqual(Allocator.split(row: "s/v@system").row, "s/v")
        XCTAssertEqual(Allocator.parse("both"), [.jemalloc, .system])
        XCTAssertNil(Allocator.parse("tcmalloc"))
    }

    /// `--scale` stretches a duration scale parameter too (it scaled only whole numbers, so a
    /// time-scaled scenario ran ×1 at every scale and its growth-with-time verdict saw nothing).
    func testScaleStretchesADurationParameter() throws {
        let duration = ParameterSpec("duration", .duration, default: "10s", help: "seed seconds")
        var description = ScenarioDescription(name: "timed", summary: "", parameters: [])
        description.parameters = [duration]
        description.scaleParameter = "duration"
        let entry = ScenarioCatalog.Entry(folder: "/x", executable: "/x/timed", description: description)
        let plan = try RunPlan(entries: [entry], profile: .standard, repeats: 1, warmups: 0, scales: [1, 4], overrides: [])
        XCTAssertEqual(plan.steps.map { $0.parameters.first { $0.0 == "duration" }?.1 }, ["10s", "40.0s"])
    }

    /// The plan's shape: one warm-up per row (before its first scale), every repeat at the
    /// smallest and largest scale (the growth test compares those two), two between.
    func testWarmUpOncePerRowAndTwoRepeatsBetweenTheEndScales() throws {
        var description = ScenarioDescription(name: "s", summary: "", parameters: [ParameterSpec("items", .count, default: "10", help: "n")])
        description.scaleParameter = "items"
        let entry = ScenarioCatalog.Entry(folder: "/x", executable: "/x/s", description: description)
        let plan = try RunPlan(entries: [entry], profile: .standard, repeats: 5, warmups: 1, scales: [1, 2, 4], overrides: [])
        XCTAssertEqual(plan.steps.map { "\($0.scale)#\($0.repeatIndex)" },
                       ["1.0#0", "1.0#1", "1.0#2", "1.0#3", "1.0#4", "1.0#5", "2.0#1", "2.0#2", "4.0#1", "4.0#2", "4.0#3", "4.0#4", "4.0#5"])
        let two = try RunPlan(entries: [entry], profile: .standard, repeats: 5, warmups: 0, scales: [1, 4], overrides: [])
        XCTAssertEqual(two.steps.count, 10, "no interior scale: every repeat at both")
    }

    /// The same fixture on glibc's malloc: no jemalloc figures (jemalloc sees nothing), the
    /// kernel still sees the 64 MiB block, and the report compares the two.
    func testTheSystemAllocatorRunsTheSameBinaryWithoutJemallocFigures() throws {
        let entry = try TestSupport.entry("fixture-allocate")
        guard FileManager.default.fileExists(atPath: TestSupport.binDirectory + "/" + Allocator.systemLibraryName) else { throw XCTSkip("not built") }
        let directory = TestSupport.temporaryDirectory("allocator")
        let plan = try RunPlan(entries: [entry], profile: .quick, repeats: 1, warmups: 0, scales: [1], overrides: ["megabytes=64", "hold=100ms"],
                               allocators: [.jemalloc, .system])
        var document = RunDocument(plan: plan, entries: [entry], limits: ChildLimits(), projectRoot: TestSupport.projectRoot)
        BenchRunner(catalog: TestSupport.catalog, limits: ChildLimits(), cacheDirectory: directory + "/cache", interruption: nil)
            .execute(plan, logDirectory: directory, into: &document) { _ in }
        let jemalloc = try XCTUnwrap(document.records.first { $0.scenario == "fixture-allocate" })
        let system = try XCTUnwrap(document.records.first { $0.scenario == "fixture-allocate@system" })
        XCTAssertEqual(jemalloc.status, .ok, jemalloc.statusDetail ?? "")
        XCTAssertEqual(system.status, .ok, system.statusDetail ?? "")
        XCTAssertGreaterThanOrEqual(jemalloc.peaks.allocated, 64 << 20)
        XCTAssertLessThan(system.peaks.allocated, 1 << 20, "jemalloc saw none of the system run's allocations")
        XCTAssertNil(system.jemallocVersion)
        XCTAssertEqual(system.hello?.allocator?.hasPrefix("glibc malloc"), true)
        XCTAssertGreaterThanOrEqual(system.peakRssBytes, 64 << 20, "the kernel sees the block either way")
        let report = try MarkdownExporter().render(RunAnalysis(document))
        XCTAssertTrue(report.contains("## jemalloc against the system allocator"))
        // A NIO scenario goes through the Swift runtime's C++ paths (operator new/delete), which
        // must land in the same allocator as free(): it aborted before the preload defined them.
        let nio = try TestSupport.entry("pipeline-copy")
        let nioPlan = try RunPlan(entries: [nio], profile: .quick, repeats: 1, warmups: 0, scales: [1], overrides: ["items=64", "consumer_rate=0"], allocators: [.system])
        let nioRecord = BenchRunner(catalog: TestSupport.catalog, limits: ChildLimits(), cacheDirectory: directory + "/cache", interruption: nil)
            .execute(try XCTUnwrap(nioPlan.steps.first), profile: .quick, logDirectory: directory)
        XCTAssertEqual(nioRecord.status, .ok, nioRecord.statusDetail ?? "")
        XCTAssertEqual(nioRecord.scenario, "pipeline-copy@system")
        XCTAssertTrue(report.contains("| `fixture-allocate` | ×1 |"), report)
    }
}
