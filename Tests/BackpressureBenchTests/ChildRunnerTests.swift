@testable import BenchCore
@testable import BenchModel
import BenchProtocol
@testable import BenchReport
import Foundation
import XCTest

/// Tests that start children: whatever a test did, no fixture or launcher may outlive it.
class ChildProcessTestCase: XCTestCase {
    override func tearDown() {
        let deadline = Date().addingTimeInterval(2)
        // Every process the harness starts: Swift children and their workers, external ones and
        // the workers they fork, servers a scenario started (TestSupport.harnessProcesses).
        func survivors() -> [Int32] { TestSupport.harnessProcesses() }
        while !survivors().isEmpty, Date() < deadline { usleep(20_000) }
        XCTAssertEqual(survivors(), [], "orphaned scenario processes")
        super.tearDown()
    }
}

/// Real child processes (the debug-built fixtures): measurement agrees with the kernel, and every
/// way a child can fail becomes its own status, with its log kept and no process left behind.
final class ChildRunnerTests: ChildProcessTestCase {

    func testJemallocSeesA64MiBAllocationAndTheKernelAgrees() throws {
        let record = try TestSupport.runChild("fixture-allocate", ["megabytes=64", "hold=200ms"])
        XCTAssertEqual(record.status, .ok, record.statusDetail ?? "")
        let mib = 1 << 20
        XCTAssertGreaterThanOrEqual(record.peaks.allocated, 64 * mib)
        XCTAssertLessThan(record.peaks.allocated, 72 * mib, "only the 64 MiB block and the runtime's few MiB")
        XCTAssertLessThan(record.finalAllocatedBytes, 16 * mib, "the block was freed before the final reading")
        XCTAssertEqual(record.gaugeMaxima["held_bytes"], 64 * mib)
        XCTAssertGreaterThanOrEqual(record.peakRssBytes, 64 * mib)
        // The sampled peak (1 ms /proc polling, block held 200 ms) agrees with the kernel's wait4 peak.
        let ratio = Double(record.peakRssSampledBytes) / Double(record.peakRssBytes)
        XCTAssertEqual(ratio, 1, accuracy: 0.05, "sampled \(record.peakRssSampledBytes) vs kernel \(record.peakRssBytes)")
        XCTAssertGreaterThan(record.parentSamples, 50)
        // 200 ms of a flat heap: the sampler backs off to one tick per 8 ms (≈ 25 + the ramp).
        XCTAssertGreaterThan(record.samplerTicks, 20)
        XCTAssertFalse(record.timeline.isEmpty)
        XCTAssertTrue(record.jemallocVersion?.hasPrefix("5.") ?? false, record.jemallocVersion ?? "no version")
        XCTAssertTrue(record.mallocConf?.contains("dirty_decay_ms:1000") ?? false, record.mallocConf ?? "no conf")
        // The counters of a real child: wait4's, /proc/PID/io's (read with the tree walks), threads, harness CPU.
        XCTAssertNotNil(record.observed.voluntaryContextSwitches)
        XCTAssertGreaterThan(record.observed.minorFaults ?? 0, 64 * mib / 4096 / 2, "writing 64 MiB faults its pages in")
        XCTAssertNotNil(record.observed.io, "/proc/PID/io was read while it ran")
        XCTAssertGreaterThanOrEqual(record.observed.peakThreads ?? 0, 2, "main and the sampler thread")
        XCTAssertGreaterThan(record.observed.harnessCpuS ?? 0, 0)
    }

    /// The in-child sampler backs off while the heap is flat (ticks up to 8 ms apart), yet a short
    /// peak — 32 MiB held 10 ms after 400 ms of a flat heap — is still in its figure.
    func testABackedOffSamplerStillCatchesAShortPeak() throws {
        let record = try TestSupport.runChild("fixture-allocate", ["megabytes=32", "hold=10ms", "idle=400ms"])
        XCTAssertEqual(record.status, .ok, record.statusDetail ?? "")
        XCTAssertGreaterThanOrEqual(record.peaks.allocated, 32 << 20, "the 10 ms peak was missed")
        // 400 ms flat at 1 ms would be ≥ 400 ticks; backed off to 8 ms it is ~50.
        XCTAssertLessThan(record.samplerTicks, 200, "the sampler did not back off on a flat heap")
        XCTAssertGreaterThan(record.samplerTicks, 40, "the sampler stopped ticking")
    }

    /// The launcher exists so the child's ru_maxrss is its own: a child spawned straight from a
    /// large parent would inherit the parent's peak. Make this test process large, then check.
    func testKernelPeakIsTheChildsOwnEvenWhenTheParentIsLarge() throws {
        let ballast = UnsafeMutableRawBufferPointer.allocate(byteCount: 300 << 20, alignment: 4096)
        defer { ballast.deallocate() }
        ballast.initializeMemory(as: UInt8.self, repeating: 7)
        let record = try TestSupport.runChild("fixture-allocate", ["megabytes=1", "hold=10ms"])
        XCTAssertEqual(record.status, .ok)
        XCTAssertLessThan(record.peakRssBytes, 200 << 20, "ru_maxrss \(record.peakRssBytes) looks inherited from the 300 MiB parent")
        XCTAssertEqual(ballast[12345], 7)
    }

