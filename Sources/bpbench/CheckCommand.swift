import ArgumentParser
import BenchCore
import BenchProtocol
import BenchReport
import Foundation

/// `bpbench check`: the CI gate.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run the baseline's plan (or judge --run DIR) and exit 1 on a regression.",
        discussion: """
            Machine-stable figures (peak allocated, gauge maxima, status, growth verdict) are compared \
            with the committed baseline; machine-bound ones (throughput, latency, CPU, peak RSS) with \
            the base revision built and run in this job, interleaved (--against REV). A regression must \
            be significant (one-sided Mann–Whitney U, p < alpha) and larger than the metric's minEffect.
            Exit codes: 0 pass; 1 regression (one line each); 64 usage; 65 not comparable with the \
            baseline, or a corrupt baseline or thresholds file; 66 missing baseline or run; 130 interrupted.
            """)

    @OptionGroup var project: ProjectOptions

    @Option(help: "The baseline file.")
    var baseline: String = "Reports/baseline.json"

    @Option(name: .customLong("run"), help: "Judge this existing run folder instead of running the plan (no same-job A/B unless it holds base/).")
    var runFolder: String?

    @Option(help: "A revision (e.g. HEAD~1) to build and run interleaved with this tree, for the machine-bound metrics.")
    var against: String?

    @Option(help: "NAME.key=value: run this tree with a changed parameter, declared as standing for a code change (to test the gate; repeatable).")
    var inject: [String] = []

    @Option(help: "A thresholds file (default: Reports/thresholds.json if present, else built-in defaults).")
    var thresholds: String?

    @Option(help: "The run folder to write (default: Reports/runs/<timestamp>).")
    var out: String?

    @Flag(help: "Run the baseline's repeat count for every row instead of stopping a row early once the gate's answer for it cannot change.")
    var fixedRepeats = false

    @Option(name: .customLong("scenario"), help: "Judge only these rows of the baseline: NAME, NAME/VARIANT or NAME/* (repeatable; default: all).")
    var scenarios: [String] = []

    @Flag(help: "No progress lines.")
    var quiet = false

    func run() throws {
        let outcome = try reportingErrors { () throws(BenchError) -> Outcome in
            let catalog = try project.catalog()
            let loaded = try Baseline.load(baseline)
            let baselineFile = scenarios.isEmpty ? loaded : try loaded.restricted(toRows: scenarios)
            let limits = try GateSession.thresholds(thresholds, project: catalog)
            if let runFolder {
                guard inject.isEmpty, against == nil else { throw BenchError(.usage, "--run judges an existing run; --inject and --against run a new one") }
                let directory = try resolveRunDirectory(runFolder, project: project)
                let document = try RunFolder(existing: directory).load()
                if let difference = baselineFile.incomparability(document) { throw BenchError(.data, "not comparable with \(baseline): \(difference)") }
                let reference = baselineFile.reference
                let base = FileManager.default.fileExists(atPath: directory + "/base/run.json") ? RunAnalysis(try RunFolder(existing: directory + "/base").load(), reference: reference) : nil
                let report = Gate(baseline: baselineFile, thresholds: limits, maximumRepeats: document.maxRepeats).evaluate(head: RunAnalysis(document, reference: reference), base: base)
                return Outcome(report: report, directory: directory)
            }
            let interruption = Interruption()
            interruption.install()
            let session = GateSession(project: catalog, baseline: baselineFile, thresholds: limits, interruption: interruption, quiet: quiet, adaptive: !fixedRepeats)
            let entries = try session.entries(in: catalog)
            let (overrides, injected) = try GateSession.injections(inject, entries: entries)
            var plan = try session.plan(entries, overrides: overrides)
            // With --scenario, the selected rows only (a selected base row leaves its variants out).
            let selectedRows = scenarios.isEmpty ? nil : Set(baselineFile.entries.map(\.scenario))
            if let selectedRows { plan.steps = plan.steps.filter { selectedRows.contains($0.row) } }
            if let difference = session.incomparability(of: plan, injected: injected) {
                throw BenchError(.data, "not comparable with \(baseline): \(difference) (make baseline records a new one)")
            }
            var notes: [String] = []
            var base: (catalog: ScenarioCatalog, plan: RunPlan, entries: [ScenarioCatalog.Entry])?
            if let against {
                switch BaseRevision.prepare(against, project: catalog, log: { if !quiet { print($0) } }) {
                case .skipped(let reason):
                    notes.append(reason)
                case .catalog(let baseCatalog, _, let note):
                    notes.append(note)
                    do {
                        let baseEntries = try session.entries(in: baseCatalog)
                        if let other = baseEntries.first(where: { ($0.description.protocolVersion ?? 1) != ResultProtocol.version }) {
                            // Its children would not understand this harness (or it them): a
                            // comparison would measure the mismatch, not the code.
                            throw BenchError(.data, "its \(other.name) speaks result protocol v\(other.description.protocolVersion ?? 1), this bpbench v\(ResultProtocol.version)")
                        }
                        var basePlan = try session.plan(baseEntries, overrides: [])
                        if let selectedRows { basePlan.steps = basePlan.steps.filter { selectedRows.contains($0.row) } }
                        basePlan.steps = Self.comparableSteps(basePlan.steps, with: plan.steps, injected: injected ?? [:], notes: &notes)
                        base = (baseCatalog, basePlan, baseEntries)
                    } catch {
                        notes.append("A/B skipped: the base revision's scenarios cannot be planned by this bpbench: \(error)")
                    }
                }
            }
            let directory = try GateSession.outputDirectory(out, project: catalog)
            var result = try session.run(head: plan, headEntries: entries, base: base, injected: injected, directory: directory)
            result.report.notes = notes + result.report.notes
            if interruption.isInterrupted { throw BenchError(.interrupted, "interrupted; the finished repeats were written to \(directory)") }
            let reports = catalog.projectRoot + "/Reports"
            let target = directory.hasPrefix(reports + "/") ? String(directory.dropFirst(reports.count + 1)) : directory
            try AtomicFile.pointLink(reports + "/latest", at: target)
            return Outcome(report: result.report, directory: directory)
        }
        let report = outcome.report, directory = outcome.directory
        try reportingErrors {
            try AtomicFile.write(report.markdown(title: "bpbench check against \(baseline)"), to: directory + "/check.md")
        }
        for note in report.notes { print("note: \(note)") }
        if report.passed {
            print("check passed: no regression (\(report.judgements.count) cells judged; \(directory)/check.md)")
            return
        }
        print("check FAILED: \(report.findings.count) regression(s) (\(directory)/check.md)")
        for finding in report.findings { print("  - \(finding)") }
        throw ExitCode(1)
    }

    /// What a check produced, and where.
    struct Outcome {
        var report: GateReport
        var directory: String
    }

    /// Base steps whose parameters equal the head's (injected keys aside): a changed parameter is a
    /// changed benchmark, not a changed code path, so that scenario is not compared side by side.
    static func comparableSteps(_ baseSteps: [RunPlan.Step], with headSteps: [RunPlan.Step], injected: [String: [String]], notes: inout [String]) -> [RunPlan.Step] {
        var refused: Set<String> = []
        for step in baseSteps where step.repeatIndex == 1 {
            guard let head = headSteps.first(where: { $0.entry.name == step.entry.name && $0.scale == step.scale && $0.repeatIndex == 1 }) else { continue }
            let declared = Set(injected[step.entry.name] ?? [])
            let mine = Dictionary(head.parameters, uniquingKeysWith: { $1 }).filter { !declared.contains($0.key) }
            let theirs = Dictionary(step.parameters, uniquingKeysWith: { $1 }).filter { !declared.contains($0.key) }
            if mine != theirs, !refused.contains(step.entry.name) {
                refused.insert(step.entry.name)
                let key = Set(mine.keys).union(theirs.keys).sorted().first { mine[$0] != theirs[$0] } ?? "?"
                notes.append("\(step.entry.name): not compared with the base revision — its parameter \(key) is \(theirs[key] ?? "(none)") there, \(mine[key] ?? "(none)") here")
            }
        }
        return baseSteps.filter { !refused.contains($0.entry.name) }
    }
}
