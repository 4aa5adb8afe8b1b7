import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchCore
@testable import BenchGate
@testable import BenchModel
@testable import BenchReport
@testable import BenchSystem

/// The run as a whole: discovery, folders, a failing child among good ones, interruption, and
/// the gate catching a regression injected into a real scenario.
final class RunLifecycleTests: ChildProcessTestCase {
    /// Those of `pids` this test process answers for (TestProcessScope): `swift test --parallel`
    /// runs other test processes beside it, with fixtures and scenarios of the same names.
    static func own(_ pids: [Int32]) -> [Int32] { pids.filter(TestProcessScope.leftovers().contains) }

    /// A new folder under Scenarios/ is a scenario, with nothing else edited: the catalog finds
    /// the folder and asks the executable beside bpbench to describe itself.
    func testCatalogDiscoversAnyScenarioFolder() throws {
        let root = TestSupport.temporaryDirectory("catalog")
        let bin = root + "/bin"
        for folder in ["/Scenarios/brand-new", "/Scenarios/.hidden", "/Scenarios/no-swift-here", "/bin"] {
            try FileManager.default.createDirectory(atPath: root + folder, withIntermediateDirectories: true)
        }
        try "".write(toFile: root + "/Package.swift", atomically: true, encoding: .utf8)
        try "@main struct X {}".write(
            toFile: root + "/Scenarios/brand-new/BrandNew.swift", atomically: true, encoding: .utf8)
        try "notes".write(toFile: root + "/Scenarios/no-swift-here/README.md", atomically: true, encoding: .utf8)
        let description = try JSONLineCoding.line(
            ScenarioDescription(name: "brand-new", summary: "added by a test", parameters: []))
        try "#!/bin/sh\necho '\(description)'\n".write(toFile: bin + "/brand-new", atomically: true, encoding: .utf8)
        chmod(bin + "/brand-new", 0o755)

        let catalog = try ScenarioCatalog.locate(root: root, binDirectory: bin)
        let entries = try catalog.entries()
        XCTAssertEqual(entries.map(\.name), ["brand-new"])
        XCTAssertEqual(entries.first?.description.summary, "added by a test")
    }

    /// The folder is the scenario's name: a scenario that calls itself something else is refused
    /// with one line (exit 65), rather than running under a name nothing else knows.
    func testAScenarioWhoseNameIsNotItsFolderIsRefused() throws {
        let root = TestSupport.temporaryDirectory("misnamed")
        for folder in ["/Scenarios/right-name", "/bin"] {
            try FileManager.default.createDirectory(atPath: root + folder, withIntermediateDirectories: true)
        }
        try "".write(toFile: root + "/Package.swift", atomically: true, encoding: .utf8)
        try "@main struct X {}".write(toFile: root + "/Scenarios/right-name/X.swift", atomically: true, encoding: .utf8)
        let description = try JSONLineCoding.line(
            ScenarioDescription(name: "wrong-name", summary: "misnamed", parameters: []))
        try "#!/bin/sh\necho '\(description)'\n".write(
            toFile: root + "/bin/right-name", atomically: true, encoding: .utf8)
        chmod(root + "/bin/right-name", 0o755)
        let catalog = try ScenarioCatalog.locate(root: root, binDirectory: root + "/bin")
        XCTAssertThrowsError(try catalog.entries()) { error in
            let benchError = error as? BenchError
            XCTAssertEqual(benchError?.kind, .data)
            XCTAssertEqual(benchError?.kind.rawValue, 65)
            XCTAssertTrue(
                benchError?.message.contains("'right-name' describes itself as 'wrong-name'") ?? false, "\(error)")
        }
    }

    func testEveryRealScenarioIsListed() throws {
        _ = try TestSupport.entry("pipeline-copy")
        let names = try TestSupport.catalog.entries().map(\.name)
        for name in ["bounded-queue", "ignored-drain", "manual-drain", "persistent-queue", "pipeline-copy"] {
            XCTAssertTrue(names.contains(name), "\(name) missing from \(names)")
        }
        XCTAssertFalse(
            try TestSupport.catalog.select([]).entries.contains { $0.description.hidden },
            "fixtures are hidden by default")
    }

