import ArgumentParser
import BenchCore
import BenchGate
import BenchModel
import BenchProtocol
import BenchReport
import BenchSession
import BenchSystem
import Foundation

/// `bpbench gate-proof`: what the gate can and cannot see, measured on this machine.
///
/// (a) `--checks` unchanged checks, each the full baseline plan run twice interleaved (the same
/// binaries on both sides) and judged exactly as `check --against` judges: any finding is a
/// false alarm. (b) For every scenario the proof file names, regressions injected on the head
/// side only, each judged against the baseline and an unchanged base run interleaved with it:
/// its own parameters scaled (what holds its memory ×1.25, ×1.5, ×2, its throughput ×0.5, its
/// latency ×2), a harness-injected leak of a share of every item's bytes (ScenarioKit honours
/// ``ResultProtocol/injectedLeakVariable``: no build, no parameter), and source edits built as
/// the head (``PatchedTree``). Every rate is reported with its exact 95 % interval.
struct GateProofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate-proof",
        abstract: "Measure the gate's false-alarm rate and detection power on this machine; write gate-proof.md.",
        discussion:
            "Exit codes: 0 targets met (no false alarm; every required injection detected — ×1.5/×2 memory, ×0.5 throughput, ×2 latency, the leak at every scale, each code change); 1 a target missed; 64/65/66 as check; 65 also for a proof file whose code change's find text is not in its file exactly once (nothing is written)."
    )

    @OptionGroup var project: ProjectOptions

    @Option(help: "Unchanged checks to run (each: the whole plan, head and base interleaved).")
    var checks: Int = 30

    @Option(
        name: .customLong("scenario"),
        help: "Limit the unchanged checks and the injections to this scenario (repeatable): a quick proof of one row.")
    var scenarios: [String] = []

    @Option(help: "The proof file: what each injection changes.")
    var spec: String = "Reports/gate-proof.json"

    @Option(help: "The baseline file.")
    var baseline: String = "Reports/baseline.json"

    @Option(help: "A thresholds file (default: Reports/thresholds.json if present).")
    var thresholds: String?

    @Option(help: "The folder to write (default: Reports/runs/<timestamp>).")
    var out: String?

    @Flag(
        help:
            "Run the maximum repeat count (the baseline's, raised to what a same-job test needs, 7 at α = 0.001) for every row instead of stopping a row early once the gate's answer for it cannot change."
    )
    var fixedRepeats = false

    @OptionGroup var pinning: CPUOptions

    @Flag(help: "No progress lines.")
    var quiet = false

    func run() throws {
        let met = try reportingErrors { () throws(BenchError) -> Bool in
            guard checks >= 0 else { throw BenchError(.usage, "--checks must be 0 or more") }
            let catalog = try project.catalog()
            var baselineFile = try Baseline.load(baseline)
            if !scenarios.isEmpty {
                baselineFile = try baselineFile.restricted(toRows: scenarios.map { $0 + "/" + RowSelection.everyRow })
            }
            let limits = try GateSession.thresholds(thresholds, project: catalog)
            let proof = try ProofSpec.load(spec).narrowed(to: scenarios)
            // Every check of the proof — unchanged and injected, both sides — pins its children
            // to one set, resolved (and refused, 64) before anything runs.
            let cpus = try ChildCPUs.resolve(pinning.cpus)
            let interruption = Interruption()
            interruption.install()
            var session = GateSession(
                project: catalog, baseline: baselineFile, thresholds: limits, interruption: interruption, quiet: true,
                adaptive: !fixedRepeats)
            session.cpus = cpus
            let entries = try session.entries(in: catalog, only: scenarios.isEmpty ? nil : scenarios)
            // Everything the proof file names is checked before anything runs or is written.
            try proof.validate(path: spec, projectRoot: catalog.projectRoot, entries: entries)
            let plan = try session.plan(entries, overrides: [])
            if let difference = session.incomparability(of: plan, injected: nil) {
                throw BenchError(
                    .data, "not comparable with \(baseline): \(difference) (make baseline records a new one)")
            }
            let directory = try RunFolder.create(out: out, in: RunFolder.Reports(projectRoot: catalog.projectRoot)).path
            var table = ProofTable()
            let started = Date()
            let environment = HostEnvironment.capture(projectRoot: catalog.projectRoot, childCPUs: cpus)
            // Written after every step, so a proof cut short still shows what it measured.
            func save(final: Bool) throws(BenchError) {
                let text = table.markdown(
                    minutes: Date().timeIntervalSince(started) / 60, baseline: baseline, environment: environment,
                    narrowedTo: scenarios)
                try AtomicFile.write(final ? text : text + "\n_(in progress)_\n", to: directory + "/gate-proof.md")
            }

            for (index, cell) in proof.cells.enumerated() {
                guard let entry = entries.first(where: { $0.name == cell.scenario }) else { continue }
                let head = try Self.head(of: cell, entry: entry, catalog: catalog, spec: spec, log: say)
                var cellSession = GateSession(
                    project: head.catalog, baseline: baselineFile.restricted(to: RowID(scenario: cell.scenario)),
                    thresholds: limits,
                    interruption: interruption, quiet: true, adaptive: !fixedRepeats)
                cellSession.cpus = cpus
                let basePlan = try cellSession.plan([entry], overrides: [])
                var overrides: [String] = []
                if case .parameters(let parameters) = cell.injection, let factor = cell.factor {
                    for parameter in parameters {
                        overrides.append(
                            "\(parameter)=\(try Self.scaled(entry: entry, plan: basePlan, parameter: parameter, by: factor))"
                        )
                    }
                }
                let headPlan = try cellSession.plan([head.entry], overrides: overrides.map { "\(cell.scenario).\($0)" })
                let injection = overrides.isEmpty ? head.injection : overrides.joined(separator: ", ")
                // Two code changes may edit one scenario: they are told apart by their place in the file.
                let folder =
                    directory + "/\(cell.scenario)-\(cell.kind.rawValue)"
                    + (cell.factor.map { "-x\($0)" } ?? (cell.kind == .code ? "-\(index + 1)" : ""))
                _ = try RunFolder.create(exactly: folder)
                let result = try cellSession.run(
                    head: headPlan, headEntries: [head.entry], base: (catalog, basePlan, [entry]),
                    injected: [cell.scenario: overrides.isEmpty ? [head.injection] : cell.parameterNames],
                    directory: folder)
                try AtomicFile.write(
                    result.report.markdown(title: "gate-proof cell: \(cell.scenario) \(injection)"),
                    to: folder + "/check.md")
                if interruption.isInterrupted {
                    throw BenchError(.interrupted, "interrupted; partial results in \(directory)")
                }
                let row = ProofTable.Cell(
                    scenario: cell.scenario, kind: cell.kind, findingKind: cell.findingKind, factor: cell.factor,
                    injection: injection,
                    required: cell.required, scales: cell.kind == .leak ? basePlan.scales : [], report: result.report,
                    repeats: ProofTable.repeats(result.head))
                table.cells.append(row)
                try save(final: false)
                say(
                    "\(cell.scenario) \(cell.kind.rawValue)\(cell.factor.map { " ×\($0)" } ?? "") (\(row.injection)): \(row.mark) — \(row.effect)"
                )
            }
            let boundedRows = Set(
                baselineFile.entries.filter { $0.verdict == .bounded }.map(\.scenario))
            for index in 1...max(checks, 1) where checks > 0 {
                let folder = directory + "/unchanged-\(index)"
                _ = try RunFolder.create(exactly: folder)
                let base = (catalog: catalog, plan: plan, entries: entries)
                let checkStarted = Date()
                let result = try session.run(
                    head: plan, headEntries: entries, base: base, injected: nil, directory: folder)
                if interruption.isInterrupted {
                    throw BenchError(.interrupted, "interrupted; partial results in \(directory)")
                }
                let children = result.head.document.records.count + (result.base?.document.records.count ?? 0)
                table.unchanged.append(
                    .init(
                        findings: result.report.findings, judged: result.report.judgements.count,
                        boundedRows: boundedRows.intersection(result.head.verdicts.keys).count, children: children,
                        seconds: Date().timeIntervalSince(checkStarted),
                        notComparable: result.report.nothingJudged(
                            rowsRun: CheckCommand.rowsRun(result.head.document))))
                try save(final: false)
                say(
                    "unchanged check \(index)/\(checks): \(result.report.findings.isEmpty ? "pass" : "FALSE ALARM: " + result.report.findings.map(\.description).joined(separator: "; ")) (\(children) recorded children, \(Int(Date().timeIntervalSince(checkStarted).rounded())) s)"
                )
            }

            try save(final: true)
            print(
                table.markdown(
                    minutes: Date().timeIntervalSince(started) / 60, baseline: baseline, environment: environment,
                    narrowedTo: scenarios))
            print("wrote \(directory)/gate-proof.md")
            return table.targetsMet
        }
        if !met { throw ExitCode(1) }
    }

    /// The head side of `cell`: the catalog its children come from (with the leak's variable, or
    /// the patched tree's build), the scenario's entry there, and the injection in words.
    static func head(
        of cell: ProofSpec.Cell, entry: ScenarioCatalog.Entry, catalog: ScenarioCatalog, spec: String,
        log: (String) -> Void
    ) throws(BenchError) -> (catalog: ScenarioCatalog, entry: ScenarioCatalog.Entry, injection: String) {
        switch cell.injection {
        case .parameters:
            return (catalog, entry, "")
        case .leak(let leak):
            return (
                catalog.withChildEnvironment([ResultProtocol.injectedLeakVariable: String(leak.perItem)]), entry,
                "leak \(leak.text) of each item's bytes (harness-injected: \(ResultProtocol.injectedLeakVariable)=\(leak.perItem))"
            )
        case .code(let change):
            let patched = try PatchedTree.prepare(change, spec: spec, project: catalog, log: log)
            log(patched.note)
            let headEntry = try patched.catalog.entry(
                name: entry.name, folder: patched.catalog.projectRoot + "/Scenarios/" + entry.name)
            return (
                patched.catalog, headEntry,
                "\(change.what) (`\(change.file)`: `\(change.find.trimmingCharacters(in: .whitespacesAndNewlines))` → `\(change.replace.trimmingCharacters(in: .whitespacesAndNewlines))`)"
            )
        }
    }

    func say(_ line: String) {
        if !quiet { print(line) }
        fflush(nil)
    }

    /// The plan's value of `parameter` × `factor`, in the parameter's base unit.
    static func scaled(
        entry: ScenarioCatalog.Entry, plan: RunPlan, parameter: String, by factor: Double
    ) throws(BenchError) -> String {
        guard let spec = entry.description.parameter(named: parameter),
            let text = plan.steps.first?.parameters.first(where: { $0.0 == parameter })?.1
        else {
            throw BenchError(.data, "\(entry.name) has no parameter '\(parameter)'")
        }
        let value: ParameterValue
        do { value = try spec.parse(text) } catch { throw BenchError(.data, "\(entry.name).\(parameter): \(error)") }
        switch value {
        case .integer(let number): return String(Int((Double(number) * factor).rounded()))
        case .real(let number): return String(number * factor)
        case .flag, .text: throw BenchError(.data, "\(entry.name).\(parameter) is not numeric; it cannot be scaled")
        }
    }
}
