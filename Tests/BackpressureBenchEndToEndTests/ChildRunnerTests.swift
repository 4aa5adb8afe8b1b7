import BenchProtocol
import BenchTestSupport
import Foundation
import Synchronization
import XCTest

@testable import BenchCore
@testable import BenchModel

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
        XCTAssertGreaterThanOrEqual(record.observed.peakRssBytes, 64 * mib)
        // The sampled peak (1 ms /proc polling, block held 200 ms) agrees with the kernel's wait4 peak.
        let ratio = Double(record.observed.peakRssSampledBytes) / Double(record.observed.peakRssBytes)
        XCTAssertEqual(
            ratio, 1, accuracy: 0.05,
            "sampled \(record.observed.peakRssSampledBytes) vs kernel \(record.observed.peakRssBytes)")
        XCTAssertGreaterThan(record.observed.parentSamples, 50)
        // 200 ms of a flat heap: the sampler backs off to one tick per 8 ms (≈ 25 + the ramp).
        XCTAssertGreaterThan(record.samplerTicks, 20)
        XCTAssertFalse(record.timeline.isEmpty)
        XCTAssertTrue(
            record.hello?.jemallocVersion?.hasPrefix("5.") ?? false, record.hello?.jemallocVersion ?? "no version")
        XCTAssertTrue(
            record.hello?.mallocConf?.contains("dirty_decay_ms:1000") ?? false, record.hello?.mallocConf ?? "no conf")
        // The counters of a real child: wait4's, /proc/PID/io's (read with the tree walks), threads, harness CPU.
        XCTAssertNotNil(record.observed.voluntaryContextSwitches)
        XCTAssertGreaterThan(
            record.observed.minorFaults ?? 0, 64 * mib / 4096 / 2, "writing 64 MiB faults its pages in")
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
        XCTAssertLessThan(
            record.observed.peakRssBytes, 200 << 20,
            "ru_maxrss \(record.observed.peakRssBytes) looks inherited from the 300 MiB parent")
        XCTAssertEqual(ballast[12345], 7)
    }

    func testMemoryCapKillsAndIsAResult() throws {
        var limits = ChildLimits()
        limits.memoryCapBytes = 200 << 20
        let record = try TestSupport.runChild("fixture-fault", ["mode=allocate-forever"], limits: limits)
        XCTAssertEqual(record.status, .memoryCap)
        XCTAssertGreaterThan(record.observed.rssAtKillBytes ?? 0, 200 << 20)
        XCTAssertNotNil(record.observed.killedAtS)
        XCTAssertEqual(record.observed.signal, SIGKILL)
        XCTAssertGreaterThan(
            record.peaks.allocated, 100 << 20, "the streamed samples show how far the heap got before the kill")
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
        // Each fault is its own child under its own runner, so two run at a time, one per core:
        // one after another the table took 13.1 s of a fresh-clone CI run, though a child lives
        // 0.05 s (its wall time in a `bpbench run` of one, which took 1.9 s in all): the time is
        // the parent's work around each child, which two cores halve.
        let outcomes = Mutex<[Int: Result<RunRecord, Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: expectations.count) { index in
            let outcome = Result { try TestSupport.runChild("fixture-fault", ["mode=\(expectations[index].mode)"]) }
            outcomes.withLock { $0[index] = outcome }
        }
        let records = outcomes.withLock { $0 }
        for (index, expectation) in expectations.enumerated() {
            let record = try XCTUnwrap(records[index]).get()
            XCTAssertEqual(record.status, expectation.status, "mode \(expectation.mode): \(record.statusDetail ?? "")")
            if !expectation.detail.isEmpty {
                XCTAssertTrue(
                    (record.statusDetail ?? "").contains(expectation.detail),
                    "mode \(expectation.mode): \(record.statusDetail ?? "nil")")
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
        var record = RunRecord(
            scenario: "ghost", repeatIndex: 1, scale: 1, parameters: [:],
            logFile: TestSupport.temporaryDirectory("ghost") + "/ghost.log")
        ChildRunner(launcherPath: TestSupport.binDirectory + "/bpbench-launch", limits: ChildLimits())
            .run(program: "/nonexistent/ghost", arguments: [], environment: [:], into: &record)
        XCTAssertEqual(record.status, .spawnFailed)
        // Said by the launcher on its control channel, with the reason, not inferred from code 127.
        XCTAssertEqual(record.statusDetail, "exec failed: No such file or directory")
    }

    /// The other way: a program that runs and exits 127 by itself is not a spawn failure.
    func testAProgramThatExits127IsNotSpawnFailed() throws {
        var record = RunRecord(
            scenario: "exit127", repeatIndex: 1, scale: 1, parameters: [:],
            logFile: TestSupport.temporaryDirectory("exit127") + "/x.log")
        ChildRunner(launcherPath: TestSupport.binDirectory + "/bpbench-launch", limits: ChildLimits())
            .run(program: "/bin/sh", arguments: ["-c", "exit 127"], environment: [:], into: &record)
        XCTAssertEqual(record.status, .noResult)
    }
}
