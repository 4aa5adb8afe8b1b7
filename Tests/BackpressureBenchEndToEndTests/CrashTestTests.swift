import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchCore
@testable import BenchModel

/// The durable queue keeps its promise under SIGKILL (issue: "every event whose enqueue committed
/// is processed at least once after a kill -9").
final class CrashTestTests: ChildProcessTestCase {
    func testKilledQueueResumesAndLosesNothing() throws {
        let entry = try TestSupport.entry("persistent-queue")
        let directory = TestSupport.temporaryDirectory("crash")
        try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        // A paced producer (2000 events/s for 10 s) and kills 2–3 s after each start: a debug
        // build needs up to ~1 s to start and prepare, so every kill lands while it produces.
        let plan = try RunPlan(
            entries: [entry], profile: .quick, repeats: 1, warmups: 0, scales: [1],
            overrides: ["items=20000", "producer_rate=2000"])
        let runner = BenchRunner(
            catalog: TestSupport.catalog, limits: ChildLimits(), cacheDirectory: directory + "/cache", interruption: nil
        )
        let records = try CrashTest(kills: 2, window: 2.0...3.0).execute(
            step: plan.steps[0], profile: .quick, executor: runner, directory: directory
        ) { _ in }
        XCTAssertEqual(records.count, 3)
        XCTAssertEqual(records.prefix(2).map(\.status), [.killed, .killed], "\(records.map(\.statusDetail))")
        let final = try XCTUnwrap(records.last)
        XCTAssertEqual(final.status, .ok, final.statusDetail ?? "")
        XCTAssertEqual(final.metrics["lost"], 0)
        XCTAssertEqual(final.metrics["events_committed"], 20000)
        XCTAssertGreaterThanOrEqual(final.metrics["events_processed"] ?? 0, 20000)
        XCTAssertEqual(final.result?.verification?.passed, true)
        // The restarts resumed the very same file: it counts all three runs, and the final drain
        // found events the killed runs had committed.
        XCTAssertEqual(final.metrics["runs"], 3, "a restart that began on a fresh file would count 1")
        XCTAssertEqual(final.metrics["crash_test_starts"], 3)
        XCTAssertGreaterThan(final.metrics["committed_before_last_restart"] ?? 0, 0)
        XCTAssertNil(CrashTest.failure(records))
        var fresh = records
        fresh[fresh.count - 1].observed.harnessMetrics["runs"] = 1
        XCTAssertEqual(CrashTest.failure(fresh)?.contains("did not resume"), true)
        var lost = records
        lost[lost.count - 1].observed.harnessMetrics["lost"] = 3
        XCTAssertEqual(CrashTest.failure(lost), "3 committed events were lost")
        var missedKills = records
        missedKills[missedKills.count - 1].observed.harnessMetrics["crash_test_kills"] = 0
        XCTAssertEqual(CrashTest.failure(missedKills)?.hasPrefix("only 0 of 2 kills landed"), true)
        var failedDrain = records
        failedDrain[failedDrain.count - 1].status = .failedVerification
        XCTAssertEqual(CrashTest.failure(failedDrain)?.hasPrefix("the final drain ended failed-verification"), true)
    }
}
