import BenchSystem
import BenchTestSupport
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchSession

/// `gate-proof --resume` (``GateProofJournal``): a proof cut short — kill -9, Ctrl-C, a session's
/// end — keeps every step it finished; a resumed one runs only the rest, redoes the one that was
/// in flight, and refuses a folder whose proof is not this one. The steps here are closures in
/// place of checks: the journal is the seam GateProof runs every step through.
final class GateProofJournalTests: ProcessFreeTestCase {
    let identity = GateProofJournal.Identity(
        commit: "4268e10", scenarioInputs: "0123456789abcdef", proofFile: "p1", baseline: "b1", thresholds: "t1",
        checks: 2, scenarios: ["bounded-queue"], cpus: "0-1", fixedRepeats: false,
        host: "box (cpu, 2 cores, 8 GiB RAM), kernel 6.1")

    func check(_ findings: Int) -> GateProofJournal.Result {
        .unchanged(
            ProofTable.UnchangedCheck(
                findings: (0..<findings).map { _ in
                    Finding(
                        scenario: "bounded-queue", scale: 1, metric: "peak_allocated_bytes", baseline: "2.9 MiB",
                        now: "3.5 MiB", rule: "p < 0.001")
                }, judged: 20, boundedRows: 1, children: 14, seconds: 19))
    }

    func findings(_ result: GateProofJournal.Result) -> Int? {
        if case .unchanged(let check) = result { return check.findings.count }
        return nil
    }

    func testAProofOfOtherOptionsOrAnotherTreeIsRefusedNamingTheDifference() throws {
        let directory = TestSupport.temporaryDirectory("proof-identity")
        _ = try GateProofJournal.start(directory: directory, identity: identity)
        var other = identity
        other.checks = 30
        other.scenarioInputs = "fedcba9876543210"
        XCTAssertThrowsError(try GateProofJournal.resume(directory: directory, identity: other)) { error in
            let error = error as? BenchError
            XCTAssertEqual(error?.kind, .data, "exit 65")
            XCTAssertTrue(error?.message.contains("--checks 2 → 30") == true, error?.message ?? "")
            XCTAssertTrue(
                error?.message.contains("scenario inputs (digest) 0123456789abcdef → fedcba9876543210") == true)
            XCTAssertFalse(error?.message.contains("\n") == true, "one line")
        }
        var cpus = identity
        cpus.cpus = "0"
        XCTAssertThrowsError(try GateProofJournal.resume(directory: directory, identity: cpus)) { error in
            XCTAssertEqual((error as? BenchError)?.message.contains("--cpus 0-1 → 0"), true, "\(error)")
        }
        XCTAssertNoThrow(try GateProofJournal.resume(directory: directory, identity: identity), "the same proof")

        let empty = TestSupport.temporaryDirectory("proof-none")
        XCTAssertThrowsError(try GateProofJournal.resume(directory: empty, identity: identity)) { error in
            XCTAssertEqual((error as? BenchError)?.kind, .noInput, "exit 66: no proof there")
        }
    }

    /// Steps a session finished are not run again; their results come back as recorded, and the
    /// steps after them run.
    func testStepsAnEarlierSessionFinishedAreSkipped() throws {
        let directory = TestSupport.temporaryDirectory("proof-skip")
        var first = try GateProofJournal.start(directory: directory, identity: identity)
        var runs: [String] = []
        let one = try first.step("unchanged-1") { _ throws(BenchError) -> GateProofJournal.Result in
            runs.append("unchanged-1")
            return check(1)
        }
        XCTAssertFalse(one.resumed)
        // The session ends here (the second step never starts).

        var second = try GateProofJournal.resume(directory: directory, identity: identity)
        let again = try second.step("unchanged-1") { _ throws(BenchError) -> GateProofJournal.Result in
            runs.append("unchanged-1 again")
            return check(0)
        }
        XCTAssertTrue(again.resumed)
        XCTAssertEqual(findings(again.result), 1, "the recorded result, not a new one")
        let two = try second.step("unchanged-2") { _ throws(BenchError) -> GateProofJournal.Result in
            runs.append("unchanged-2")
            return check(0)
        }
        XCTAssertFalse(two.resumed)
        XCTAssertEqual(runs, ["unchanged-1", "unchanged-2"])
        let reread = try GateProofJournal.resume(directory: directory, identity: identity)
        XCTAssertEqual(reread.steps.map(\.id), ["unchanged-1", "unchanged-2"])
        XCTAssertEqual(reread.sessions.count, 3)
    }

