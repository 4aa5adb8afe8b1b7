@testable import BenchCore
@testable import BenchGate
@testable import BenchModel
import BenchProtocol
@testable import BenchReport
@testable import BenchSystem
import Foundation
import XCTest

/// Issue 25, "a known machine": the children run pinned to a fixed CPU set with one NIO event loop
/// per pinned CPU, the run records both, and a baseline recorded with another CPU count is not a
/// reference for the figures that follow it.
final class ChildCPUsTests: ProcessFreeTestCase {
    func testTheDefaultIsTheFirstTwoCPUsThisProcessMayRunOn() throws {
        XCTAssertEqual(ChildCPUs.standard(allowed: [0, 1, 2, 3, 4, 5, 6, 7])?.cpus, [0, 1], "an 8-core runner gives its children 2 CPUs")
        XCTAssertEqual(ChildCPUs.standard(allowed: [6, 4, 5, 7])?.cpus, [4, 5], "a container's cpuset: its first two")
        XCTAssertEqual(ChildCPUs.standard(allowed: [3])?.cpus, [3], "fewer than two: all of them")
        XCTAssertNil(ChildCPUs.standard(allowed: nil))
        XCTAssertEqual(try ChildCPUs.resolve(nil, allowed: [0, 1, 2, 3]).cpus, [0, 1])
        XCTAssertEqual(try ChildCPUs.resolve("all", allowed: [0, 1, 2, 3]).cpus, [0, 1, 2, 3])
        // This machine: the default is what the harness itself may run on, cut to two.
        let allowed = try XCTUnwrap(ChildCPUs.allowedCPUs())
        XCTAssertEqual(ChildLimits().cpus?.cpus, Array(allowed.prefix(ChildCPUs.standardCount)))
    }

    func testCPUListsParseAsTasksetWritesThemAndAnythingElseIsAUsageError() throws {
        let allowed = Array(0..<8)
        XCTAssertEqual(try ChildCPUs.resolve("0,1", allowed: allowed).cpus, [0, 1])
        XCTAssertEqual(try ChildCPUs.resolve("2-4,0", allowed: allowed).cpus, [0, 2, 3, 4])
        XCTAssertEqual(try ChildCPUs.resolve("1,1", allowed: allowed).cpus, [1])
        XCTAssertEqual(try ChildCPUs.resolve("0-2,5", allowed: allowed).description, "0-2,5")
        for bad in ["", "a", "3-1", "0,,1", "-1", "1-", "0;1", "1.5"] {
            XCTAssertThrowsError(try ChildCPUs.resolve(bad, allowed: allowed), bad) { error in
                XCTAssertEqual((error as? BenchError)?.kind, .usage, bad)
                XCTAssertTrue("\(error)".contains("--cpus takes a CPU list"), "\(error)")
            }
        }
        // A CPU the harness may not run on: the kernel would drop it from the mask unsaid.
        XCTAssertThrowsError(try ChildCPUs.resolve("1,9", allowed: [0, 1])) { error in
            XCTAssertEqual((error as? BenchError)?.kind, .usage)
            XCTAssertEqual("\(error)", "--cpus 1,9: CPU 9 is not one this process may run on (allowed: 0-1)")
        }
    }

    func testTheAllowedSetIsReadFromTheAffinityMaskInProcStatus() throws {
        let directory = TestSupport.temporaryDirectory("cpus")
        let status = directory + "/status"
        try "Name:\tbpbench\nCpus_allowed:\tf0\nCpus_allowed_list:\t4-7\nMems_allowed_list:\t0\n".write(toFile: status, atomically: true, encoding: .utf8)
        XCTAssertEqual(ChildCPUs.allowedCPUs(status: status), [4, 5, 6, 7])
        XCTAssertEqual(ChildCPUs.standard(allowed: ChildCPUs.allowedCPUs(status: status))?.cpus, [4, 5])
        XCTAssertNil(ChildCPUs.allowedCPUs(status: directory + "/missing"))
    }