    func testRunsStartedTogetherGetSeparateFolders() throws {
        let parent = TestSupport.temporaryDirectory("folders")
        let now = Date()
        let first = try RunFolder.create(under: parent, startedAt: now).path
        let second = try RunFolder.create(under: parent, startedAt: now).path
        XCTAssertNotEqual(first, second)
        XCTAssertTrue(FileManager.default.fileExists(atPath: second + "/logs"))
    }

    func testACrashingChildLeavesTheOtherRowsComplete() throws {
        let entries = [try TestSupport.entry("fixture-fault"), try TestSupport.entry("fixture-allocate")]
        let plan = try RunPlan(
            entries: entries, profile: .quick, repeats: 2, warmups: 0, scales: [1],
            overrides: ["fixture-fault.mode=segfault", "fixture-allocate.megabytes=8", "fixture-allocate.hold=10ms"])
        let directory = TestSupport.temporaryDirectory("mixed")
        var document = RunDocument(
            startedAt: "t", profile: "quick", repeats: 2, warmups: 0, scales: [1], limits: ChildLimits(),
            environment: Synthetic.environment)
        BenchRunner(catalog: TestSupport.catalog, limits: ChildLimits(), cacheDirectory: directory, interruption: nil)
            .execute(plan, logDirectory: directory, into: &document) { _ in }
        XCTAssertEqual(document.records.map(\.status), [.crashed, .crashed, .ok, .ok])
        XCTAssertTrue(document.records.filter { $0.status == .ok }.allSatisfy { $0.peaks.allocated >= 8 << 20 })
    }

    func testAChildKilledFromOutsideIsCrashed() throws {
        let killer = Thread {
            for _ in 0..<1000 {
                // The running child, not the short-lived `fixture-fault --describe` the catalog starts
                // first — and this test process's: another one's hanging fixture may be running
                // beside it (`swift test --parallel`).
                if let pid = Self.own(
                    TestSupport.processes(
                        named: "fixture-fault", includeLaunchers: false, withArgument: #"{"mode":"hang"}"#)
                ).first {
                    usleep(200_000)
                    kill(pid, SIGKILL)
                    return
                }
                usleep(20_000)
            }
        }
        killer.start()
        var limits = ChildLimits()
        limits.timeoutS = 20
        let record = try TestSupport.runChild("fixture-fault", ["mode=hang"], limits: limits)
        XCTAssertEqual(record.status, .crashed)
        XCTAssertEqual(record.observed.signal, SIGKILL)
    }

    /// Ctrl-C during `bpbench run`: the child is stopped, finished rows are written, the run is
    /// marked interrupted, exit 130, and `Reports/latest` does not move to it.
    func testInterruptedRunWritesFinishedRowsAndKeepsLatest() throws {
        _ = try TestSupport.entry("fixture-fault")
        let latest = TestSupport.projectRoot + "/Reports/latest"
        let latestBefore = try? FileManager.default.destinationOfSymbolicLink(atPath: latest)
        let out = TestSupport.temporaryDirectory("interrupted") + "/run"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.binDirectory + "/bpbench")
        process.arguments = [
            "run", "--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory, "--include-fixtures",
            "--scenario", "fixture-allocate", "--scenario", "fixture-fault", "--param", "fixture-fault.mode=hang",
            "--param", "fixture-allocate.megabytes=4", "--repeat", "1", "--warmup", "0", "--profile", "quick",
            "--quiet", "--out", out,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the hanging fixture has started (its log exists), i.e. the first row is finished.
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: out + "/logs/fixture-fault-x1-r1.log"), Date() < deadline {
            usleep(20_000)
        }
        usleep(300_000)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExitPromptly()
        XCTAssertEqual(process.terminationStatus, 130)
        let document = try RunFolder(existing: out).load()
        XCTAssertTrue(document.interrupted)
        XCTAssertEqual(document.records.map(\.scenario), ["fixture-allocate"])
        XCTAssertEqual(document.records.first?.status, .ok)
        XCTAssertEqual(try? FileManager.default.destinationOfSymbolicLink(atPath: latest), latestBefore)
        XCTAssertEqual(Self.own(TestSupport.processes(named: "fixture-fault")), [])
    }

