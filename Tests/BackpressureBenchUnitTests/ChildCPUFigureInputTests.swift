import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchCore
@testable import BenchGate
@testable import BenchModel
@testable import BenchReport
@testable import BenchSystem

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
        XCTAssertFalse(
            report.findings.contains { $0.metric == "peak_allocated_bytes" || $0.metric == "max_buffered_bytes" },
            "\(report.findings)")
        XCTAssertTrue(
            report.notes.contains {
                $0.contains("machine-stable cells not judged") && $0.contains("child CPUs 1 ≠ baseline's 2")
            }, "\(report.notes)")

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
        XCTAssertEqual(
            baseline.figureInputDifferences(runner), ["child CPUs 8 ≠ baseline's 2"],
            "unpinned, every core is the children's")
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
        XCTAssertTrue(
            alone.notes.contains {
                $0.contains("pipeline-copy: memory_verdict bounded → inconclusive not judged")
                    && $0.contains("child CPUs 1 ≠ baseline's 2")
            },
            "\(alone.notes)")
        let boundedHere = gate.evaluate(head: oneCPU, base: RunAnalysis(pinned(Synthetic.document(), [0])))
        XCTAssertEqual(verdictFindings(boundedHere).count, 1, "\(boundedHere.findings)")
        XCTAssertTrue(
            verdictFindings(boundedHere).first?.rule.contains("base revision, same job") ?? false,
            "\(boundedHere.findings)")
        let inconclusiveHere = gate.evaluate(head: oneCPU, base: RunAnalysis(pinned(straddling, [0])))
        XCTAssertEqual(verdictFindings(inconclusiveHere), [])

        // The baseline's own inputs: the finding it always was.
        XCTAssertEqual(
            verdictFindings(gate.evaluate(head: RunAnalysis(pinned(straddling, [2, 3])), base: nil)).count, 1)
        // Grows is the code's on any machine.
        var growing = Synthetic.document()
        for index in growing.records.indices where growing.records[index].scenario == "pipeline-copy" {
            growing.records[index].result!.peaks.allocated =
                Int(growing.records[index].scale) * 16 << 20 + growing.records[index].repeatIndex * 1000
        }
        let grows = verdictFindings(gate.evaluate(head: RunAnalysis(pinned(growing, [0])), base: nil))
        XCTAssertEqual(grows.count, 1, "\(grows)")
        XCTAssertTrue(grows.first?.now.hasPrefix("grows") ?? false, "\(grows)")
    }

    func testTheFingerprintNamesAnotherCPUSet() {
        var a = Synthetic.document().environment
        var b = a
        a.childCPUs = ChildCPUs([0, 1])
        b.childCPUs = ChildCPUs([0])
        XCTAssertEqual(HostFingerprint(a).differences(to: HostFingerprint(b)), ["children's CPUs 0-1 → 0"])
        XCTAssertTrue(HostFingerprint(a).description.contains("children on CPU 0-1"), HostFingerprint(a).description)
        b.childCPUs = nil
        XCTAssertEqual(
            HostFingerprint(a).differences(to: HostFingerprint(b)), [],
            "a run recorded before pinning: nothing to compare")
    }
}