    func testMemoryCapKillsAndIsAResult() throws {
        var limits = ChildLimits()
        limits.memoryCapBytes = 200 << 20
        let record = try TestSupport.runChild("fixture-fault", ["mode=allocate-forever"], limits: limits)
        XCTAssertEqual(record.status, .memoryCap)
        XCTAssertGreaterThan(record.rssAtKillBytes ?? 0, 200 << 20)
        XCTAssertNotNil(record.killedAtS)
        XCTAssertEqual(record.signal, SIGKILL)
        XCTAssertGreaterThan(record.peaks.allocated, 100 << 20, "the streamed samples show how far the heap got before the kill")
    }

    func testTimeoutKills() throws {
        var limits = ChildLimits()
        limits.timeoutS = 1
        let started = Date()
        let record = try TestSupport.runChild("fixture-fault", ["mode=hang"], limits: limits)
        XCTAssertEqual(record.status, .timeout)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }

    func testEveryFaultHasItsOwnStatus() throws {
        let expectations: [(mode: String, status: RunStatus, detail: String)] = [
            ("ok", .ok, ""),
            ("segfault", .crashed, "SIGSEGV"),
            ("abort", .crashed, "signal"),  // Swift's fatalError traps (SIGILL on x86-64, SIGTRAP on arm64)
            ("self-kill", .crashed, "SIGKILL"),
            ("garbage", .protocolError, "not a protocol message"),
            ("truncated", .protocolError, "ended inside a line"),
            ("no-result", .noResult, "without a result line"),
            ("bad-checksum", .failedVerification, "checksum"),
            ("throw", .error, "threw on purpose"),
        ]
        for expectation in expectations {
            let record = try TestSupport.runChild("fixture-fault", ["mode=\(expectation.mode)"])
            XCTAssertEqual(record.status, expectation.status, "mode \(expectation.mode): \(record.statusDetail ?? "")")
            if !expectation.detail.isEmpty {
                XCTAssertTrue((record.statusDetail ?? "").contains(expectation.detail), "mode \(expectation.mode): \(record.statusDetail ?? "nil")")
            }
            XCTAssertTrue(FileManager.default.fileExists(atPath: record.logFile), "log kept for \(expectation.mode)")
        }
    }

    func testFloodedOutputIsCutInTheLogNotInMemory() throws {
        var limits = ChildLimits()
        limits.logLimitBytes = 1 << 20
        let record = try TestSupport.runChild("fixture-fault", ["mode=flood"], limits: limits)
        XCTAssertEqual(record.status, .ok)
        XCTAssertTrue(record.statusDetail?.contains("log cut") ?? false)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: record.logFile)[.size] as? Int)
        XCTAssertLessThan(size, (1 << 20) + 1024)
        XCTAssertTrue(try String(contentsOfFile: record.logFile, encoding: .utf8).contains("bytes dropped"))
    }

    func testInterruptionStopsTheChildAndMarksTheRun() throws {
        let interruption = Interruption()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { interruption.trigger() }
        let record = try TestSupport.runChild("fixture-fault", ["mode=hang"], interruption: interruption)
        XCTAssertEqual(record.status, .interrupted)
    }

    func testMissingExecutableIsSpawnFailed() throws {
        var record = RunRecord(scenario: "ghost", repeatIndex: 1, scale: 1, parameters: [:], logFile: TestSupport.temporaryDirectory("ghost") + "/ghost.log")
        ChildRunner(launcherPath: TestSupport.binDirectory + "/bpbench-launch", limits: ChildLimits())
            .run(program: "/nonexistent/ghost", arguments: [], environment: [:], into: &record)
        XCTAssertEqual(record.status, .spawnFailed)
        // Said by the launcher on its control channel, with the reason, not inferred from code 127.
        XCTAssertEqual(record.statusDetail, "exec failed: No such file or directory")
    }

    /// The other way: a program that runs and exits 127 by itself is not a spawn failure.
    func testAProgramThatExits127IsNotSpawnFailed() throws {
        var record = RunRecord(scenario: "exit127", repeatIndex: 1, scale: 1, parameters: [:], logFile: TestSupport.temporaryDirectory("exit127") + "/x.log")
        ChildRunner(launcherPath: TestSupport.binDirectory + "/bpbench-launch", limits: ChildLimits())
            .run(program: "/bin/sh", arguments: ["-c", "exit 127"], environment: [:], into: &record)
        XCTAssertEqual(record.status, .noResult)
    }

    func testLauncherControlLinesParse() {
        XCTAssertEqual(LauncherMessage(line: "pid 42"), .pid(42))
        XCTAssertEqual(LauncherMessage(line: "spawn-error 2 exec"), .spawnError(errno: 2, stage: "exec"))
        XCTAssertEqual(LauncherMessage(line: "spawn-error 11"), .spawnError(errno: 11, stage: "fork"))
        XCTAssertEqual(LauncherMessage(line: "exit 256 1024 0.500000 0.250000"), .exit(waitStatus: 256, maxRssKiB: 1024, userS: 0.5, systemS: 0.25, counts: nil))
        XCTAssertEqual(LauncherMessage(line: "exit 0 1024 0.5 0.25 120 7 3000 2"),
                       .exit(waitStatus: 0, maxRssKiB: 1024, userS: 0.5, systemS: 0.25,
                             counts: .init(voluntaryContextSwitches: 120, involuntaryContextSwitches: 7, minorFaults: 3000, majorFaults: 2)))
        XCTAssertNil(LauncherMessage(line: "exit 0 1024 0.5 0.25 120 7 lots 2"), "a garbled count is not a zero")
        XCTAssertNil(LauncherMessage(line: "exit 256 lots"))
        XCTAssertNil(LauncherMessage(line: "hello from a future launcher"))
    }
}