    /// A harness killed with SIGKILL cannot write run.json; the journal keeps every row that
    /// finished, and `bpbench report DIR` rebuilds run.json and every export from it.
    func testAHarnessKilledMidRunLosesAtMostTheRowInFlight() throws {
        _ = try TestSupport.entry("fixture-allocate")
        let out = TestSupport.temporaryDirectory("killed") + "/run"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.binDirectory + "/bpbench")
        process.arguments = [
            "run", "--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory, "--include-fixtures",
            "--scenario", "fixture-allocate", "--param", "fixture-allocate.megabytes=4", "--param",
            "fixture-allocate.hold=200ms",
            "--repeat", "20", "--warmup", "0", "--profile", "quick", "--quiet", "--out", out,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let journal = out + "/" + RunFolder.journalName
        func journalLines() -> Int {
            ((try? String(contentsOfFile: journal, encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        let deadline = Date().addingTimeInterval(60)
        while journalLines() < 3, Date() < deadline { usleep(20_000) }  // the header and two rows
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExitPromptly()
        let journaled = journalLines() - 1
        XCTAssertGreaterThanOrEqual(journaled, 2)
        XCTAssertLessThan(journaled, 20, "the run must have been killed before it finished")
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: out + "/run.json"),
            "a SIGKILLed harness cannot have written run.json")
        usleep(200_000)
        XCTAssertEqual(
            Self.own(TestSupport.processes(named: "fixture-allocate")), [],
            "the running child must die with the harness")

        let report = try TestSupport.bpbench([
            "report", "--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory, out,
        ])
        XCTAssertEqual(report.status, 0, report.error)
        let document = try RunFolder(existing: out).load()
        XCTAssertEqual(document.records.count, journaled)
        XCTAssertTrue(document.records.allSatisfy { $0.status == .ok })
        XCTAssertEqual(document.recoveredFromJournal, true)
        let csv = try String(contentsOfFile: out + "/results.csv", encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 1 + journaled, "one CSV row per journaled repeat")
        let markdown = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        XCTAssertTrue(markdown.contains("Recovered from the journal"))
        XCTAssertTrue(markdown.contains("fixture-allocate"))
    }

    /// `bpbench check` keeps its rows as `run` does: killed with SIGKILL mid-way, its folder holds
    /// the journal of every finished row, and `bpbench report DIR` rebuilds run.json and the
    /// exports from it. Cheap: a baseline of 20 tiny bounded-queue repeats (40 items), made in code,
    /// and the check killed after its second row.
    func testACheckKilledMidRunLeavesAJournalThatReportRecovers() throws {
        let entry = try TestSupport.entry("bounded-queue")
        let directory = TestSupport.temporaryDirectory("killed-check")
        let injected = ["items=40", "job_latency=1ms"]
        let plan = try RunPlan(
            entries: [entry], profile: .quick, repeats: 20, warmups: 0, scales: [1], overrides: injected)
        var recorded = RunDocument(
            plan: plan, entries: [entry], limits: ChildLimits(), projectRoot: TestSupport.projectRoot)
        for step in plan.steps {
            var record = Synthetic.record(
                step.row, repeatIndex: step.repeatIndex, peakRss: 30 << 20, allocated: 3 << 20, bytes: 40 << 14,
                throughput: 1e8)
            record.parameters = Dictionary(step.parameters, uniquingKeysWith: { $1 })
            recorded.records.append(record)
        }
        let baseline = directory + "/baseline.json"
        try Baseline(RunAnalysis(recorded)).write(to: baseline)
        let out = directory + "/check"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.binDirectory + "/bpbench")
        process.arguments =
            [
                "check", "--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory, "--baseline",
                baseline,
                "--scenario", "bounded-queue", "--fixed-repeats", "--quiet", "--out", out,
            ] + injected.flatMap { ["--inject", "bounded-queue." + $0] }
        process.standardOutput = FileHandle.nullDevice
        let stderr = Pipe()
        process.standardError = stderr
        try process.run()
        let journal = out + "/" + RunFolder.journalName
        func journalLines() -> Int {
            ((try? String(contentsOfFile: journal, encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        let deadline = Date().addingTimeInterval(120)
        while journalLines() < 3, process.isRunning, Date() < deadline { usleep(20_000) }  // the header and two rows
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExitPromptly()
        let journaled = journalLines() - 1
        XCTAssertGreaterThanOrEqual(
            journaled, 2, String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        XCTAssertLessThan(journaled, 20, "the check must have been killed before it finished")
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: out + "/run.json"), "a SIGKILLed check cannot have written run.json")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/check.md"))
        usleep(200_000)
        XCTAssertEqual(
            Self.own(TestSupport.processes(named: "bounded-queue")), [], "the running child must die with the harness")

        let report = try TestSupport.bpbench([
            "report", "--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory, out,
        ])
        XCTAssertEqual(report.status, 0, report.error)
        let document = try RunFolder(existing: out).load()
        XCTAssertEqual(document.recoveredFromJournal, true)
        XCTAssertEqual(document.records.count, journaled)
        XCTAssertEqual(document.records.map(\.repeatIndex), Array(1...journaled))
        XCTAssertTrue(
            document.records.allSatisfy { $0.scenario == "bounded-queue" && $0.status == .ok },
            "\(document.records.map(\.status))")
        XCTAssertEqual(
            document.injected?["bounded-queue"]?.sorted(), ["items", "job_latency"],
            "the header is the check's document")
        let csv = try String(contentsOfFile: out + "/results.csv", encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 1 + journaled, "one CSV row per journaled repeat")
    }

    /// An A/B (`check --against`) journals both sides through the one run loop: each side's folder
    /// recovers exactly the rows its document got, and `bpbench report DIR` rebuilds the base side
    /// (`DIR/base`) too. Scripted sides: no children.
    func testBothSidesOfAnInterleavedRunJournalAndReportRebuildsThem() throws {
        let entry = ScenarioCatalog.Entry(
            folder: "/nowhere", executable: "/nowhere/x",
            description: ScenarioDescription(name: "pipeline-copy", summary: "scripted", parameters: []))
        let plan = try RunPlan(entries: [entry], profile: .quick, repeats: 3, warmups: 1, scales: [1], overrides: [])
        let folder = try RunFolder.create(under: TestSupport.temporaryDirectory("ab-journal"))
        let baseFolder = try folder.createBase()
        var head = RunDocument(
            startedAt: "t", profile: "quick", repeats: 3, warmups: 1, scales: [1], limits: ChildLimits(),
            environment: Synthetic.environment)
        var base = head
        let runner = InterleavedRunner(
            head: .init(
                name: "head", executor: ScriptedExecutor(name: "head", throughput: 100), plan: plan,
                logDirectory: folder.logsPath,
                journal: try folder.startJournal(head)),
            base: .init(
                name: "base", executor: ScriptedExecutor(name: "base", throughput: 90), plan: plan,
                logDirectory: baseFolder.logsPath,
                journal: try baseFolder.startJournal(base)),
            interruption: nil)
        runner.execute(head: &head, base: &base) { _ in }
        XCTAssertEqual(head.records.count, 3)
        XCTAssertEqual(try folder.load().records, head.records)
        XCTAssertEqual(try baseFolder.load().records, base.records)
        XCTAssertNotEqual(head.records, base.records, "each side journals its own rows")

        let report = try TestSupport.bpbench([
            "report", "--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory, folder.path,
        ])
        XCTAssertEqual(report.status, 0, report.error)
        for side in [folder, baseFolder] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: side.documentPath), "\(side.path): run.json rebuilt")
            XCTAssertTrue(FileManager.default.fileExists(atPath: side.path + "/report.md"))
        }
        XCTAssertEqual(try baseFolder.load().records, base.records)
    }

    /// `Reports/latest` is pointed by the run folder alone, and only at a folder inside
    /// `Reports/` (relative, so the checkout can move): `--out` elsewhere leaves it alone.
    func testLatestPointsOnlyInsideReports() throws {
        let root = TestSupport.temporaryDirectory("latest")
        let reports = RunFolder.Reports(projectRoot: root)
        let inside = try RunFolder.create(out: nil, in: reports)
        XCTAssertTrue(try inside.pointLatest(reports))
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: reports.latest)
        XCTAssertFalse(target.hasPrefix("/"), target)
        XCTAssertEqual(try reports.runFolder(nil).path, reports.path + "/" + target)
        XCTAssertEqual(try reports.runFolder("latest").path, reports.path + "/" + target)

        let outside = try RunFolder.create(out: TestSupport.temporaryDirectory("elsewhere") + "/run", in: reports)
        XCTAssertFalse(try outside.pointLatest(reports))
        XCTAssertEqual(
            try FileManager.default.destinationOfSymbolicLink(atPath: reports.latest), target,
            "the link never leads out of Reports/")
    }

