import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchSession

/// The what-grew logic without children: which findings are profiled, the diff, the short
/// stacks, and the lines when nothing can be profiled.
final class WhatGrewTests: ProcessFreeTestCase {
    func finding(_ scenario: RowID, _ metric: String, scale: Double = 1) -> Finding {
        Finding(scenario: scenario, scale: scale, metric: metric, baseline: "a", now: "b", rule: "r")
    }

    func testOnlyMemoryFindingsAreProfiledOncePerRowAndScale() {
        XCTAssertTrue(WhatGrewProfiler.isMemoryFinding(finding("s", "peak_allocated_bytes")))
        XCTAssertTrue(WhatGrewProfiler.isMemoryFinding(finding("s", "peak_rss_bytes")))
        XCTAssertTrue(WhatGrewProfiler.isMemoryFinding(finding("s", "max_in_flight_bytes")))
        XCTAssertTrue(WhatGrewProfiler.isMemoryFinding(finding("s", "memory_verdict")))
        XCTAssertFalse(WhatGrewProfiler.isMemoryFinding(finding("s", "throughput_bytes_per_s")))
        XCTAssertFalse(WhatGrewProfiler.isMemoryFinding(finding("s", "max_queue_depth")))
        XCTAssertFalse(WhatGrewProfiler.isMemoryFinding(finding("s", "io_read_bytes")))
        XCTAssertFalse(WhatGrewProfiler.isMemoryFinding(finding("s", "status")))
        var document = RunDocument(
            startedAt: "", profile: "quick", repeats: 1, warmups: 0, scales: [1, 4], limits: ChildLimits(),
            environment: Synthetic.environment)
        for scale in [1.0, 4.0] {
            document.records.append(
                RunRecord(scenario: "s", repeatIndex: 1, scale: scale, parameters: [:], logFile: ""))
        }
        let targets = WhatGrewProfiler.targets(
            [
                finding("s", "peak_allocated_bytes", scale: 4), finding("s", "cpu_s", scale: 4),
                finding("s", "peak_rss_bytes", scale: 4),
                finding("s", "memory_verdict"), finding("s", "peak_allocated_bytes"),
            ], head: document)
        XCTAssertEqual(targets.map(\.row), ["s", "s"])
        XCTAssertEqual(
            targets.map(\.scale), [4, 1], "the growth verdict is profiled at the largest scale, with the ×4 cells")
        XCTAssertEqual(
            targets.map(\.metrics),
            [["peak_allocated_bytes", "peak_rss_bytes", "memory_verdict"], ["peak_allocated_bytes"]])
        XCTAssertTrue(WhatGrewProfiler.targets([finding("s", "cpu_s")], head: document).isEmpty)
    }

    func testTheDiffNamesTheStackThatGrewAndNotTheOneThatStayed() {
        let stay = [
            "clone3", "swift_job_run", "specialized static Pool.run(_:)", "Ledger.keep(_:)[inline]",
            "specialized Array.init<A>(_:)", "swift_allocObject",
        ]
        let moved = [
            "clone3", "swift_job_run", "specialized static Pool.run(_:)",
            "(1) await resume partial function for JobPool.makeJob<A>(_:)",
            "closure #1 in ItemCodec.makeItem(sequence:)<00000000001888d0>",
            "specialized protocol witness for Sequence._copyToContiguousArray() in conformance ArraySlice<A>", "malloc",
        ]
        let head = [
            PeakAttribution.Stack(frames: stay, bytes: 1_000_000),
            PeakAttribution.Stack(frames: moved, bytes: 3_000_000),
        ]
        let base = [
            PeakAttribution.Stack(frames: stay, bytes: 1_050_000),
            PeakAttribution.Stack(
                frames: moved.map { $0.replacingOccurrences(of: "<00000000001888d0>", with: "<0000000000aa0000>") },
                bytes: 1_000_000),
        ]
        let growth = WhatGrew.growth(head: head, base: base, floor: 131_072)
        XCTAssertEqual(growth.map(\.frames), [["Pool.run", "JobPool.makeJob", "ItemCodec.makeItem"]])
        XCTAssertEqual(growth.first?.bytes, 2_000_000)
        XCTAssertEqual(growth.first?.baseBytes, 1_000_000)
        // The other way: the base held more there; nothing grew.
        XCTAssertEqual(WhatGrew.growth(head: base, base: head, floor: 131_072), [])
        // Under the floor (two sampling periods): noise, not listed.
        XCTAssertEqual(WhatGrew.growth(head: head, base: base, floor: 2_500_000), [])
        // Sampling noise at 1 per 64 KiB: +2 MB over 1 + 3 MB passes 2 SE (1.02 MB); +132 KiB
        // over 331 + 463 KiB (the grow-site fixture's Ledger.keep between two repeats) does not.
        XCTAssertEqual(
            WhatGrew.growth(head: head, base: base, floor: 131_072, period: 65_536).map(\.bytes), [2_000_000])
        let ledger = ["GrowSiteFixture.run(_:)", "Ledger.keep(_:)", "malloc"]
        XCTAssertEqual(
            WhatGrew.growth(
                head: [.init(frames: ledger, bytes: 463_242)], base: [.init(frames: ledger, bytes: 330_887)],
                floor: 131_072, period: 65_536), [])
        XCTAssertEqual(
            WhatGrew.growth(
                head: [.init(frames: ledger, bytes: 463_242)], base: [.init(frames: ledger, bytes: 330_887)],
                floor: 131_072
            ).count, 1,
            "without the noise test the same change would be listed")
        // The flame graph's stacks: only positive growth, addresses stripped so the two builds match.
        let grown = WhatGrew.grownStacks(head: head, base: base)
        XCTAssertEqual(grown.count, 1)
        XCTAssertEqual(grown.first?.bytes, 2_000_000)
        XCTAssertEqual(grown.first?.frames[4], "closure #1 in ItemCodec.makeItem(sequence:)")
        // Head alone: what it holds.
        XCTAssertEqual(WhatGrew.growth(head: head, base: nil, floor: 131_072).map(\.bytes), [3_000_000, 1_000_000])
    }

