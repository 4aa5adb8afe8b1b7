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
/// step (``ProofTable``), so a proof cut short still shows what it measured, and every finished
/// step is recorded (``GateProofJournal``), so `--resume DIR` runs only the steps not yet done.
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
    /// `--resume DIR`: continue the proof in DIR (its steps not yet finished), instead of a new one.
    package var resume: String?
    package var quiet: Bool

    package init(
        checks: Int = 30, scenarios: [String] = [], spec: String = "Reports/gate-proof.json",
        baseline: String = "Reports/baseline.json", thresholds: String? = nil, out: String? = nil,
        fixedRepeats: Bool = false, cpus: String? = nil, resume: String? = nil, quiet: Bool = false
    ) {
        self.checks = checks
        self.scenarios = scenarios
        self.spec = spec
        self.baseline = baseline
        self.thresholds = thresholds
        self.out = out
        self.fixedRepeats = fixedRepeats
        self.cpus = cpus
        self.resume = resume
        self.quiet = quiet
    }

    /// The command line's defaults.
    package static let defaults = GateProof()

    /// Runs the proof and writes `gate-proof.md`; true when its targets are met (no false alarm,
    /// no unchanged check that judged nothing, every required injection detected). `catalog` is
    /// asked once the options are checked.
    package func execute(catalog makeCatalog: () throws(BenchError) -> ScenarioCatalog) throws(BenchError) -> Bool {
        guard checks >= 0 else { throw BenchError(.usage, "--checks must be 0 or more") }
        if resume != nil, out != nil {
            throw BenchError(.usage, "--resume DIR continues the proof in DIR; it cannot be combined with --out")
        }
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
        let environment = HostEnvironment.capture(projectRoot: catalog.projectRoot, childCPUs: cpus)
        let identity = Self.identity(
            of: self, catalog: catalog, thresholds: limits, cpus: cpus, environment: environment)
        var journal: GateProofJournal
        if let resume {
            journal = try GateProofJournal.resume(directory: (resume as NSString).standardizingPath, identity: identity)
        } else {
            let folder = try RunFolder.create(out: out, in: RunFolder.Reports(projectRoot: catalog.projectRoot)).path
            journal = try GateProofJournal.start(directory: folder, identity: identity)
        }
        let directory = journal.directory
        var table = ProofTable()
        // Written after every step, so a proof cut short still shows what it measured.
        func save(final: Bool) throws(BenchError) {
            let text = table.markdown(
                minutes: journal.minutes(), baseline: baseline, environment: environment, narrowedTo: scenarios,
                sessions: journal.spans())
            try AtomicFile.write(final ? text : text + "\n_(in progress)_\n", to: directory + "/gate-proof.md")
        }

        for (index, cell) in proof.cells.enumerated() {
            guard let entry = entries.first(where: { $0.name == cell.scenario }) else { continue }
            // Two code changes may edit one scenario: they are told apart by their place in the file.
            let id =
                "\(cell.scenario)-\(cell.kind.rawValue)"
                + (cell.factor.map { "-x\($0)" } ?? (cell.kind == .code ? "-\(index + 1)" : ""))
            if case .cell(let row) = journal.finished(id) {
                table.cells.append(row)
                say("\(id): \(row.mark) — \(row.effect) (finished in an earlier session)")
                continue
            }
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
            let step = try journal.step(id) { folder throws(BenchError) -> GateProofJournal.Result in
                let result = try cellSession.run(
                    head: headPlan, headEntries: [head.entry], base: (catalog, basePlan, [entry]),
                    injected: [cell.scenario: overrides.isEmpty ? [head.injection] : cell.parameterNames],
                    directory: folder)
                try AtomicFile.write(
                    result.report.markdown(title: "gate-proof cell: \(cell.scenario) \(injection)"),
                    to: folder + "/check.md")
                try Self.stopIfInterrupted(interruption, directory: directory)
                return .cell(
                    ProofTable.Cell(
                        scenario: cell.scenario, kind: cell.kind, findingKind: cell.findingKind, factor: cell.factor,
                        injection: injection,
                        required: cell.required, scales: cell.kind == .leak ? basePlan.scales : [],
                        report: result.report,
                        repeats: ProofTable.repeats(result.head)))
            }
            guard case .cell(let row) = step.result else { continue }
            table.cells.append(row)
            try save(final: false)
            say(
                "\(cell.scenario) \(cell.kind.rawValue)\(cell.factor.map { " ×\($0)" } ?? "") (\(row.injection)): \(row.mark) — \(row.effect)"
            )
        }
        let boundedRows = Set(
            baselineFile.entries.filter { $0.verdict == .bounded }.map(\.scenario))
        for index in 1...max(checks, 1) where checks > 0 {
            let step = try journal.step("unchanged-\(index)") { folder throws(BenchError) -> GateProofJournal.Result in
                let base = (catalog: catalog, plan: plan, entries: entries)
                let checkStarted = Date()
                let result = try session.run(
                    head: plan, headEntries: entries, base: base, injected: nil, directory: folder)
                try Self.stopIfInterrupted(interruption, directory: directory)
                let children = result.head.document.records.count + (result.base?.document.records.count ?? 0)
                return .unchanged(
                    ProofTable.UnchangedCheck(
                        findings: result.report.findings, judged: result.report.judgements.count,
                        boundedRows: boundedRows.intersection(result.head.verdicts.keys).count, children: children,
                        seconds: Date().timeIntervalSince(checkStarted),
                        notComparable: result.report.nothingJudged(in: result.head.document)))
            }
            guard case .unchanged(let check) = step.result else { continue }
            table.unchanged.append(check)
            try save(final: false)
            say(
                "unchanged check \(index)/\(checks): \(Self.outcome(of: check)) (\(check.children) recorded children, \(Int(check.seconds.rounded())) s\(step.resumed ? "; finished in an earlier session" : ""))"
            )
        }

        try journal.close()
        try save(final: true)
        print(
            table.markdown(
                minutes: journal.minutes(), baseline: baseline, environment: environment, narrowedTo: scenarios,
                sessions: journal.spans()))
        print("wrote \(directory)/gate-proof.md")
        return table.targetsMet
    }

    /// A step cut by Ctrl-C or SIGTERM measured part of its plan: it is not recorded, and
    /// `--resume` runs it again.
    static func stopIfInterrupted(_ interruption: Interruption, directory: String) throws(BenchError) {
        if interruption.isInterrupted {
            throw BenchError(
                .interrupted,
                "interrupted; partial results in \(directory) (bpbench gate-proof --resume \(directory) continues it)")
        }
    }

    /// What identifies this proof (``GateProofJournal/Identity``): a resumed one must match it.
    static func identity(
        of proof: GateProof, catalog: ScenarioCatalog, thresholds: Thresholds, cpus: ChildCPUs,
        environment: HostEnvironment
    ) -> GateProofJournal.Identity {
        GateProofJournal.Identity(
            commit: environment.gitCommit,
            scenarioInputs: PatchedTree.digest(of: catalog.scenarioInputs, in: catalog.projectRoot) ?? "unreadable",
            proofFile: PlanFile.contentDigest(ofFile: proof.spec),
            baseline: PlanFile.contentDigest(ofFile: proof.baseline),
            thresholds: CheckRecord.digest(thresholds), checks: proof.checks, scenarios: proof.scenarios,
            cpus: cpus.description, fixedRepeats: proof.fixedRepeats,
            host: HostFingerprint(environment).description + ", kernel \(environment.kernel)")
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