    /// The other way: a journal whose last line was torn mid-write keeps the rows before it, and
    /// a folder with neither run.json nor a journal is not a run (exit 66).
    func testATornJournalLineIsTheRowInFlight() throws {
        let folder = try RunFolder.create(under: TestSupport.temporaryDirectory("torn"))
        var document = Synthetic.document()
        let records = document.records
        document.records = []
        let journal = try folder.startJournal(document)
        for record in records.prefix(2) { try journal.append(record) }
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: folder.journalPath))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"record":{"scenario":"pipeline-co"#.utf8))
        try handle.close()
        let recovered = try folder.load()
        XCTAssertEqual(recovered.records, Array(records.prefix(2)))
        XCTAssertTrue(recovered.interrupted)

        let empty = try RunFolder.create(under: TestSupport.temporaryDirectory("empty"))
        XCTAssertThrowsError(try empty.load()) { error in
            XCTAssertEqual((error as? BenchError)?.kind, .noInput)
        }
    }

    /// The gate on real runs: a baseline of manual-drain (5 repeats, the fewest the significance
    /// test can use), then the same scenario with its backpressure effectively turned off (a
    /// 1 GiB high-water mark): the writer's buffer goes from NIO's mark plus the outbox's
    /// overshoot (≤ 1 MiB, its cap) to most of the 4.7 MiB input, which check names (scenario and
    /// gauge). The reader is paced at 8 MiB/s so that a debug build's slow producer still
    /// outruns it (at 64 MiB/s it sometimes did not, and the unthrottled buffer stayed small).
    /// The unchanged run passes.
    func testGateCatchesBackpressureTurnedOffInARealRun() throws {
        let entry = try TestSupport.entry("manual-drain")
        func run(_ overrides: [String]) throws -> RunAnalysis {
            let plan = try RunPlan(
                entries: [entry], profile: .quick, repeats: 5, warmups: 0, scales: [1],
                overrides: ["items=300", "consumer_rate=8MiB/s"] + overrides)
            let directory = TestSupport.temporaryDirectory("gate")
            var document = RunDocument(
                startedAt: "t", profile: "quick", repeats: 5, warmups: 0, scales: [1], limits: ChildLimits(),
                environment: Synthetic.environment)
            BenchRunner(
                catalog: TestSupport.catalog, limits: ChildLimits(), cacheDirectory: directory, interruption: nil
            )
            .execute(plan, logDirectory: directory, into: &document) { _ in }
            return RunAnalysis(document)
        }
        let baseline = Baseline(try run([]))
        XCTAssertEqual(baseline.entries.first?.status, .ok)
        let gate = Gate(baseline: baseline, thresholds: .standard)
        XCTAssertEqual(gate.evaluate(head: try run([]), base: nil).findings, [], "unchanged must pass")
        let findings = gate.evaluate(head: try run(["high_water_mark=1GiB"]), base: nil).findings
        XCTAssertTrue(
            findings.contains { $0.scenario == "manual-drain" && $0.metric == "max_buffered_bytes" }, "\(findings)")
    }
}
