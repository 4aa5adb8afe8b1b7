import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchCore
@testable import BenchModel

/// The crash test through the executor seam, no child process: it restarts the scenario on the
/// state parameter the scenario declares, kills every start but the last, and its verdict follows
/// what the drain reports.
final class ScriptedCrashTestTests: ProcessFreeTestCase {
    /// Answers every start like a durable queue would: killed when asked, then a drain with `lost`.
    final class ScriptedQueue: StepExecutor, @unchecked Sendable {
        var starts: [RunPlan.Step] = []
        let lost: Double

        init(lost: Double) { self.lost = lost }

        func execute(_ step: RunPlan.Step, profile: Profile, logDirectory: String) -> RunRecord {
            starts.append(step)
            var record = Synthetic.record(
                step.row, repeatIndex: step.repeatIndex, peakRss: 30 << 20, allocated: 3 << 20, bytes: 1 << 20,
                throughput: 1e6)
            if step.killAfterS != nil {
                record.status = .killed
                record.result = nil
            } else {
                record.result?.metrics = [
                    "events_committed": 100, "run_committed": 40, "lost": lost, "runs": Double(starts.count),
                ]
            }
            return record
        }
    }

    func crashTest(lost: Double) throws -> (records: [RunRecord], queue: ScriptedQueue) {
        let description = ScenarioDescription(
            name: "durable", summary: "", parameters: [Param<String>.text("state", default: "", help: "")],
            durableState: Param<String>.text("state", default: "", help: ""))
        let entry = ScenarioCatalog.Entry(folder: "/x", executable: "/x/durable", description: description)
        let plan = try RunPlan(entries: [entry], profile: .quick, repeats: 1, warmups: 0, scales: [1], overrides: [])
        let queue = ScriptedQueue(lost: lost)
        let records = try CrashTest(kills: 3).execute(
            step: plan.steps[0], profile: .quick, executor: queue, directory: "/tmp/scripted"
        ) { _ in }
        return (records, queue)
    }

    func testEveryStartButTheLastIsKilledOnTheDeclaredState() throws {
        let (records, queue) = try crashTest(lost: 0)
        XCTAssertEqual(records.map(\.status), [.killed, .killed, .killed, .ok])
        XCTAssertEqual(queue.starts.map { $0.killAfterS != nil }, [true, true, true, false])
        XCTAssertTrue(
            queue.starts.allSatisfy { step in
                step.parameters.contains { $0 == ("state", "/tmp/scripted/crash-test-state") }
            },
            "every start resumes the same state, named by the scenario's durableState")
        XCTAssertEqual(records.last?.metrics["committed_before_last_restart"], 60)
        XCTAssertEqual(records.last?.metrics["crash_test_starts"], 4)
        XCTAssertNil(CrashTest.failure(records))
    }

    func testALostEventFailsTheCrashTest() throws {
        let (records, _) = try crashTest(lost: 2)
        XCTAssertEqual(CrashTest.failure(records), "2 committed events were lost")
    }
}