    func testDisplayNames() {
        XCTAssertEqual(WhatGrew.displayName("specialized static JobPool.makeJob<A>(_:)"), "JobPool.makeJob")
        XCTAssertEqual(WhatGrew.displayName("(2) suspend resume partial function for Writer.flush()"), "Writer.flush")
        XCTAssertEqual(WhatGrew.displayName("closure #1 in closure #2 in Sink.drain(into:)[inline]"), "Sink.drain")
        XCTAssertEqual(WhatGrew.displayName("0x00007f12"), "?")
        XCTAssertEqual(
            WhatGrew.shortStack([
                "clone3", "static ScenarioMain.run<A>(_:)", "ScenarioContext.init()", "Histogram.init(lowest:)",
                "swift_slowAlloc",
            ]),
            ["swift_slowAlloc"], "a harness-only stack names its innermost frame")
    }

    func testWhatCannotBeProfiledIsOneLineAndLeavesTheVerdict() {
        let scratch = TestSupport.temporaryDirectory("what-grew-none")
        var document = RunDocument(
            startedAt: "", profile: "quick", repeats: 1, warmups: 0, scales: [1], limits: ChildLimits(),
            environment: Synthetic.environment)
        for row in ["fixture-tree", "fixture-retain@system", "fixture-retain"] {
            var record = RunRecord(scenario: RowID(row), repeatIndex: 1, scale: 1, parameters: [:], logFile: "")
            record.status = .ok
            document.records.append(record)
        }
        var report = GateReport()
        report.findings = [
            finding("fixture-tree", "peak_rss_bytes"), finding("fixture-retain@system", "peak_rss_bytes"),
            finding("fixture-retain", "peak_allocated_bytes"),
        ]
        var profiler = WhatGrewProfiler(
            head: .init(catalog: TestSupport.catalog, document: document), base: nil, directory: scratch,
            cacheDirectory: scratch + "/cache", interruption: nil)
        profiler.maximumRows = 2
        report.whatGrew = profiler.investigate(report)
        XCTAssertEqual(report.whatGrew.map(\.outcome), [.notProfiled, .notProfiled, .notProfiled])
        let markdown = report.markdown(title: "t")
        XCTAssertTrue(
            markdown.contains(
                "- fixture-tree ×1 peak_rss_bytes: a → b (r)\n  - what grew: not profiled — fixture-tree is not a Swift scenario"
            ), markdown)
        XCTAssertTrue(
            markdown.contains(
                "- fixture-retain@system ×1 peak_rss_bytes: a → b (r)\n  - what grew: not profiled — fixture-retain@system runs on the system allocator"
            ), markdown)
        XCTAssertTrue(
            markdown.contains(
                "- fixture-retain ×1 peak_allocated_bytes: a → b (r)\n  - what grew: not profiled — only the first 2 regressed rows are profiled"
            ), markdown)
        XCTAssertEqual(report.findings.count, 3)
        XCTAssertFalse(report.passed)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/what-grew"), "no child ran")
    }
}