/// The durable queue keeps its promise under SIGKILL (issue: "every event whose enqueue committed
/// is processed at least once after a kill -9").
final class CrashTestTests: XCTestCase {
    func testKilledQueueResumesAndLosesNothing() throws {
        let entry = try TestSupport.entry("persistent-queue")
        let directory = TestSupport.temporaryDirectory("crash")
        try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        // A paced producer (2000 events/s for 10 s) and kills 2–3 s after each start: a debug
        // build needs up to ~1 s to start and prepare, so every kill lands while it produces.
        let plan = try RunPlan(entries: [entry], profile: .quick, repeats: 1, warmups: 0, scales: [1], overrides: ["items=20000", "producer_rate=2000"])
        let runner = BenchRunner(catalog: TestSupport.catalog, limits: ChildLimits(), cacheDirectory: directory + "/cache", interruption: nil)
        let records = try CrashTest(kills: 2, window: 2.0...3.0).execute(step: plan.steps[0], profile: .quick, executor: runner, directory: directory) { _ in }
        XCTAssertEqual(records.count, 3)
        XCTAssertEqual(records.prefix(2).map(\.status), [.killed, .killed], "\(records.map(\.statusDetail))")
        let final = try XCTUnwrap(records.last)
        XCTAssertEqual(final.status, .ok, final.statusDetail ?? "")
        XCTAssertEqual(final.metrics["lost"], 0)
        XCTAssertEqual(final.metrics["events_committed"], 20000)
        XCTAssertGreaterThanOrEqual(final.metrics["events_processed"] ?? 0, 20000)
        XCTAssertEqual(final.verification?.passed, true)
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

/// The crash test through the executor seam, no child process: it restarts the scenario on the
/// state parameter the scenario declares, kills every start but the last, and its verdict follows
/// what the drain reports.
final class ScriptedCrashTestTests: XCTestCase {
    /// Answers every start like a durable queue would: killed when asked, then a drain with `lost`.
    final class ScriptedQueue: StepExecutor, @unchecked Sendable {
        var starts: [RunPlan.Step] = []
        let lost: Double

        init(lost: Double) { self.lost = lost }

        func execute(_ step: RunPlan.Step, profile: Profile, logDirectory: String) -> RunRecord {
            starts.append(step)
            var record = Synthetic.record(step.entry.name, repeatIndex: step.repeatIndex, peakRss: 30 << 20, allocated: 3 << 20, bytes: 1 << 20, throughput: 1e6)
            if step.killAfterS != nil {
                record.status = .killed
                record.result = nil
            } else {
                record.result?.metrics = ["events_committed": 100, "run_committed": 40, "lost": lost, "runs": Double(starts.count)]
            }
            return record
        }
    }

    func crashTest(lost: Double) throws -> (records: [RunRecord], queue: ScriptedQueue) {
        let description = ScenarioDescription(name: "durable", summary: "", parameters: [Param<String>.text("state", default: "", help: "")],
                                              durableState: Param<String>.text("state", default: "", help: ""))
        let entry = ScenarioCatalog.Entry(folder: "/x", executable: "/x/durable", description: description)
        let plan = try RunPlan(entries: [entry], profile: .quick, repeats: 1, warmups: 0, scales: [1], overrides: [])
        let queue = ScriptedQueue(lost: lost)
        let records = try CrashTest(kills: 3).execute(step: plan.steps[0], profile: .quick, executor: queue, directory: "/tmp/scripted") { _ in }
        return (records, queue)
    }

    func testEveryStartButTheLastIsKilledOnTheDeclaredState() throws {
        let (records, queue) = try crashTest(lost: 0)
        XCTAssertEqual(records.map(\.status), [.killed, .killed, .killed, .ok])
        XCTAssertEqual(queue.starts.map { $0.killAfterS != nil }, [true, true, true, false])
        XCTAssertTrue(queue.starts.allSatisfy { step in step.parameters.contains { $0 == ("state", "/tmp/scripted/crash-test-state") } },
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

