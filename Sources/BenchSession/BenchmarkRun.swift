import BenchCore
import BenchModel
import BenchProtocol
import BenchReport
import BenchSystem
import Foundation

/// `bpbench run`'s steps, in order: resolve the plan (from the options or a plan file's shard),
/// create the run folder (stamped as a shard before any child), run every child — the journaled
/// run loop, or the crash test — attribute peaks, write the documents, point `Reports/latest`,
/// print the summary; then say how the run ends (``Outcome``).
package struct BenchmarkRun {
    package var settings: RunSettings
    /// `--out`: the run folder (default: `Reports/runs/<timestamp>`).
    package var out: String?
    /// `--export` formats, as typed.
    package var exports: [String] = []
    /// `--crash-window MIN-MAX`, as typed.
    package var crashWindow = "0.1-0.8"
    /// `--attribute`: heap-profile each row's peak and attribute it to stacks (jeprof).
    package var attribute = false
    package var quiet = false

    package init(settings: RunSettings) {
        self.settings = settings
    }

    /// `bpbench run` finished and wrote every row, but some rows ended other than ok.
    package static let rowsNotOkExitCode: Int32 = 3

    /// How a run that wrote its folder ends, worst first (``ending``).
    package struct Outcome: Equatable {
        /// Ctrl-C or SIGTERM: the finished repeats were written; Reports/latest was not moved.
        package var interrupted = false
        /// The crash test's verdict when it failed (``CrashTest/failure(_:)``).
        package var crashFailure: String?
        /// "N of M rows did not end ok (statuses)", when some did not.
        package var rowsNotOk: String?
        /// The first broken scenario folder (the others ran).
        package var brokenFolder: BenchError?

        package init(
            interrupted: Bool = false, crashFailure: String? = nil, rowsNotOk: String? = nil,
            brokenFolder: BenchError? = nil
        ) {
            self.interrupted = interrupted
            self.crashFailure = crashFailure
            self.rowsNotOk = rowsNotOk
            self.brokenFolder = brokenFolder
        }

        /// What stderr is told and the exit code, when not 0: interrupted 130, a failed crash test 1,
        /// rows not ok 3, a broken folder its own code (65 bad manifest, 69 command not found).
        package var ending: CommandEnding? {
            if interrupted {
                return CommandEnding(code: 130, line: "bpbench: interrupted; the finished repeats were written")
            }
            if let crashFailure {
                return CommandEnding(code: 1, line: "bpbench: crash test failed: \(crashFailure)")
            }
            if let rowsNotOk {
                return CommandEnding(
                    code: BenchmarkRun.rowsNotOkExitCode,
                    line: "bpbench: \(rowsNotOk); every row was written (see status in report.md)")
            }
            if let brokenFolder {
                return CommandEnding(
                    code: brokenFolder.exitCode,
                    line: "bpbench: the run is complete without a broken scenario folder: \(brokenFolder.message)")
            }
            return nil
        }
    }

    /// "N of M rows did not end ok (statuses)" for `records`, nil when every row ended ok or was
    /// skipped (a tool this machine lacks is said in the report, not a failure).
    package static func rowsNotOk(_ records: [RunRecord]) -> String? {
        let failed = records.filter { !$0.status.isAcceptable }
        guard !failed.isEmpty else { return nil }
        return
            "\(failed.count) of \(records.count) rows did not end ok (\(Set(failed.map(\.status.rawValue)).sorted().joined(separator: ", ")))"
    }

    /// Runs the plan on `catalog`'s scenarios and writes the run folder; a bad option or an
    /// uncreatable folder throws before any child runs.
    package func execute(in catalog: ScenarioCatalog) throws(BenchError) -> Outcome {
        let formats = try ExportFormat.parse(exports)
        // The plan from the options, or (--plan) this machine's shard of a plan file.
        let resolved: ResolvedRun
        if let planFile = settings.sharding.planFile {
            resolved = try ResolvedRun(shardOf: planFile, settings: settings, catalog: catalog)
        } else {
            resolved = try ResolvedRun(settings, catalog: catalog)
        }
        let plan = resolved.plan
        var outcome = Outcome(brokenFolder: resolved.problems.first)
        // Refused before the run folder exists: a usage error leaves nothing behind.
        var crashTest: (test: CrashTest, step: RunPlan.Step)?
        if let kills = settings.crashTest {
            let step = try Self.crashTestStep(resolved, catalog: catalog)
            crashTest = (try CrashTest(kills: kills, window: try crashWindowRange()), step)
        }

        let reports = RunFolder.Reports(projectRoot: catalog.projectRoot)
        let folder = try RunFolder.create(out: out, in: reports)
        let runDirectory = folder.path
        if let shard = resolved.shard {
            try ShardStamp.write(shard, into: runDirectory)
            if !quiet {
                print(
                    "shard \(shard.spec) of plan \(shard.file.planID): \(plan.steps.filter { !$0.isWarmup }.count) recorded repeats"
                )
            }
        }
        let interruption = Interruption()
        interruption.install()
        var document = RunDocument(
            plan: plan, entries: resolved.entries, limits: resolved.limits, projectRoot: catalog.projectRoot,
            binDirectory: catalog.binDirectory, reference: resolved.reference)
        let rule =
            plan.repeatPolicy.isAdaptive
            ? PrecisionRule(
                width: resolved.ciWidth, level: resolved.ciLevel,
                growsWithTimeRows: Set(document.growsWithTimeRows ?? []), maximum: plan.repeatPolicy.maximum,
                budgetS: PrecisionRule.defaultBudgetS, claims: document.claims) : nil
        if let rule {
            document.ciWidth = resolved.ciWidth
            document.ciLevel = resolved.ciLevel
            document.repeatBudgetS = rule.budgetS
        }
        var runner = BenchRunner(
            catalog: catalog, limits: resolved.limits, cacheDirectory: reports.cache, interruption: interruption)
        if attribute {
            let profiles = runDirectory + "/profiles"
            do {
                try FileManager.default.createDirectory(atPath: profiles, withIntermediateDirectories: true)
            } catch {
                throw BenchError(.cannotCreate, "cannot create \(profiles): \(error.localizedDescription)")
            }
            runner.attributionDirectory = profiles
        }
        if let crashTest {
            let records = Self.run(
                crashTest.test, step: crashTest.step, profile: plan.profile, runner: runner, directory: runDirectory,
                interruption: interruption, quiet: quiet)
            document.records = records
            outcome.crashFailure = CrashTest.failure(records)
        } else {
            let progress = ProgressPrinter(quiet: quiet, plan: plan)
            let journal = try folder.startJournal(document)
            runner.execute(
                plan, rule: rule, logDirectory: folder.logsPath, journal: journal, into: &document,
                progress: progress.handle)
            outcome.rowsNotOk = Self.rowsNotOk(document.records)
        }
        document.finishedAt = RunDocument.timestamp()
        if attribute {
            if !quiet { print("attributing each row's peak (jeprof)…") }
            let (attributions, problems) = PeakAttribution.collect(
                document, entries: resolved.entries, runDirectory: runDirectory)
            document.attributions = attributions
            document.attributionProblems = problems.isEmpty ? nil : problems
        }

        let analysis = RunAnalysis(document)
        try RunWriter.write(analysis, to: runDirectory, formats: formats)
        if !document.interrupted { try folder.pointLatest(reports) }
        if !quiet {
            print("")
            print(MarkdownExporter().summaryTable(analysis).dropFirst(2).joined(separator: "\n"))
            print(
                "\nwrote \(runDirectory)/ (report.md, results.csv, timeline.csv, results.json, run.json, *.svg, logs/)")
        }
        outcome.interrupted = document.interrupted
        return outcome
    }

    /// `--crash-window MIN-MAX` as seconds.
    func crashWindowRange() throws(BenchError) -> ClosedRange<Double> {
        let window = crashWindow.split(separator: "-").compactMap { Double($0) }
        guard window.count == 2, window[0] >= 0, window[0] < window[1] else {
            throw BenchError(
                .usage, "--crash-window takes MIN-MAX seconds with MIN < MAX, e.g. 0.5-2.5; got '\(crashWindow)'")
        }
        return window[0]...window[1]
    }

    /// The step `--crash-test` kills: the run's single scenario, which must keep durable state.
    static func crashTestStep(_ resolved: ResolvedRun, catalog: ScenarioCatalog) throws(BenchError) -> RunPlan.Step {
        guard resolved.entries.count == 1, let step = resolved.plan.steps.last(where: { $0.variant == nil }),
            step.entry.description.durableStateParameter != nil
        else {
            let durable = try catalog.select([]).entries.filter { $0.description.durableStateParameter != nil }
                .map(\.name)
            throw BenchError(
                .usage,
                "--crash-test needs exactly one scenario that keeps durable state (here: \(durable.isEmpty ? "none" : durable.joined(separator: ", ")))"
            )
        }
        return step
    }

    /// `--crash-test N`: the scenario killed N times and restarted on its queue file, then drained
    /// and verified; its records, and one line with the final figures (said even with `--quiet`).
    static func run(
        _ crashTest: CrashTest, step: RunPlan.Step, profile: Profile, runner: BenchRunner, directory: String,
        interruption: Interruption, quiet: Bool
    ) -> [RunRecord] {
        let records = crashTest.execute(
            step: step, profile: profile, executor: runner, directory: directory, interruption: interruption
        ) { line in
            if !quiet { print(line) }
        }
        if let final = records.last {
            let figures = final.metrics.sorted { $0.key < $1.key }.map {
                "\($0.key)=\($0.value == $0.value.rounded() ? String(Int64($0.value)) : String(format: "%.3f", $0.value))"
            }.joined(separator: " ")
            print("crash test: \(final.status.rawValue) \(figures)")
        }
        return records
    }
}
