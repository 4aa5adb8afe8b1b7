import ArgumentParser
import BenchCore
import BenchProtocol
import BenchReport
import Foundation

/// Resolves a run folder argument: a path, or `latest` for `Reports/latest`.
func resolveRunDirectory(_ argument: String?, project: ProjectOptions) throws(BenchError) -> String {
    if let argument, argument != "latest" { return argument }
    let catalog = try project.catalog()
    let latest = catalog.projectRoot + "/Reports/latest"
    guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: latest) else {
        throw BenchError(.noInput, "no run yet: \(latest) does not exist (run bpbench run first, or pass --run DIR)")
    }
    return target.hasPrefix("/") ? target : catalog.projectRoot + "/Reports/" + target
}

/// `bpbench report RUN`: re-render a run folder's reports from its run.json.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Rewrite a run folder's reports (CSV, markdown, JSON, charts) from its run.json — or, for a run whose harness died, from its journal.")

    @OptionGroup var project: ProjectOptions

    @Argument(help: "The run folder (default: Reports/latest).")
    var runFolder: String?

    @Option(help: "Scenario (row) the ratios are computed against; must be in the run (default: the run's own).")
    var reference: String?

    @Option(name: .customLong("export"), help: "Also write a dashboard export: bencher, github-action-benchmark. Repeatable.")
    var exports: [String] = []

    func run() throws {
        try reportingErrors {
            let formats = try ExportFormat.parse(exports)
            let directory = try resolveRunDirectory(runFolder, project: project)
            let document = try RunFolder(existing: directory).load()
            if let reference, !document.records.contains(where: { $0.scenario == reference }) {
                throw BenchError(.usage, "--reference \(reference) is not in \(directory)")
            }
            let analysis = RunAnalysis(document, reference: reference)
            try RunWriter.write(analysis, to: directory, formats: formats)
            if document.recoveredFromJournal == true {
                print("recovered \(document.records.count) finished rows from \(directory)/\(RunFolder.journalName) (the run did not finish); wrote run.json, report.md and friends")
            } else {
                print("rewrote \(directory)/report.md and friends")
            }
        }
    }
}

/// `bpbench baseline update`: write the baseline from a run, atomically.
struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "baseline", abstract: "Manage the committed baseline.", subcommands: [Update.self])

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "update", abstract: "Write the baseline from a run (default: Reports/latest).")

        @OptionGroup var project: ProjectOptions

        @Option(name: .customLong("run"), help: "The run folder (default: Reports/latest).")
        var runFolder: String?

        @Option(help: "The baseline file to write.")
        var baseline: String = "Reports/baseline.json"

        func run() throws {
            try reportingErrors {
                let directory = try resolveRunDirectory(runFolder, project: project)
                let document = try RunFolder(existing: directory).load()
                guard !document.interrupted else { throw BenchError(.data, "\(directory) is an interrupted run; refusing to make it the baseline") }
                let analysis = RunAnalysis(document)
                try Baseline(analysis).write(to: baseline)
                print("wrote \(baseline) from \(directory) (\(analysis.summaries.count) entries)")
            }
        }
    }
}
