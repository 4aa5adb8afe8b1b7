import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchModel
@testable import BenchReport

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The report's cross-language comparison, counters and peak attribution, on synthetic runs.
final class LanguageAndAttributionReportTests: ProcessFreeTestCase {
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
                var node = Synthetic.record(
                    "node-pipeline", scale: scale, repeatIndex: repeatIndex, peakRss: 89 * mib, allocated: 18 * mib,
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
        XCTAssertEqual(
            try XCTUnwrap(group.ratio(node, \.overFloorBytes)), Double(44 * mib) / swiftOverFloor, accuracy: 0.001)
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
        let frames = [
            "main", "FileToSocket.run", "NIOAsyncChannel.write", "PendingWritesManager.add", "swift_allocObject",
            "malloc", "je_prof_backtrace",
        ]
        XCTAssertEqual(
            PeakAttribution.telling(frames, count: 2), ["NIOAsyncChannel.write", "PendingWritesManager.add"])
        XCTAssertEqual(
            PeakAttribution.telling([
                "IgnoredDrain.run(_:)", "Array.init(repeating:count:)", "_ContiguousArrayBuffer.init(_:)", "malloc",
            ]),
            ["IgnoredDrain.run(_:)"], "container plumbing is left out of the short stack")
        XCTAssertEqual(PeakAttribution.strippingAddress("Foo.bar(_:)<00000000001888d0>"), "Foo.bar(_:)")
        XCTAssertEqual(PeakAttribution.strippingAddress("Array<Int>"), "Array<Int>")
        let attribution = PeakAttribution(
            row: "ignored-drain", scale: 4, repeatIndex: 2, profile: "profiles/x.heap",
            profiledAllocatedBytes: 590 << 20, peakAllocatedBytes: 600 << 20,
            totalBytes: 600 << 20,
            stacks: [
                PeakAttribution.Stack(frames: frames, bytes: 540 << 20),
                PeakAttribution.Stack(frames: ["main", "StreamVerifier.init", "malloc"], bytes: 60 << 20),
            ])
        var document = Synthetic.document()
        document.attributions = [attribution]
        let analysis = RunAnalysis(document)
        let report = try MarkdownExporter().render(analysis)
        XCTAssertTrue(report.contains("## Where the peak heap is"))
        XCTAssertTrue(
            report.contains(
                "| 90.0 % | 540 MiB | `main` → `FileToSocket.run` → `NIOAsyncChannel.write` → `PendingWritesManager.add` |"
            ), report)
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
        XCTAssertTrue(
            memory.contains(">100 MiB<") || memory.contains(">120 MiB<"), "ignored-drain's panel its own (127 MiB)")
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
