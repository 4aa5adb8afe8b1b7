import BenchProtocol
import BenchTestSupport
import XCTest

@testable import BenchCore
@testable import BenchModel
@testable import BenchReport

/// Issue 23: a garbage-collected runtime is judged on what it holds. A Node row's peak allocated
/// is the live heap (heapUsed + arrayBuffers right after a forced gc(), ScenarioKitNode's
/// protocol.mjs), so the growth verdict reads the data the strategy holds, not how lazily V8
/// collects. Real Node children through the harness (the standard profile's rows at the quick
/// profile's input, scales 1 and 4), the verdict both ways: the backpressured rows are bounded,
/// ignored-drain still grows by ≈ its input; and the live figure both ways against the lazy one on
/// the same run.
final class NodeLiveHeapTests: ChildProcessTestCase {
    private func requireNode() throws {
        guard ExternalCommand.resolve("node", in: "/") != nil else {
            throw XCTSkip("node is not installed (make deps installs it)")
        }
    }

    /// Every row (base and the profile's variants) of `scenarios` at standard, scales 1 and 4: the
    /// verdict compares the smallest and largest scale's repeats (a middle one only refines the
    /// per-byte slope), as the gate's own plan does at ×1 and ×4; ×2 cost a third of these tests'
    /// 76 s in CI.
    ///
    /// At the quick profile's 1,600 items (25 MiB at ×1), not standard's 3,000 (issue 24: these two
    /// tests were 58 s of a fresh-clone CI run). `bpbench run` of the same rows, 2026-12-02, load
    /// 10–14, the three sizes in the same minutes: every verdict held — bounded rows 4 of 4 in each
    /// of 3 runs at 1,600 and 2 at 3,000, ignored-drain grows-with-input (p = 0.004) in 3 of 3 at
    /// 1,600 — with the same proportional margin: the bounded rows grew 0.06–0.46 MiB from ×1 to
    /// ×4 against a floor of 1.17 MiB (1/64 of the extra input; 2.2 MiB at 3,000, where they grew
    /// 0.1–0.35 MiB); ignored-drain held 0.65–0.82 × its ×4 input (median; the test needs 0.5;
    /// 0.74 at 3,000). Not 1,000 items: a bounded row's ×1 peak there was sometimes caught low
    /// (3.5 against 3.85 MiB, a short run's live heap measured before its peak), narrowing the
    /// margin to 0.19 MiB of 0.73, and ignored-drain came out inconclusive in 1 run of 3. Times:
    /// bounded 35.6–40.9 s against 52.9–54.7 s (load 10–14), ignored-drain 17.0–17.5 s against 26.1 s.
    static let items = "items=1600"

    private func analyse(_ scenarios: [String], repeats: Int) throws -> RunAnalysis {
        let entries = try scenarios.map { try TestSupport.entry($0) }
        let scales: [Double] = [1, 4]
        let plan = try RunPlan(
            entries: entries, profile: .standard, repeats: repeats, warmups: 0, scales: scales,
            overrides: [Self.items])
        let directory = TestSupport.temporaryDirectory("live-heap")
        var document = RunDocument(
            startedAt: "t", profile: "standard", repeats: repeats, warmups: 0, scales: scales, limits: ChildLimits(),
            environment: Synthetic.environment)
        BenchRunner(
            catalog: TestSupport.catalog, limits: ChildLimits(), cacheDirectory: directory + "/cache", interruption: nil
        )
        .execute(plan, logDirectory: directory, into: &document) { _ in }
        for record in document.records {
            XCTAssertEqual(record.status, .ok, "\(record.scenario) ×\(record.scale): \(record.statusDetail ?? "")")
        }
        return RunAnalysis(document)
    }

    /// The seeds' bounded patterns read bounded on the live heap — with the lazy figure the same
    /// rows read grows-with-input here (+20–28 % from ×1 to ×4: V8 collecting later in a longer run).
    /// 3 repeats suffice: *bounded* is a median slope under the floor, no significance needed.
    func testBackpressuredNodeStreamsAreBoundedOnTheirLiveHeap() throws {
        try requireNode()
        let analysis = try analyse(["node-pipeline", "node-manual-drain"], repeats: 3)
        let rows: [RowID] = [
            "node-pipeline", "node-pipeline/unthrottled", "node-manual-drain", "node-manual-drain/unthrottled",
        ]
        XCTAssertEqual(Set(analysis.scenarios), Set(rows))
        for row in rows {
            let verdict = try XCTUnwrap(analysis.verdicts[row], row.description)
            XCTAssertEqual(verdict.kind, .bounded, "\(row): \(verdict.explanation)")
            XCTAssertEqual(verdict.metric, Metric.peakAllocated.key, "\(row): decided on the heap, not RSS")
        }
    }

