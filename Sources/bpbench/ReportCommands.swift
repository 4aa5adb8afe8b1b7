import ArgumentParser
import BenchGate
import BenchModel
import BenchProtocol
import BenchReport
import BenchSystem
import Foundation

/// Resolves a run folder argument: a path, or `latest` for `Reports/latest`.
func resolveRunDirectory(_ argument: String?, project: ProjectOptions) throws(BenchError) -> String {
    try RunFolder.Reports.runDirectory(argument, projectRoot: project.catalogProjectRoot)
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
        var rewrite = RunRewrite(runFolder: runFolder)
        rewrite.reference = reference
        rewrite.exports = exports
        try reportingErrors { () throws -> Void in
            try rewrite.execute(projectRoot: project.catalogProjectRoot)
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
        var baseline: String = BaselineUpdate().baseline

        func run() throws {
            var update = BaselineUpdate()
            update.runFolders = runFolders
            update.runs = runs
            update.baseline = baseline
            try reportingErrors { () throws -> Void in
                try update.execute(projectRoot: project.catalogProjectRoot)
            }
        }
    }
}
