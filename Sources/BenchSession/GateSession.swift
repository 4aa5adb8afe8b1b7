import BenchCore
import BenchGate
import BenchModel
import BenchProtocol
import BenchReport
import BenchSystem
import Foundation

/// What `check` and `gate-proof` share: the baseline's plan rebuilt on this tree, run alone or
/// interleaved with a base revision's, and judged.
package struct GateSession {
    package let project: ScenarioCatalog
    package let baseline: Baseline
    package let thresholds: Thresholds
    package let interruption: Interruption
    package let quiet: Bool
    /// Adaptive repeats (``GateRepeatRule/policy(baselineRepeats:thresholds:adaptive:)``): from
    /// ``GateRepeatRule/minimumRepeats`` up to 7 a side for the cells and 11 for a growth verdict
    /// still to settle; false runs 11 every time.
    package var adaptive = true
    /// The CPUs both sides' children are pinned to (`check --cpus`; ``ChildCPUs``).
    package var cpus: ChildCPUs? = .standard()
    /// `check --against REV` whose scenario code is this tree's (``Gate/sameCodeBase``): no base side.
    package var sameCodeBase: String?

    package init(
        project: ScenarioCatalog, baseline: Baseline, thresholds: Thresholds, interruption: Interruption, quiet: Bool,
        adaptive: Bool = true
    ) {
        self.project = project
        self.baseline = baseline
        self.thresholds = thresholds
        self.interruption = interruption
        self.quiet = quiet
        self.adaptive = adaptive
    }

    package var limits: ChildLimits {
        var limits = ChildLimits()
        limits.sampleIntervalMs = baseline.sampleIntervalMs
        limits.cpus = cpus
        return limits
    }

    /// The baseline's scenarios that `catalog` has, in the baseline's order (missing ones become
    /// "missing from the run" findings), then every other scenario `catalog` discovers: a row the
    /// baseline lacks is judged against the base revision in the same job, or listed as new —
    /// never left out of the plan unsaid.
    package func entries(
        in catalog: ScenarioCatalog, only names: [String]? = nil
    ) throws(BenchError) -> [ScenarioCatalog.Entry] {
        var wanted: [String] = []
        for entry in baseline.entries {
            let scenario = entry.scenario.scenario
            if !wanted.contains(scenario) && (names?.contains(scenario) ?? true) { wanted.append(scenario) }
        }
        // A broken folder the baseline does not cover (a new manifest) must not stop the gate;
        // one it covers is an error, not a silently smaller plan.
        let discovery = catalog.discover()
        let folders = catalog.scenarioFolders(includeFixtures: false)
        for name in wanted where !discovery.entries.contains(where: { $0.name == name }) {
            if let folder = folders.first(where: { $0.name == name }) {
                _ = try catalog.entry(name: name, folder: folder.folder)
            }
        }
        let inBaseline = wanted.compactMap { name in discovery.entries.first { $0.name == name } }
        return inBaseline
            + discovery.entries.filter { entry in
                !entry.description.hidden && !wanted.contains(entry.name) && (names?.contains(entry.name) ?? true)
            }
    }

    /// The baseline's plan (profile, repeats, warm-ups, scales) over `entries`, with `overrides`.
    package func plan(_ entries: [ScenarioCatalog.Entry], overrides: [String]) throws(BenchError) -> RunPlan {
        guard let profile = Profile(rawValue: baseline.profile) else {
            throw BenchError(.data, "the baseline's profile '\(baseline.profile)' is unknown to this bpbench")
        }
        let policy = GateRepeatRule.policy(
            baselineRepeats: baseline.repeats, thresholds: thresholds, adaptive: adaptive)
        var plan = try RunPlan(
            entries: entries, profile: profile, repeats: policy.minimum, maxRepeats: policy.maximum,
            warmups: baseline.warmups,
            scales: baseline.scales, overrides: overrides)
        plan.repeatPolicy = policy
        return plan
    }

    /// A document for one side, before anything ran.
    package func document(
        _ plan: RunPlan, entries: [ScenarioCatalog.Entry], catalog: ScenarioCatalog, injected: [String: [String]]?
    ) -> RunDocument {
        var document = RunDocument(
            plan: plan, entries: entries, limits: limits, projectRoot: catalog.projectRoot,
            binDirectory: catalog.binDirectory, reference: baseline.reference)
        document.injected = injected
        return document
    }

    /// The plan's parameters as a record-less document, to refuse an incomparable plan before
    /// anything runs. Each probe record is named by its step's whole row: a variant
    /// (`micro-batching/batch-10`) or a system-allocator row runs its own settings and is compared
    /// with its own baseline entry — named by scenario alone, every unchanged variant of a
    /// standard- or stress-profile baseline read as "not comparable" (GateSessionComparabilityTests).
    package func incomparability(of plan: RunPlan, injected: [String: [String]]?) -> String? {
        var probe = RunDocument(
            startedAt: "", profile: plan.profile.rawValue, repeats: plan.repeats, warmups: plan.warmups,
            scales: plan.scales,
            limits: limits, environment: baseline.environment)
        probe.injected = injected
        for step in plan.steps where step.repeatIndex == 1 {
            probe.records.append(
                RunRecord(
                    scenario: step.row, repeatIndex: 1, scale: step.scale,
                    parameters: Dictionary(step.parameters, uniquingKeysWith: { $1 }), logFile: ""))
        }
        return baseline.incomparability(probe)
    }

    /// Runs head alone, or interleaved with base, into `directory` (base under `directory/base`),
    /// writes both sides' reports, and judges.
    package func run(
        head: RunPlan, headEntries: [ScenarioCatalog.Entry],
        base: (catalog: ScenarioCatalog, plan: RunPlan, entries: [ScenarioCatalog.Entry])?,
        injected: [String: [String]]?, directory: String
    ) throws(BenchError) -> (head: RunAnalysis, base: RunAnalysis?, report: GateReport) {
        let cache = RunFolder.Reports(projectRoot: project.projectRoot).cache
        let folder = RunFolder(existing: directory)
        let headRunner = BenchRunner(
            catalog: project, limits: limits, cacheDirectory: cache, interruption: interruption)
        var headDocument = document(head, entries: headEntries, catalog: project, injected: injected)
        var baseDocument: RunDocument?
        // Both sides journal each row, so a check killed mid-way is recovered by `bpbench report`.
        let headJournal = try folder.startJournal(headDocument)
        let progress = ProgressPrinter(quiet: quiet)
        // Rows that stopped before the maximum are judged as the rule stopped them: a cell out of
        // reach of a regression at the maximum is "cannot-regress", not "untestable".
        var gate = Gate(
            baseline: baseline, thresholds: thresholds,
            maximumRepeats: head.repeatPolicy.isAdaptive ? head.repeatPolicy.maximum : nil)
        gate.sameCodeBase = sameCodeBase
        if let base {
            let baseFolder = try folder.createBase()
            // The base side runs the rows the head has: a row only the base revision has (deleted
            // since) has nothing to be compared with.
            var basePlan = base.plan
            let headRows = Set(head.steps.map(\.row))
            basePlan.steps = basePlan.steps.filter { headRows.contains($0.row) }
            var document = self.document(
                basePlan, entries: base.entries, catalog: base.catalog, injected: nil)
            let rule = GateRepeatRule(
                gate: gate, head: headDocument, base: document, maximumRepeats: head.repeatPolicy.maximum)
            let baseRunner = BenchRunner(
                catalog: base.catalog, limits: limits, cacheDirectory: cache, interruption: interruption)
            let interleaved = InterleavedRunner(
                head: .init(
                    name: "head", executor: headRunner, plan: head, logDirectory: folder.logsPath, journal: headJournal),
                base: .init(
                    name: "base", executor: baseRunner, plan: basePlan, logDirectory: baseFolder.logsPath,
                    journal: try baseFolder.startJournal(document)),
                interruption: interruption)
            interleaved.execute(head: &headDocument, base: &document, rule: rule, progress: progress.handle)
            document.finishedAt = RunDocument.timestamp()
            baseDocument = document
        } else {
            headRunner.execute(
                head,
                rule: GateRepeatRule(
                    gate: gate, head: headDocument, base: nil, maximumRepeats: head.repeatPolicy.maximum),
                logDirectory: folder.logsPath, journal: headJournal,
                into: &headDocument, progress: progress.handle)
        }
        headDocument.finishedAt = RunDocument.timestamp()
        let reference = baseline.reference
        let headAnalysis = RunAnalysis(headDocument, reference: reference)
        try RunWriter.write(headAnalysis, to: directory)
        let baseAnalysis = baseDocument.map { RunAnalysis($0, reference: reference) }
        if let baseAnalysis { try RunWriter.write(baseAnalysis, to: folder.base.path) }
        let report = gate.evaluate(head: headAnalysis, base: baseAnalysis)
        return (headAnalysis, baseAnalysis, report)
    }

    /// `--thresholds FILE`, else the project's `Reports/thresholds.json` when it exists, else the
    /// built-in defaults.
    package static func thresholds(_ path: String?, project: ScenarioCatalog) throws(BenchError) -> Thresholds {
        let committed = project.projectRoot + "/Reports/thresholds.json"
        return try Thresholds.load(path ?? (FileManager.default.fileExists(atPath: committed) ? committed : nil))
    }

    /// `--inject NAME.key=value`: validated (a scenario of the plan, one of its parameters), and
    /// returned as plan overrides plus the scenario → keys map the documents carry.
    package static func injections(
        _ injects: [String], entries: [ScenarioCatalog.Entry]
    ) throws(BenchError) -> (overrides: [String], injected: [String: [String]]?) {
        var injected: [String: [String]] = [:]
        for inject in injects {
            guard let equals = inject.firstIndex(of: "="), let dot = inject[..<equals].firstIndex(of: ".") else {
                throw BenchError(.usage, "--inject takes NAME.key=value (one scenario's parameter), got '\(inject)'")
            }
            let scenario = String(inject[..<dot])
            let key = String(inject[inject.index(after: dot)..<equals])
            guard let entry = entries.first(where: { $0.name == scenario }) else {
                throw BenchError(
                    .usage,
                    "--inject \(inject): '\(scenario)' is not a scenario of the baseline (known: \(entries.map(\.name).joined(separator: ", ")))"
                )
            }
            guard entry.description.parameter(named: key) != nil else {
                throw BenchError(.usage, "--inject \(inject): \(scenario) has no parameter '\(key)'")
            }
            injected[scenario, default: []].append(key)
        }
        return (injects, injected.isEmpty ? nil : injected)
    }
}
