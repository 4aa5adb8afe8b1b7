import BenchProtocol
import BenchTestSupport
import XCTest

@testable import BenchModel
@testable import BenchReport

/// The seed patterns' own claims, judged on real (small, debug-built) runs both ways: each
/// scenario's declared check holds with the mechanism on and says no with it off. The claims'
/// check kinds are tested on synthetic runs in ClaimTests; these prove each scenario measures
/// what its claim reads.
final class SeedPatternTests: ChildProcessTestCase {
    /// The scenario's declared claim (of `variant`, or the scenario's own) that reads a gauge or a metric.
    func declaredCheck(_ scenario: String, variant: String? = nil) throws -> SeedClaim.Check {
        let description = try TestSupport.entry(scenario).description
        let claims =
            variant.map { name in description.variants?.first { $0.name == name }?.claims ?? [] } ?? description.claims
        return try XCTUnwrap(
            claims.first { !$0.check.gaugeNames.isEmpty || !$0.check.metricNames.isEmpty }?.check,
            "\(scenario) declares no gauge or metric claim")
    }

    /// One quick child of `scenario` with `parameters`, verified, and `check` judged on it.
    func judge(_ check: SeedClaim.Check, _ scenario: String, _ parameters: [String]) throws -> ClaimOutcome.Result {
        let record = try TestSupport.runChild(scenario, parameters)
        XCTAssertEqual(record.status, .ok, "\(scenario) \(parameters): \(record.statusDetail ?? "")")
        var document = RunDocument(
            startedAt: "t", profile: "quick", repeats: 1, warmups: 0, scales: [1], limits: ChildLimits(),
            environment: Synthetic.environment)
        document.records = [record]
        let analysis = RunAnalysis(document)
        return ClaimOutcome.check(check, scenario: RowID(scenario), summaries: analysis.summaries, verdict: nil).0
    }

    func testAwaitedWorkHoldsOneChunkAndUnawaitedDoesNot() throws {
        let check = try declaredCheck("unawaited-work")
        for consumer in ["loop", "handler"] {
            let base = ["items=400", "item_bytes=1KiB", "sink_rate=20k", "consumer=\(consumer)"]
            XCTAssertEqual(try judge(check, "unawaited-work", base), .holds, consumer)
            XCTAssertEqual(try judge(check, "unawaited-work", base + ["await_work=false"]), .doesNotHold, consumer)
        }
    }

    func testBoundedConcurrencyKeepsKJobsAndUnboundedDoesNot() throws {
        let check = try XCTUnwrap(
            try TestSupport.entry("concurrency-regimes").description.claims.first { !$0.check.gaugeNames.isEmpty }?
                .check)
        let base = ["items=300", "call_time=1ms", "downstream_limit=8", "concurrency=8", "job_bytes=1KiB"]
        XCTAssertEqual(try judge(check, "concurrency-regimes", base), .holds)
        XCTAssertEqual(try judge(check, "concurrency-regimes", base + ["regime=unbounded"]), .doesNotHold)
    }

    func testWatermarksBoundTheDepthAndNoWatermarkDoesNot() throws {
        let check = try declaredCheck("watermark-pause")
        let base = [
            "items=4000", "event_bytes=256", "producer_rate=200k", "workers=4", "job_time=100us", "low_mark=50",
            "burst=16",
        ]
        XCTAssertEqual(try judge(check, "watermark-pause", base + ["high_mark=400"]), .holds)
        // high_mark=0 turns pausing off; the claim's bound becomes 0 + burst, which the queue passes.
        XCTAssertEqual(try judge(check, "watermark-pause", base + ["high_mark=0"]), .doesNotHold)
    }

    func testMicroBatchLatencyBoundHoldsWhileTheBatcherKeepsUp() throws {
        let check = try declaredCheck("micro-batching", variant: "paced")
        // A bound with room (max_wait + a full batch of 50 × 200 µs = 21 ms against ~15 ms taken):
        // the debug build's own overhead must not decide the test.
        let base = ["items=300", "producer_rate=2000", "max_wait=10ms", "call_cost=1ms", "item_cost=200us"]
        XCTAssertEqual(try judge(check, "micro-batching", base + ["max_batch=50"]), .holds)
        // One item per 3 ms call cannot keep up with 2,000/s offered: items wait behind the backlog.
        XCTAssertEqual(try judge(check, "micro-batching", base + ["max_batch=1", "call_cost=3ms"]), .doesNotHold)
    }

    func testQueuingStrategiesBoundTheItemsBetweenStagesAndUnboundedDoesNot() throws {
        let check = try declaredCheck("transform-stage")
        let base = ["items=600", "item_bytes=1KiB", "consumer_rate=20k"]
        XCTAssertEqual(try judge(check, "transform-stage", base), .holds)
        XCTAssertEqual(try judge(check, "transform-stage", base + ["bounded=false"]), .doesNotHold)
    }
}