    func testThePinnedSetTravelsInAPlanFileAndInRunJSON() throws {
        var limits = ChildLimits()
        limits.cpus = ChildCPUs([1])
        let kept = try JSONLineCoding.decoder.decode(PlanFile.Limits.self, from: JSONLineCoding.prettyEncoder.encode(PlanFile.Limits(limits)))
        XCTAssertEqual(kept.childLimits.cpus?.cpus, [1])
        // A plan made before pinning: each shard's default.
        let old = try JSONLineCoding.decoder.decode(PlanFile.Limits.self, from: Data(#"{"sampleIntervalMs":1,"timelineIntervalMs":10,"memoryCapBytes":1,"timeoutS":1}"#.utf8))
        XCTAssertNil(old.cpus)
        XCTAssertEqual(old.childLimits.cpus, ChildLimits().cpus)
        var environment = Synthetic.document().environment
        environment.childCPUs = ChildCPUs([0, 1])
        environment.eventLoops = 2
        let decoded = try JSONLineCoding.decoder.decode(HostEnvironment.self, from: JSONLineCoding.prettyEncoder.encode(environment))
        XCTAssertEqual(decoded.childCPUs?.cpus, [0, 1])
        XCTAssertEqual(decoded.eventLoops, 2)
        XCTAssertThrowsError(try JSONLineCoding.decoder.decode(ChildCPUs.self, from: Data("[]".utf8)), "an empty set is no set")
    }
}

final class KnownMachineTests: ChildProcessTestCase {
    /// Runs `script` under the launcher with `cpus` and returns the record and its log.
    func launch(_ script: String, cpus: ChildCPUs?) throws -> (record: RunRecord, log: String) {
        let directory = TestSupport.temporaryDirectory("pinned")
        var limits = ChildLimits()
        limits.cpus = cpus
        limits.timeoutS = 20
        var record = RunRecord(scenario: "sh", repeatIndex: 1, scale: 1, parameters: [:], logFile: directory + "/child.log")
        ChildRunner(launcherPath: TestSupport.binDirectory + "/bpbench-launch", limits: limits)
            .run(program: "/bin/sh", arguments: ["-c", script], environment: ["PATH": "/usr/bin:/bin"], speaksProtocol: false, into: &record)
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
        XCTAssertTrue(record.statusDetail?.contains("pinning to the run's CPU set (sched_setaffinity) failed") ?? false, "\(record.statusDetail ?? "")")
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
        let one = try peakThreads([allowed[0]]), two = try peakThreads(Array(allowed.prefix(2)))
        XCTAssertLessThanOrEqual(one + 2, two, "one CPU: \(one) threads, two: \(two)")
    }

    /// run.json records the set and the loop count; `--cpus` outside the allowed set is one line, 64.
    func testARunRecordsItsCPUSetAndRefusesOneItCannotHave() throws {
        let directory = TestSupport.temporaryDirectory("cpus-run")
        let entry = try TestSupport.entry("fixture-allocate")
        var limits = ChildLimits()
        limits.cpus = ChildCPUs([0])
        let plan = try RunPlan(entries: [entry], profile: .quick, repeats: 1, warmups: 0, scales: [1], overrides: [])
        XCTAssertEqual(RunDocument(plan: plan, entries: [entry], limits: limits, projectRoot: TestSupport.projectRoot).environment.childCPUs?.cpus, [0])
        let run = try TestSupport.bpbench(["run", "--root", TestSupport.projectRoot, "--scenario", "fixture-allocate", "--include-fixtures", "--profile", "quick",
                                           "--repeat", "1", "--warmup", "0", "--cpus", "0", "--quiet", "--out", directory + "/run"])
        XCTAssertEqual(run.status, 0, run.error)
        let document = try RunFolder(existing: directory + "/run").load()
        XCTAssertEqual(document.environment.childCPUs?.cpus, [0])
        XCTAssertEqual(document.environment.eventLoops, 1)
        let refused = try TestSupport.bpbench(["run", "--root", TestSupport.projectRoot, "--scenario", "fixture-allocate", "--include-fixtures",
                                               "--cpus", "4000", "--out", directory + "/refused"])
        XCTAssertEqual(refused.status, 64, refused.error)
        XCTAssertEqual(refused.error.split(separator: "\n").count, 1, refused.error)
        XCTAssertTrue(refused.error.contains("CPU 4000 is not one this process may run on"), refused.error)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/refused"))
    }
}

/// The gate's side: the children's CPU count is a figure input (``HostEnvironment/figureInputs``).
final class ChildCPUFigureInputTests: ProcessFreeTestCase {
    /// A baseline recorded with the children on two CPUs is no reference for a check whose
    /// children ran on one: the machine-stable cells are not judged against it (a note names the
    /// difference), never a regression for it; with the same count — whatever the CPU numbers —
    /// the same change is a finding.
    func testABaselineRecordedWithAnotherChildCPUCountIsNotJudgedAgainst() {
        var recorded = Synthetic.document(ignoredDrainFactor: 0.01)
        recorded.environment.childCPUs = ChildCPUs([0, 1])
        let baseline = Baseline(RunAnalysis(recorded))
        var here = Synthetic.document(ignoredDrainFactor: 1.0)
        here.environment.childCPUs = ChildCPUs([0])
        XCTAssertEqual(baseline.figureInputDifferences(here.environment), ["child CPUs 1 ≠ baseline's 2"])
        let report = Gate(baseline: baseline, thresholds: .standard).evaluate(head: RunAnalysis(here), base: nil)
        XCTAssertFalse(report.findings.contains { $0.metric == "peak_allocated_bytes" || $0.metric == "max_buffered_bytes" }, "\(report.findings)")
        XCTAssertTrue(report.notes.contains { $0.contains("machine-stable cells not judged") && $0.contains("child CPUs 1 ≠ baseline's 2") }, "\(report.notes)")

        here.environment.childCPUs = ChildCPUs([2, 3])
        XCTAssertEqual(baseline.figureInputDifferences(here.environment), [], "two CPUs are two CPUs")
        let same = Gate(baseline: baseline, thresholds: .standard).evaluate(head: RunAnalysis(here), base: nil)
        XCTAssertTrue(same.findings.contains { $0.metric == "peak_allocated_bytes" }, "\(same.findings)")
    }

    /// Pinned, the host's core count no longer moves the figures: an 8-core runner pinned to 2
    /// compares with a baseline recorded unpinned on 2 cores; pinned to 1 it does not.
    func testThePinnedCountNotTheHostsCoresIsTheInput() {
        var unpinned = Synthetic.document()
        unpinned.environment.cores = 2
        unpinned.environment.childCPUs = nil
        let baseline = Baseline(RunAnalysis(unpinned))
        var runner = unpinned.environment
        runner.cores = 8
        runner.childCPUs = ChildCPUs([0, 1])
        XCTAssertEqual(baseline.figureInputDifferences(runner), [])
        runner.childCPUs = ChildCPUs([0])
        XCTAssertEqual(baseline.figureInputDifferences(runner), ["child CPUs 1 ≠ baseline's 2"])
        runner.childCPUs = nil
        XCTAssertEqual(baseline.figureInputDifferences(runner), ["child CPUs 8 ≠ baseline's 2"], "unpinned, every core is the children's")
    }

    /// Bounded → inconclusive is the noise as much as the code, and the noise is the machine's:
    /// against a baseline recorded with other inputs it is judged against the base revision run
    /// here (a finding when that one is bounded), else a note. Bounded → grows stays a finding
    /// whatever the machine; with the baseline's own inputs inconclusive stays a finding.
    func testAnInconclusiveVerdictOnOtherInputsIsJudgedAgainstTheBaseRevisionOnly() {
        func pinned(_ document: RunDocument, _ cpus: [Int]) -> RunDocument {
            var copy = document
            copy.environment.childCPUs = ChildCPUs(cpus)
            return copy
        }
        let baseline = Baseline(RunAnalysis(pinned(Synthetic.document(), [0, 1])))
        var straddling = Synthetic.document()
        let noise = [0, 3_000_000, 100_000, 2_500_000, 50_000]
        for index in straddling.records.indices where straddling.records[index].scenario == "pipeline-copy" {
            straddling.records[index].result!.peaks.allocated += noise[straddling.records[index].repeatIndex - 1]
        }
        XCTAssertEqual(RunAnalysis(straddling).verdicts["pipeline-copy"]?.kind, .inconclusive)
        let gate = Gate(baseline: baseline, thresholds: .standard)
        let verdictFindings = { (report: GateReport) in report.findings.filter { $0.metric == "memory_verdict" } }

        let oneCPU = RunAnalysis(pinned(straddling, [0]))
        let alone = gate.evaluate(head: oneCPU, base: nil)
        XCTAssertEqual(verdictFindings(alone), [])
        XCTAssertTrue(alone.notes.contains { $0.contains("pipeline-copy: memory_verdict bounded → inconclusive not judged") && $0.contains("child CPUs 1 ≠ baseline's 2") },
                      "\(alone.notes)")
        let boundedHere = gate.evaluate(head: oneCPU, base: RunAnalysis(pinned(Synthetic.document(), [0])))
        XCTAssertEqual(verdictFindings(boundedHere).count, 1, "\(boundedHere.findings)")
        XCTAssertTrue(verdictFindings(boundedHere).first?.rule.contains("base revision, same job") ?? false, "\(boundedHere.findings)")
        let inconclusiveHere = gate.evaluate(head: oneCPU, base: RunAnalysis(pinned(straddling, [0])))
        XCTAssertEqual(verdictFindings(inconclusiveHere), [])

        // The baseline's own inputs: the finding it always was.
        XCTAssertEqual(verdictFindings(gate.evaluate(head: RunAnalysis(pinned(straddling, [2, 3])), base: nil)).count, 1)
        // Grows is the code's on any machine.
        var growing = Synthetic.document()
        for index in growing.records.indices where growing.records[index].scenario == "pipeline-copy" {
            growing.records[index].result!.peaks.allocated = Int(growing.records[index].scale) * 16 << 20 + growing.records[index].repeatIndex * 1000
        }
        let grows = verdictFindings(gate.evaluate(head: RunAnalysis(pinned(growing, [0])), base: nil))
        XCTAssertEqual(grows.count, 1, "\(grows)")
        XCTAssertTrue(grows.first?.now.hasPrefix("grows") ?? false, "\(grows)")
    }

    func testTheFingerprintNamesAnotherCPUSet() {
        var a = Synthetic.document().environment, b = a
        a.childCPUs = ChildCPUs([0, 1])
        b.childCPUs = ChildCPUs([0])
        XCTAssertEqual(HostFingerprint(a).differences(to: HostFingerprint(b)), ["children's CPUs 0-1 → 0"])
        XCTAssertTrue(HostFingerprint(a).description.contains("children on CPU 0-1"), HostFingerprint(a).description)
        b.childCPUs = nil
        XCTAssertEqual(HostFingerprint(a).differences(to: HostFingerprint(b)), [], "a run recorded before pinning: nothing to compare")
    }
}

/// Issue 25's done-when: the gate passes unchanged code with the baseline recorded on this machine
/// while the check runs with the children pinned to one CPU and the socket-buffer limits at a
/// stock kernel's values — or says "not comparable" (65) naming the difference; it never reports a
/// regression for that. And the other way: the same baseline with the same settings is judged.
///
/// The socket-buffer limits: `net.ipv4.tcp_wmem`/`tcp_rmem` belong to a network namespace, so the
/// check runs in a fresh one (`unshare -n`, loopback up) with a stock kernel's values — nothing
/// outside it changes. `net.core.wmem_max`/`rmem_max`, which clamp the scenarios' explicit 256 KiB
/// SO_SNDBUF/SO_RCVBUF, are global on this kernel (6.18: read-only in any namespace but the
/// first), so setting them changes every process on the machine for the check's ~15 s: that part
/// runs only with `BPBENCH_TEST_HOST_SYSCTLS=1` (as root), and puts the machine's values back
/// whatever happens. Measured here with it: once exit 0 naming all three differences; once exit 1
/// on manual-drain ×0.25 bounded → inconclusive (its repeats straddling the floor on one CPU) —
/// the case the gate now judges against the base revision only (``ChildCPUFigureInputTests``).
final class KnownMachineCheckTests: ChildProcessTestCase {
    /// A stock kernel's socket-buffer limits (Linux's defaults on a machine with a few GiB).
    static let stockNamespaceLimits = ["net.ipv4.tcp_wmem": "4096 16384 4194304", "net.ipv4.tcp_rmem": "4096 131072 6291456"]
    static let stockCoreLimit = "212992"

    static let project = ["--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory]

    /// manual-drain (its in-flight gauge holds both kernel socket buffers, so it is the row the
    /// limits move) at ×0.25 and ×0.5 of the quick profile, 5 repeats, the default pinning:
    /// 13 s here.
    func recordBaseline(in scratch: String) throws -> String {
        let run = try TestSupport.bpbench(["run"] + Self.project + ["--scenario", "manual-drain", "--profile", "quick", "--scale", "0.25,0.5", "--repeat", "5",
                                                                 "--quiet", "--out", scratch + "/baseline-run"])
        XCTAssertEqual(run.status, 0, run.error)
        let baseline = scratch + "/baseline.json"
        let update = try TestSupport.bpbench(["baseline", "update"] + Self.project + ["--run", scratch + "/baseline-run", "--baseline", baseline])
        XCTAssertEqual(update.status, 0, update.error)
        return baseline
    }

    /// `bpbench check` of the baseline's row, in a fresh network namespace with the stock limits
    /// when `namespace`.
    func check(_ baseline: String, _ extra: [String], out: String, namespace: Bool = false) throws -> (status: Int32, output: String, error: String) {
        let arguments = ["check"] + Self.project + ["--baseline", baseline, "--scenario", "manual-drain", "--quiet", "--out", out] + extra
        guard namespace else { return try TestSupport.bpbench(arguments) }
        let settings = Self.stockNamespaceLimits.sorted { $0.key < $1.key }.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        let script = "PATH=/usr/sbin:/usr/bin:/sbin:/bin; ip link set lo up && sysctl -qw \(settings) && exec \"$0\" \"$@\""
        return try TestSupport.execute("/usr/bin/unshare", ["-n", "sh", "-c", script, TestSupport.binDirectory + "/bpbench"] + arguments, in: TestSupport.projectRoot)
    }

    /// Whether this process may make network namespaces (root, or unprivileged user namespaces).
    static var canUnshareNetwork: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")
            && (try? TestSupport.execute("/usr/bin/unshare", ["-n", "sh", "-c", "PATH=/usr/sbin:/usr/bin:/sbin:/bin; ip link set lo up"]))?.status == 0
    }

    /// The count in "check passed: no regression (N cells judged; …)".
    static func cellsJudged(_ output: String) -> Int? {
        guard let range = output.range(of: #"\((\d+) cells judged"#, options: .regularExpression) else { return nil }
        return Int(output[range].dropFirst().prefix { $0.isNumber })
    }

    /// Exit 0 with every difference named in the not-judged note, or 65 naming one; never 1.
    func assertNotARegression(_ result: (status: Int32, output: String, error: String), naming differences: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(result.status, 1, "a regression for the machine alone: \(result.output)", file: file, line: line)
        switch result.status {
        case 0:
            let note = result.output.split(separator: "\n").first { $0.contains("machine-stable cells not judged: the baseline was recorded with other inputs") }
            XCTAssertNotNil(note, result.output, file: file, line: line)
            for difference in differences { XCTAssertTrue(note?.contains(difference) ?? false, "\(difference) not named: \(result.output)", file: file, line: line) }
        case 65:
            XCTAssertEqual(result.error.split(separator: "\n").count, 1, result.error, file: file, line: line)
            XCTAssertTrue(result.error.contains("not comparable") && differences.contains { result.error.contains($0) }, result.error, file: file, line: line)
        default:
            XCTFail("exit \(result.status): \(result.error)", file: file, line: line)
        }
    }

    func testOneCPUAndStockSocketLimitsAreNamedNeverARegressionAndTheSameSettingsAreJudged() throws {
        _ = try TestSupport.entry("manual-drain")
        let scratch = TestSupport.temporaryDirectory("known-machine")
        let baseline = try recordBaseline(in: scratch)

        // The same machine, the same settings: judged against the baseline as always.
        let same = try check(baseline, [], out: scratch + "/same")
        XCTAssertEqual(same.status, 0, same.output + same.error)
        XCTAssertGreaterThan(Self.cellsJudged(same.output) ?? 0, 0, same.output)
        XCTAssertFalse(same.output.contains("recorded with other inputs"), same.output)

        // One CPU, and (where namespaces can be made) a stock kernel's TCP buffer limits.
        let namespace = Self.canUnshareNetwork
        let pinned = try check(baseline, ["--cpus", "0"], out: scratch + "/one-cpu", namespace: namespace)
        assertNotARegression(pinned, naming: ["child CPUs 1 ≠ baseline's 2"] + (namespace ? ["net.ipv4.tcp_rmem 4096 131072 6291456 ≠ baseline's"] : []))
        if namespace {
            let document = try RunFolder(existing: scratch + "/one-cpu").load()
            XCTAssertEqual(document.environment.socketBufferLimits?["net.ipv4.tcp_rmem"], Self.stockNamespaceLimits["net.ipv4.tcp_rmem"], "the check ran with the stock limits")
            XCTAssertEqual(document.environment.childCPUs?.cpus, [0])
        }

        // The global limits, only when asked (they change the whole machine for the check).
        guard ProcessInfo.processInfo.environment["BPBENCH_TEST_HOST_SYSCTLS"] == "1" else { return }
        let paths = ["net.core.wmem_max", "net.core.rmem_max"].map { "/proc/sys/" + $0.replacingOccurrences(of: ".", with: "/") }
        let saved = try paths.map { try String(contentsOfFile: $0, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
        let restore = {
            for (path, value) in zip(paths, saved) { try? value.write(toFile: path, atomically: false, encoding: .utf8) }
        }
        addTeardownBlock(restore)  // also when an assertion below throws
        defer { restore() }
        for path in paths { try Self.stockCoreLimit.write(toFile: path, atomically: false, encoding: .utf8) }
        let stock = try check(baseline, ["--cpus", "0"], out: scratch + "/stock-core")
        restore()
        XCTAssertEqual(try paths.map { try String(contentsOfFile: $0, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }, saved)
        assertNotARegression(stock, naming: ["child CPUs 1 ≠ baseline's 2", "net.core.wmem_max 212992 ≠ baseline's", "net.core.rmem_max 212992 ≠ baseline's"])
    }
}
