import BenchCore
import BenchGate
import BenchModel
import BenchSystem
import Foundation

/// `bpbench plan`'s steps: check what a plan cannot carry, resolve the plan `run` would (or, with
/// `--check`, the one `check` would: the baseline's), price it (`--cost-from`), write the plan
/// file, print what it holds and (`--shards N`) each shard's expected cost.
package struct PlanWriter {
    /// The plan-shaping options (`run`'s).
    package var settings: RunSettings
    /// `--out`: the plan file to write.
    package var out: String?
    /// `--cost-from RUN`: balance shards by that run's seconds per unit of scale.
    package var costFrom: String?
    /// `--attribute` was given (not a planned run).
    package var attribute = false
    /// `--check`: plan the CI gate from the baseline instead.
    package var check = false
    /// With `--check`: the baseline the shards judge against.
    package var baseline = PlanWriter.defaultBaseline
    /// With `--check`: declared parameter changes, NAME.key=value.
    package var inject: [String] = []
    /// With `--check`: the baseline's repeat count for every row, not adaptive.
    package var fixedRepeats = false

    /// The baseline `check` and `plan --check` read unless told otherwise.
    package static let defaultBaseline = "Reports/baseline.json"

    package init(settings: RunSettings) {
        self.settings = settings
    }

    /// Checks the options, resolves and writes the plan file, and prints what it holds.
    package func write(catalog: () throws(BenchError) -> ScenarioCatalog) throws(BenchError) {
        guard let out else {
            throw BenchError(.usage, "bpbench plan needs --out FILE, the plan file to write")
        }
        let sharding = settings.sharding
        if sharding.planFile != nil || sharding.shard != nil || sharding.shardFromEnvironment != nil {
            throw BenchError(
                .usage, "--plan, --shard and --shard-from-env belong on bpbench run; bpbench plan makes the plan")
        }
        if settings.crashTest != nil || attribute {
            throw BenchError(.usage, "--crash-test and --attribute are not planned runs; use bpbench run")
        }
        let catalog = try catalog()
        var costs = CostModel()
        if let costFrom {
            costs = CostModel(try RunFolder(existing: costFrom).load(), source: costFrom)
        }
        let file = check ? try checkPlan(catalog, costs: costs) : try benchmarkPlan(catalog, costs: costs)
        try file.write(to: out)
        let rows = Set(file.steps.map(\.row)).count
        let recorded = file.steps.filter { !$0.isWarmup }.count
        print(
            "wrote \(out): plan \(file.planID) at revision \(file.revision), \(rows) rows, \(recorded) recorded repeats\(Self.adaptiveText(file)) + \(file.steps.count - recorded) warm-ups"
        )
        if let count = sharding.shards {
            guard count >= 1 else { throw BenchError(.usage, "--shards must be at least 1, got \(count)") }
            for line in Self.cut(file, shards: count) { print(line) }
        }
        print(
            "run a shard with: bpbench \(check ? "check" : "run") --plan \(out) --shard I/N --out DIR; then: bpbench merge DIR… --out MERGED"
        )
    }

    /// " (adaptive up to 11: …)", the most repeats a row of the plan can get — its ceiling when it
    /// has one (a check's growth-verdict run-on), not the maximum most rows stop at — or nothing
    /// for fixed repeats.
    package static func adaptiveText(_ file: PlanFile) -> String {
        guard let maximum = file.maxRepeats else { return "" }
        guard let ceiling = file.repeatCeiling, ceiling > maximum else { return " (adaptive up to \(maximum))" }
        return
            " (adaptive up to \(ceiling): \(maximum) at most, up to \(ceiling) while a growth verdict that would be a finding is inconclusive)"
    }

    /// One line per shard of `file` cut `shards` ways: its units and their expected cost.
    package static func cut(_ file: PlanFile, shards count: Int) -> [String] {
        let units = ShardSlicer.units(of: file)
        let shardOf = ShardSlicer.assignment(of: file, shards: count)
        return (1...count).map { index in
            let mine = units.indices.filter { shardOf[$0] == index }
            let cost = mine.map { units[$0].cost }.reduce(0, +)
            return
                "  shard \(index)/\(count): \(mine.count) units, expected cost \(String(format: "%.1f", cost)) (\(file.costBasis))"
        }
    }

    /// The plan `run` would resolve from the options.
    func benchmarkPlan(_ catalog: ScenarioCatalog, costs: CostModel) throws(BenchError) -> PlanFile {
        if check || baseline != Self.defaultBaseline || !inject.isEmpty || fixedRepeats {
            throw BenchError(.usage, "--baseline, --inject and --fixed-repeats shape a check's plan: add --check")
        }
        let resolved = try ResolvedRun(settings, catalog: catalog, forPlanFile: true)
        // A plan is shipped to machines that cannot ask again: one missing a scenario is wrong.
        if let problem = resolved.problems.first { throw problem }
        return PlanFile(
            plan: resolved.plan, revision: PlanFile.currentRevision(projectRoot: catalog.projectRoot),
            limits: resolved.limits,
            reference: resolved.reference, ciWidth: resolved.ciWidth, ciLevel: resolved.ciLevel, costs: costs)
    }

    /// `--check`: the plan `check` runs from the baseline (the rows --scenario picks, --inject's
    /// declared changes), with what its shards must agree on — the baseline's digest, the rows.
    func checkPlan(_ catalog: ScenarioCatalog, costs: CostModel) throws(BenchError) -> PlanFile {
        if let given = settings.planShapingOption(allowing: ["--scenario"]) {
            throw BenchError(
                .usage,
                "a check's plan is the baseline's: \(given) cannot change it (--scenario picks rows, --inject declares a change)"
            )
        }
        // The project's thresholds, as the shards' check reads them by default: they set the
        // most repeats a row may get.
        var head = try CheckHead(
            baselinePlanOf: catalog, baselinePath: baseline, rows: settings.scenarios, inject: inject,
            adaptive: !fixedRepeats, thresholds: try GateSession.thresholds(nil, project: catalog))
        try head.limits.pinChildren(to: settings.cpus)
        guard !head.plan.steps.isEmpty else {
            throw BenchError(.noInput, "no row of \(baseline) has a scenario in this checkout")
        }
        let check = PlanFile.Check(
            baseline: baseline, baselineDigest: PlanFile.contentDigest(ofFile: baseline), rows: head.rows,
            injected: head.injected)
        return PlanFile(
            plan: head.plan, revision: PlanFile.currentRevision(projectRoot: catalog.projectRoot), limits: head.limits,
            reference: head.baseline.reference, ciWidth: nil, ciLevel: nil, costs: costs, check: check)
    }
}
