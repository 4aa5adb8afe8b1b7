import BenchCore
import BenchGate
import BenchModel
import BenchProtocol
import BenchReport
import BenchSystem
import Foundation

/// `bpbench gate-proof`'s steps: what the gate can and cannot see, measured on this machine.
///
/// Everything the proof file names is checked before anything runs; then (b) each injected cell
/// (a scaled parameter, a harness-injected leak, a source edit built as the head) is run as a
/// check against the baseline and an unchanged base interleaved with it, and (a) `checks`
/// unchanged checks run the whole plan on both sides. `gate-proof.md` is rewritten after every
/// step (``ProofTable``), so a proof cut short still shows what it measured.
package struct GateProof {
    /// Unchanged checks to run (each: the whole plan, head and base interleaved).
    package var checks: Int
    /// Limit the unchanged checks and the injections to these scenarios (empty: all).
    package var scenarios: [String]
    /// The proof file: what each injection changes.
    package var spec: String
    package var baseline: String
    /// A thresholds file (nil: Reports/thresholds.json if present).
    package var thresholds: String?
    /// The folder to write (nil: Reports/runs/<timestamp>).
    package var out: String?
    /// Every row runs the maximum repeat count instead of stopping once settled.
    package var fixedRepeats: Bool
    /// `--cpus`, as typed: every check of the proof pins its children to this one set.
    package var cpus: String?
    package var quiet: Bool

    package init(
        checks: Int = 30, scenarios: [String] = [], spec: String = "Reports/gate-proof.json",
        baseline: String = "Reports/baseline.json", thresholds: String? = nil, out: String? = nil,
        fixedRepeats: Bool = false, cpus: String? = nil, quiet: Bool = false
    ) {
        self.checks = checks
        self.scenarios = scenarios
        self.spec = spec
        self.baseline = baseline
        self.thresholds = thresholds
        self.out = out
        self.fixedRepeats = fixedRepeats
        self.cpus = cpus
        self.quiet = quiet
    }

    /// The command line's defaults.
    package static let defaults = GateProof()

    /// Runs the proof and writes `gate-proof.md`; true when its targets are met (no false alarm,
    /// no unchanged check that judged nothing, every required injection detected). `catalog` is
    /// asked once the options are checked.
    package func execute(catalog makeCatalog: () throws(BenchError) -> ScenarioCatalog) throws(BenchError) -> Bool {
        guard checks >= 0 else { throw BenchError(.usage, "--checks must be 0 or more") }
        let catalog = try makeCatalog()
        var baselineFile = try Baseline.load(baseline)
        if !scenarios.isEmpty {
            baselineFile = try baselineFile.restricted(toRows: scenarios.map { $0 + "/" + RowSelection.everyRow })
        }
        let limits = try GateSession.thresholds(thresholds, project: catalog)
        let proof = try ProofSpec.load(spec).narrowed(to: scenarios)
        // Every check of the proof — unchanged and injected, both sides — pins its children
        // to one set, resolved (and refused, 64) before anything runs.
        let cpus = try ChildCPUs.resolve(self.cpus)
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
            throw BenchError(.data, "not comparable with \(baseline): \(difference) (make baseline records a new one)")
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
            let check = ProofTable.UnchangedCheck(
                findings: result.report.findings, judged: result.report.judgements.count,
                boundedRows: boundedRows.intersection(result.head.verdicts.keys).count, children: children,
                seconds: Date().timeIntervalSince(checkStarted),
                notComparable: result.report.nothingJudged(in: result.head.document))
            table.unchanged.append(check)
            try save(final: false)
            say(
                "unchanged check \(index)/\(checks): \(Self.outcome(of: check)) (\(children) recorded children, \(Int(check.seconds.rounded())) s)"
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

    /// An unchanged check's outcome in its progress line: a pass only when it judged something
    /// and found nothing — one that judged no cell showed nothing about false alarms, and the
    /// table counts it against the targets (``ProofTable/notComparableChecks``), so the line says so.
    package static func outcome(of check: ProofTable.UnchangedCheck) -> String {
        if !check.findings.isEmpty {
            return "FALSE ALARM: " + check.findings.map(\.description).joined(separator: "; ")
        }
        if let reason = check.notComparable { return "NOT COMPARABLE, not a pass: \(reason)" }
        return "pass"
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
    package static func scaled(
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
