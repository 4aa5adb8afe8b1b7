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

/// `bpbench baseline update`: write the baseline from a run, atomically.
struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline", abstract: "Manage the committed baseline.", subcommands: [Update.self])

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update", abstract: "Write the baseline from a run (default: Reports/latest).")

        @OptionGroup var project: ProjectOptions

        @Option(name: .customLong("run"), help: "The run folder (default: Reports/latest).")
        var runFolder: String?

        @Option(help: "The baseline file to write.")
        var baseline: String = "Reports/baseline.json"

        func run() throws {
            try reportingErrors {
                let directory = try resolveRunDirectory(runFolder, project: project)
                let document = try RunFolder(existing: directory).load()
                guard !document.interrupted else {
                    throw BenchError(.data, "\(directory) is an interrupted run; refusing to make it the baseline")
                }
                let analysis = RunAnalysis(document)
                try Baseline(analysis).write(to: baseline)
                print("wrote \(baseline) from \(directory) (\(analysis.summaries.count) entries)")
            }
        }
    }
}