    /// The other way: ignoring write()'s false holds the stream, and the live heap shows it —
    /// grows-with-input (5 repeats at the ends: the fewest with which p can pass 0.01) and, at ×4,
    /// at least half the input held (measured 0.80 × here: the reader took some while the producer read).
    func testIgnoredDrainStillGrowsOnItsLiveHeap() throws {
        try requireNode()
        let analysis = try analyse(["node-ignored-drain"], repeats: 5)
        let verdict = try XCTUnwrap(analysis.verdicts["node-ignored-drain"])
        XCTAssertEqual(verdict.kind, .grows, verdict.explanation)
        let largest = try XCTUnwrap(analysis.largest("node-ignored-drain"))
        let peak = try XCTUnwrap(largest.median(.peakAllocated))
        let input = try XCTUnwrap(largest.inputBytes)
        XCTAssertGreaterThan(peak, 0.5 * input, "the live heap holds ≈ the whole stream")
    }

    /// The live figure against the lazy one on the same scenario: the hello names the figure, the
    /// live run forces collections (and says how many), and the lazy peak is several times the
    /// live one (22–24 MiB against 4 MiB measured here) — so the live reading is not the lazy one
    /// relabelled. A bounded stream's live peak is a few MiB: the runtime's own objects and a few chunks.
    func testTheLiveFigureIsNamedAndIsNotTheLazyOne() throws {
        try requireNode()
        let live = try TestSupport.runChild("node-pipeline", ["consumer_rate=0"])
        let lazy = try TestSupport.runChild("node-pipeline", ["consumer_rate=0", "live_heap=false"])
        for record in [live, lazy] { XCTAssertEqual(record.status, .ok, record.statusDetail ?? "") }
        XCTAssertTrue(
            live.hello?.allocator?.contains("live heap after forced GC") == true,
            live.hello?.allocator ?? "no allocator")
        XCTAssertTrue(lazy.hello?.allocator?.contains("lazy") == true, lazy.hello?.allocator ?? "no allocator")
        XCTAssertGreaterThan(live.metrics["forced_gcs"] ?? 0, 0)
        XCTAssertNil(lazy.metrics["forced_gcs"], "the lazy figure forces nothing")
        let livePeak = try XCTUnwrap(live.result?.peaks.allocated)
        let lazyPeak = try XCTUnwrap(lazy.result?.peaks.allocated)
        XCTAssertLessThan(Double(livePeak), 8 * 1_048_576, "live: a few MiB")
        XCTAssertGreaterThan(Double(lazyPeak), 2 * Double(livePeak), "lazy \(lazyPeak) B against live \(livePeak) B")
    }

    /// Same work across languages (issue 23 B): the Node twins take the Swift twins' socket_buffer
    /// (same spec, same default), and setting it is real: the kernel grants the request doubled on
    /// both ends, and the bytes in flight fall with it (1.06 MiB at 256 KiB against 4.6 MiB
    /// autotuned, node-pipeline here) — the other way, 0 sets nothing and the sockets autotune.
    func testNodeStreamsTakeTheSwiftTwinsSocketBuffer() throws {
        for (node, swift) in [
            ("node-pipeline", "pipeline-copy"), ("node-manual-drain", "manual-drain"),
            ("node-ignored-drain", "ignored-drain"),
        ] {
            let nodeSpec = try XCTUnwrap(
                try TestSupport.entry(node).description.parameter(named: "socket_buffer"), node)
            let swiftSpec = try XCTUnwrap(
                try TestSupport.entry(swift).description.parameter(named: "socket_buffer"), swift)
            XCTAssertEqual(nodeSpec.kind, swiftSpec.kind, node)
            XCTAssertEqual(nodeSpec.defaultValue, swiftSpec.defaultValue, node)
            XCTAssertEqual(nodeSpec.minimum, swiftSpec.minimum, node)
        }
        try requireNode()
        let fixed = try TestSupport.runChild("node-pipeline", ["socket_buffer=256KiB"])
        let autotuned = try TestSupport.runChild("node-pipeline", ["socket_buffer=0"])
        for record in [fixed, autotuned] { XCTAssertEqual(record.status, .ok, record.statusDetail ?? "") }
        XCTAssertEqual(fixed.metrics["socket_sndbuf_bytes"], 512 * 1024, "Linux doubles SO_SNDBUF")
        XCTAssertEqual(fixed.metrics["socket_rcvbuf_bytes"], 512 * 1024, "Linux doubles SO_RCVBUF")
        XCTAssertNil(autotuned.metrics["socket_sndbuf_bytes"], "0 sets nothing")
        let fixedInFlight = try XCTUnwrap(fixed.result?.gaugeMaxima["in_flight_bytes"])
        let autotunedInFlight = try XCTUnwrap(autotuned.result?.gaugeMaxima["in_flight_bytes"])
        XCTAssertLessThan(
            Double(fixedInFlight), 0.5 * Double(autotunedInFlight),
            "fixed \(fixedInFlight) B in flight, autotuned \(autotunedInFlight) B")
    }
}
