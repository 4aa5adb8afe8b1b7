import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchCore
@testable import BenchGate
@testable import BenchModel
@testable import BenchReport
@testable import BenchSystem

/// Issue 25, "a known machine", on real children: they run pinned to a fixed CPU set with one NIO event loop
/// per pinned CPU, the run records both, and a baseline recorded with another CPU count is not a
/// reference for the figures that follow it.
final class KnownMachineTests: ChildProcessTestCase {
    /// Runs `script` under the launcher with `cpus` and returns the record and its log.
    func launch(_ script: String, cpus: ChildCPUs?) throws -> (record: RunRecord, log: String) {
        let directory = TestSupport.temporaryDirectory("pinned")
        var limits = ChildLimits()
        limits.cpus = cpus
        limits.timeoutS = 20
        var record = RunRecord(
            scenario: "sh", repeatIndex: 1, scale: 1, parameters: [:], logFile: directory + "/child.log")
        ChildRunner(launcherPath: TestSupport.binDirectory + "/bpbench-launch", limits: limits)
            .run(
                program: "/bin/sh", arguments: ["-c", script], environment: ["PATH": "/usr/bin:/bin"],
                speaksProtocol: false, into: &record)
        return (record, (try? String(contentsOfFile: record.logFile, encoding: .utf8)) ?? "")
    }

    /// What the kernel says a process may run on, and the loop count its environment got, for
    /// the scenario and for a process it starts.
    static let affinityScript = """
        echo "scenario $(grep Cpus_allowed_list /proc/self/status | cut -f2) loops=$NIO_SINGLETON_GROUP_LOOP_COUNT pool=$NIO_SINGLETON_BLOCKING_POOL_THREAD_COUNT"
        sh -c 'echo "worker $(grep Cpus_allowed_list /proc/self/status | cut -f2)"'
        """

    func testTheLauncherPinsTheScenarioAndEveryProcessItStarts() throws {
        let allowed = try XCTUnwrap(ChildCPUs.allowedCPUs())
        for cpu in [allowed.first!, allowed.last!] {
            let (record, log) = try launch(Self.affinityScript, cpus: ChildCPUs([cpu]))
            XCTAssertEqual(record.status, .ok, "\(record.statusDetail ?? "") \(log)")
            XCTAssertTrue(log.contains("scenario \(cpu) loops=1 pool=1"), log)
            XCTAssertTrue(log.contains("worker \(cpu)\n"), log)
        }
        // Unpinned (nil), the child has whatever the harness has, and NIO is left to count cores.
        let (record, log) = try launch(Self.affinityScript, cpus: nil)
        XCTAssertEqual(record.status, .ok, log)
        XCTAssertTrue(log.contains("scenario \(ChildCPUs(allowed)!) loops= pool="), log)
    }

    /// A mask the kernel refuses (no such CPU) is a spawn failure that says so — the scenario
    /// never runs unpinned in its place.
    func testAMaskTheKernelRefusesIsASpawnFailureNamingThePinning() throws {
        let (record, log) = try launch("echo ran", cpus: ChildCPUs([1000]))
        XCTAssertEqual(record.status, .spawnFailed, log)
        XCTAssertTrue(
            record.statusDetail?.contains("pinning to the run's CPU set (sched_setaffinity) failed") ?? false,
            "\(record.statusDetail ?? "")")
        XCTAssertFalse(log.contains("ran"), log)
    }

    /// NIO counts cores from cgroups and sysconf, never the affinity mask: without the loop count
    /// in the environment a child pinned to one CPU would still start one loop per host core.
    /// Measured here on manual-drain (quick, 1 repeat): 7 threads at its peak pinned to one CPU,
    /// 11 pinned to two (one event loop, one blocking-pool thread and the cooperative pool's
    /// share per CPU).
    func testASwiftChildRunsFewerThreadsOnFewerPinnedCPUs() throws {
        let allowed = try XCTUnwrap(ChildCPUs.allowedCPUs())
        guard allowed.count >= 2 else { throw XCTSkip("needs two CPUs") }
        func peakThreads(_ cpus: [Int]) throws -> Int {
            var limits = ChildLimits()
            limits.cpus = ChildCPUs(cpus)
            let record = try TestSupport.runChild("manual-drain", ["items=2000"], limits: limits)
            XCTAssertEqual(record.status, .ok, record.statusDetail ?? "")
            return try XCTUnwrap(record.observed.peakThreads)
        }
        let one = try peakThreads([allowed[0]])
        let two = try peakThreads(Array(allowed.prefix(2)))
        XCTAssertLessThanOrEqual(one + 2, two, "one CPU: \(one) threads, two: \(two)")
    }

    /// run.json records the set and the loop count; `--cpus` outside the allowed set is one line, 64.
    func testARunRecordsItsCPUSetAndRefusesOneItCannotHave() throws {
        let directory = TestSupport.temporaryDirectory("cpus-run")
        let entry = try TestSupport.entry("fixture-allocate")
        var limits = ChildLimits()
        limits.cpus = ChildCPUs([0])
        let plan = try RunPlan(entries: [entry], profile: .quick, repeats: 1, warmups: 0, scales: [1], overrides: [])
        XCTAssertEqual(
            RunDocument(plan: plan, entries: [entry], limits: limits, projectRoot: TestSupport.projectRoot).environment
                .childCPUs?.cpus, [0])
        let run = try TestSupport.bpbench([
            "run", "--root", TestSupport.projectRoot, "--scenario", "fixture-allocate", "--include-fixtures",
            "--profile", "quick",
            "--repeat", "1", "--warmup", "0", "--cpus", "0", "--quiet", "--out", directory + "/run",
        ])
        XCTAssertEqual(run.status, 0, run.error)
        let document = try RunFolder(existing: directory + "/run").load()
        XCTAssertEqual(document.environment.childCPUs?.cpus, [0])
        XCTAssertEqual(document.environment.eventLoops, 1)
        let refused = try TestSupport.bpbench([
            "run", "--root", TestSupport.projectRoot, "--scenario", "fixture-allocate", "--include-fixtures",
            "--cpus", "4000", "--out", directory + "/refused",
        ])
        XCTAssertEqual(refused.status, 64, refused.error)
        XCTAssertEqual(refused.error.split(separator: "\n").count, 1, refused.error)
        XCTAssertTrue(refused.error.contains("CPU 4000 is not one this process may run on"), refused.error)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/refused"))
    }
}
