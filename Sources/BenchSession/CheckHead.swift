import BenchCore
import BenchGate
import BenchModel
import BenchSystem
import Foundation

/// What this machine's check runs and judges: the baseline's plan (or a shard of a check's plan),
/// the baseline restricted to the rows it judges. `check` runs it; `plan --check` writes it down.
package struct CheckHead {
    package var baselinePath: String
    package var baseline: Baseline
    package var entries: [ScenarioCatalog.Entry]
    package var plan: RunPlan
    package var injected: [String: [String]]?
    /// The rows the base revision runs too (nil: all of the baseline's).
    package var selectedRows: Set<RowID>?
    /// The baseline rows judged here.
    package var rows: [RowID]
    /// The children's limits (the baseline's sampling interval).
    package var limits: ChildLimits
    package var shard: (file: PlanFile, spec: ShardSpec)?

    /// The baseline's rows in its order, each once.
    package static func rows(of baseline: Baseline) -> [RowID] {
        baseline.entries.reduce(into: [RowID]()) { rows, entry in
            if !rows.contains(entry.scenario) { rows.append(entry.scenario) }
        }
    }
}

extension CheckHead {
    /// The baseline's plan over the rows `rows` selects (all when empty), with `inject`'s
    /// declared changes: what an unsharded check runs, and what `bpbench plan --check` writes.
    /// A plan the baseline cannot judge (another profile, scales or parameters) is refused, 65,
    /// before anything runs. The thresholds set the most repeats a side may get
    /// (``GateRepeatRule/policy(baselineRepeats:thresholds:adaptive:)``).
    package init(
        baselinePlanOf catalog: ScenarioCatalog, baselinePath: String, rows: [String], inject: [String],
        adaptive: Bool, thresholds: Thresholds
    ) throws(BenchError) {
        let loaded = try Baseline.load(baselinePath)
        let baselineFile = rows.isEmpty ? loaded : try loaded.restricted(toRows: rows)
        let session = GateSession(
            project: catalog, baseline: baselineFile, thresholds: thresholds, interruption: Interruption(), quiet: true,
            adaptive: adaptive)
        // With --scenario, the selected rows only (a selected base row leaves its variants out,
        // and no scenario the baseline lacks is added).
        let selectedRows = rows.isEmpty ? nil : Set(baselineFile.entries.map(\.scenario))
        let entries = try session.entries(
            in: catalog, only: selectedRows.map { Set($0.map(\.scenario)).sorted() })
        let (overrides, injected) = try GateSession.injections(inject, entries: entries)
        var plan = try session.plan(entries, overrides: overrides)
        if let selectedRows { plan.steps = plan.steps.filter { selectedRows.contains($0.row) } }
        if let difference = session.incomparability(of: plan, injected: injected) {
            throw BenchError(
                .data, "not comparable with \(baselinePath): \(difference) (make baseline records a new one)")
        }
        // The baseline's rows, then the rows it lacks that the plan runs (judged same-job only).
        var judged = Self.rows(of: baselineFile)
        for step in plan.steps where !judged.contains(step.row) { judged.append(step.row) }
        self.init(
            baselinePath: baselinePath, baseline: baselineFile, entries: entries, plan: plan, injected: injected,
            selectedRows: selectedRows, rows: judged, limits: session.limits, shard: nil)
    }

    /// `--plan FILE`: this machine's shard of a check's plan — its rows' steps as the plan has
    /// them, judged against the plan's baseline (`baseline`, when given, must be that file)
    /// restricted to those rows. What shapes the plan was fixed when it was made
    /// (``CheckSettings/mode()`` refuses it here).
    package init(
        shardOf path: String, sharding: ShardRequest, baseline: String?, catalog: ScenarioCatalog,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(BenchError) {
        let file = try PlanFile.load(path)
        guard let check = file.check else {
            throw BenchError(
                .usage,
                "\(path) is a benchmark plan (run its shards with bpbench run --plan); a check's plan is made with bpbench plan --check"
            )
        }
        try file.checkRevision(
            PlanFile.currentRevision(projectRoot: catalog.projectRoot, environment: environment), path: path)
        let spec = try sharding.spec(environment: environment)
        let baselinePath = baseline ?? check.baseline
        var restricted = try Baseline.load(baselinePath)
        guard PlanFile.contentDigest(ofFile: baselinePath) == check.baselineDigest else {
            throw BenchError(
                .data,
                "\(baselinePath) is not the baseline plan \(file.planID) was made from (\(check.baseline), digest \(check.baselineDigest)); judge every shard against the plan's baseline"
            )
        }
        let rows = ShardSlicer.checkRows(of: file, shard: spec)
        restricted.entries = restricted.entries.filter { rows.contains($0.scenario) }
        // Named scenarios include the hidden fixtures: the plan already chose them.
        let entries = try catalog.select(file.scenarioNames, includeFixtures: true).entries
        self.init(
            baselinePath: baselinePath, baseline: restricted, entries: entries,
            plan: try file.runPlan(ShardSlicer.steps(of: file, shard: spec), entries: entries),
            injected: check.injected, selectedRows: Set(rows), rows: rows, limits: file.limits.childLimits,
            shard: (file, spec))
    }
}
