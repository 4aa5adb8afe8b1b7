import ArgumentParser
import BenchGate
import BenchModel
import BenchProtocol
import BenchReport
import BenchSystem
import Foundation

/// Resolves a run folder argument: a path, or `latest` for `Reports/latest`.
func resolveRunDirectory(_ argument: String?, project: ProjectOptions) throws(BenchError) -> String {
    if let argument, argument != "latest" { return argument }
    return try RunFolder.Reports(projectRoot: project.catalog().projectRoot).runFolder(argument).path
}

/// `bpbench report RUN`: re-render a run folder's reports from its run.json.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract:
            "Rewrite a run folder's reports (CSV, markdown, JSON, charts) from its run.json — or, for a run whose harness died, from its journal."
    )

    @OptionGroup var project: ProjectOptions

    @Argument(help: "The run folder (default: Reports/latest).")
    var runFolder: String?

    @Option(help: "Scenario (row) the ratios are computed against; must be in the run (default: the run's own).")
    var reference: RowID?

    @Option(
        name: .customLong("export"),
        help: "Also write a dashboard export: bencher, github-action-benchmark. Repeatable.")
    var exports: [String] = []

    func run() throws {
        try reportingErrors {
            let formats = try ExportFormat.parse(exports)
            let folder = RunFolder(existing: try resolveRunDirectory(runFolder, project: project))
            let document = try folder.load()
            if let reference, !document.records.contains(where: { $0.scenario == reference }) {
                throw BenchError(.usage, "--reference \(reference) is not in \(folder.path)")
            }
            try rewrite(folder, document, reference: reference, formats: formats)
            // A check's A/B keeps the base revision's side in base/: rebuilt alike (with the
            // head's reference), so `check --run DIR` can judge a check that was killed.
            if folder.base.holdsRun {
                try rewrite(
                    folder.base, try folder.base.load(), reference: reference ?? document.reference, formats: formats)
            }
        }
    }

    /// Writes one run folder's exports from `document` and says what it did.
    func rewrite(
        _ folder: RunFolder, _ document: RunDocument, reference: RowID?, formats: [ExportFormat]
    ) throws(BenchError) {
        try RunWriter.write(RunAnalysis(document, reference: reference), to: folder.path, formats: formats)
        if document.recoveredFromJournal == true {
            print(
                "recovered \(document.records.count) finished rows from \(folder.journalPath) (the run did not finish); wrote run.json, report.md and friends"
            )
        } else {
            print("rewrote \(folder.path)/report.md and friends")
        }
    }
}

/// `bpbench baseline update`: write the baseline from separate runs of one plan, atomically.
struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline", abstract: "Manage the committed baseline.", subcommands: [Update.self])

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update",
            abstract:
                "Write the baseline from separate runs of one plan (default: the \(BaselineRecording.standardRunCount) most recent runs of the latest run's plan and revision).",
            discussion: """
                Each cell keeps every run's repeats, so a check without a base revision judges it against the \
                spread between the runs: a regression only past the worst run's median by more than the \
                minimum effect. The runs must share their plan, revision and child CPU count (else 65).
                """)

        @OptionGroup var project: ProjectOptions

        @Option(
            name: .customLong("run"),
            help:
                "A run folder to record (repeatable, one per separate run; default: the most recent --runs runs in Reports/runs of the plan, revision and CPU set Reports/latest ran)."
        )
        var runFolders: [String] = []

        @Option(
            help: ArgumentHelp(
                "How many separate runs to record (default \(BaselineRecording.standardRunCount); with --run, as many as given). Fewer found: 66.",
                valueName: "N"))
        var runs: Int?

        @Option(help: "The baseline file to write.")
        var baseline: String = "Reports/baseline.json"

        func run() throws {
            try reportingErrors {
                if let runs, runs < 1 { throw BenchError(.usage, "--runs takes a count ≥ 1, got \(runs)") }
                let recording: BaselineRecording
                if runFolders.isEmpty {
                    let reports = RunFolder.Reports(projectRoot: try project.catalog().projectRoot)
                    recording = try BaselineRecording.mostRecent(
                        runs ?? BaselineRecording.standardRunCount, like: try reports.runFolder(nil).path,
                        in: reports.runs)
                } else {
                    let asked = runs ?? runFolders.count
                    guard runFolders.count >= asked else {
                        throw BenchError(
                            .noInput, "--runs \(asked) asks for \(asked) runs; \(runFolders.count) --run given")
                    }
                    var sources: [BaselineRecording.Source] = []
                    for folder in runFolders {
                        sources.append(
                            try BaselineRecording.Source(folder: try resolveRunDirectory(folder, project: project)))
                    }
                    recording = try BaselineRecording(sources)
                }
                let file = recording.baseline()
                try file.write(to: baseline)
                let ids = recording.sources.map(\.id).joined(separator: ", ")
                print(
                    "wrote \(baseline) from \(recording.sources.count) run(s): \(ids) (\(file.entries.count) entries)")
                for line in BaselineRecording.verdictDisagreements(file) {
                    print("note: \(line) — recorded inconclusive (the check does not hold the row to a verdict)")
                }
                if !file.knowsRunSpread {
                    FileHandle.standardError.write(
                        Data(
                            "bpbench: warning: one run: \(Gate.unknownRunSpreadNote) — its cells are judged against that run's repeats alone (record \(BaselineRecording.standardRunCount): make baseline)\n"
                                .utf8))
                }
            }
        }
    }
}