    /// A step cut in flight (its folder half-written, nothing recorded: kill -9, or Ctrl-C, which
    /// GateProof turns into a throw) is run again, from an empty folder.
    func testAStepInFlightWhenCutIsRedoneFromAnEmptyFolder() throws {
        let directory = TestSupport.temporaryDirectory("proof-inflight")
        var first = try GateProofJournal.start(directory: directory, identity: identity)
        XCTAssertThrowsError(
            try first.step("unchanged-1") { folder throws(BenchError) -> GateProofJournal.Result in
                try AtomicFile.write("{\"partial\": true}\n", to: folder + "/journal.jsonl")
                throw BenchError(.interrupted, "interrupted")
            })
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/unchanged-1/journal.jsonl"))
        // A kill -9 leaves a folder and no record in the same way.
        try FileManager.default.createDirectory(
            atPath: directory + "/unchanged-2/logs", withIntermediateDirectories: true)

        var second = try GateProofJournal.resume(directory: directory, identity: identity)
        XCTAssertNil(second.finished("unchanged-1"))
        for id in ["unchanged-1", "unchanged-2"] {
            var seen: [String]?
            let redone = try second.step(id) { folder throws(BenchError) -> GateProofJournal.Result in
                seen = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.sorted()
                return check(0)
            }
            XCTAssertFalse(redone.resumed, id)
            XCTAssertEqual(seen, ["logs"], "\(id): run again in a fresh run folder, the partial one removed")
        }
        XCTAssertEqual(second.steps.count, 2)
    }

    /// gate-proof.md says how long the proof worked and over which sessions.
    func testTheTableNamesEverySessionAndCountsTheirTime() throws {
        let directory = TestSupport.temporaryDirectory("proof-sessions")
        let start = Date(timeIntervalSince1970: 1_796_198_400)  // 2026-12-02 08:00 UTC
        var first = try GateProofJournal.start(directory: directory, identity: identity, now: start)
        _ = try first.step(
            "unchanged-1", now: { start.addingTimeInterval(600) },
            run: { _ throws(BenchError) -> GateProofJournal.Result in check(0) })
        let resumed = try GateProofJournal.resume(
            directory: directory, identity: identity, now: start.addingTimeInterval(3600))
        let now = start.addingTimeInterval(3600 + 300)
        XCTAssertEqual(resumed.minutes(now: now), 15, accuracy: 0.001, "10 min, then 5: the gap is not counted")
        XCTAssertEqual(resumed.spans(now: now), ["2026-12-02 08:00–08:10 UTC", "2026-12-02 09:00–09:05 UTC"])
        var table = ProofTable()
        table.unchanged = [
            ProofTable.UnchangedCheck(findings: [], judged: 20, boundedRows: 1, children: 14, seconds: 19)
        ]
        let text = table.markdown(
            minutes: resumed.minutes(now: now), baseline: "b.json", environment: Synthetic.environment,
            narrowedTo: [], sessions: resumed.spans(now: now))
        XCTAssertTrue(
            text.contains(
                "Took 15.0 min over 2 sessions (2026-12-02 08:00–08:10 UTC, 2026-12-02 09:00–09:05 UTC)."), text)
    }

    /// An injected cell comes back from the record as it was judged: detected or missed, and
    /// what it changed.
    func testACellRoundTripsWithItsFindingsAndJudgements() throws {
        var report = GateReport()
        report.findings = [
            Finding(
                scenario: "bounded-queue", scale: 4, metric: "peak_allocated_bytes", baseline: "2.9 MiB", now: "9 MiB",
                rule: "p < 0.001")
        ]
        let cell = ProofTable.Cell(
            scenario: "bounded-queue", kind: .leak, findingKind: .leak, factor: nil, injection: "leak 1/32",
            required: true, scales: [1, 4], report: report, repeats: "×1: 7, ×4: 7")
        let data = try GateProofJournal.encoder.encode(GateProofJournal.Result.cell(cell))
        guard case .cell(let back) = try GateProofJournal.decoder.decode(GateProofJournal.Result.self, from: data)
        else { return XCTFail("not a cell") }
        XCTAssertEqual(back.mark, cell.mark)
        XCTAssertEqual(back.mark, "❌ missed (only at ×4)", "a leak needs every scale")
        XCTAssertEqual(back.report.findings, report.findings)
        XCTAssertEqual(back.repeats, cell.repeats)
    }
}
