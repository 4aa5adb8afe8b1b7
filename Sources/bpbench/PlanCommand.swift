import ArgumentParser
import BenchCore
import BenchModel
import BenchProtocol
import BenchSession
import BenchSystem
import Foundation

/// `bpbench plan [run options] --out plan.json`: the plan `run` would resolve, written as a file
/// that shards run slices of (``PlanFile``).
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract:
            "Write the resolved plan (every row × scale × repeat with its parameters, the profile, the source revision) to --out FILE.",
        discussion: """
            Takes run's options (--scenario, --profile, --scale, --param, --repeat, …; --out is the plan file). \
            Each machine then runs `bpbench run --plan FILE --shard I/N` (or --shards N with the index from \
            JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or --shard-from-env VAR), and `bpbench merge` combines \
            the shard folders. --cost-from RUN balances the shards by that run's seconds per unit of scale; \
            --shards N prints the cut.
            """)

    @OptionGroup var options: RunCommand

    @Option(
        help:
            "An earlier run folder: balance shards by each row's measured wall seconds per unit of scale (default: by scale alone)."
    )
    var costFrom: String?

    @Flag(
        help:
            "Plan the CI gate instead: the baseline's plan (its profile, scales, repeats, parameters), shards run with bpbench check --plan FILE --shard I/N, whole rows each; --scenario picks baseline rows."
    )
    var check = false

    @Option(help: "With --check: the baseline the shards judge against.")
    var baseline: String = CheckCommand.defaultBaseline

    @Option(
        help:
            "With --check: NAME.key=value, a changed parameter declared as standing for a code change (to test the gate; repeatable)."
    )
    var inject: [String] = []

    @Flag(help: "With --check: the baseline's repeat count for every row, not adaptive.")
    var fixedRepeats = false

    func run() throws {
        try reportingErrors { () throws -> Void in
            guard let out = options.out else {
                throw BenchError(.usage, "bpbench plan needs --out FILE, the plan file to write")
            }
            if options.sharding.planFile != nil || options.sharding.shard != nil
                || options.sharding.shardFromEnvironment != nil
            {
                throw BenchError(
                    .usage, "--plan, --shard and --shard-from-env belong on bpbench run; bpbench plan makes the plan")
            }
            if options.crashTest != nil || options.attribute {
                throw BenchError(.usage, "--crash-test and --attribute are not planned runs; use bpbench run")
            }
            let catalog = try options.project.catalog()
            var costs = CostModel()
            if let costFrom {
                costs = CostModel(try RunFolder(existing: costFrom).load(), source: costFrom)
            }
            let file = check ? try checkPlan(catalog, costs: costs) : try benchmarkPlan(catalog, costs: costs)
            try file.write(to: out)
            let rows = Set(file.steps.map(\.row)).count
            let recorded = file.steps.filter { !$0.isWarmup }.count
            print(
                "wrote \(out): plan \(file.planID) at revision \(file.revision), \(rows) rows, \(recorded) recorded repeats\(file.maxRepeats.map { " (adaptive up to \($0))" } ?? "") + \(file.steps.count - recorded) warm-ups"
            )
            if let count = options.sharding.shards {
                guard count >= 1 else { throw BenchError(.usage, "--shards must be at least 1, got \(count)") }
                let units = ShardSlicer.units(of: file)
                let shardOf = ShardSlicer.assignment(of: file, shards: count)
                for index in 1...count {
                    let mine = units.indices.filter { shardOf[$0] == index }
                    let cost = mine.map { units[$0].cost }.reduce(0, +)
                    print(
                        "  shard \(index)/\(count): \(mine.count) units, expected cost \(String(format: "%.1f", cost)) (\(file.costBasis))"
                    )
                }
            }
            print(
                "run a shard with: bpbench \(check ? "check" : "run") --plan \(out) --shard I/N --out DIR; then: bpbench merge DIR… --out MERGED"
            )
        }
    }

    /// The plan `run` would resolve from the options.
    func benchmarkPlan(_ catalog: ScenarioCatalog, costs: CostModel) throws(BenchError) -> PlanFile {
        if check || baseline != CheckCommand.defaultBaseline || !inject.isEmpty || fixedRepeats {
            throw BenchError(.usage, "--baseline, --inject and --fixed-repeats shape a check's plan: add --check")
        }
        let resolved = try options.resolvePlan(catalog, forPlanFile: true)
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
        if let given = options.planShapingOption(allowing: ["--scenario"]) {
            throw BenchError(
                .usage,
                "a check's plan is the baseline's: \(given) cannot change it (--scenario picks rows, --inject declares a change)"
            )
        }
        // The project's thresholds, as the shards' check reads them by default: they set the
        // most repeats a row may get.
        var head = try CheckCommand.gatePlan(
            catalog, baselinePath: baseline, rows: options.scenarios, inject: inject, adaptive: !fixedRepeats,
            thresholds: try GateSession.thresholds(nil, project: catalog))
        try options.pinning.apply(to: &head.limits)
        guard !head.plan.steps.isEmpty else {
            throw BenchError(.noInput, "no row of \(baseline) has a scenario in this checkout")
        }
        let check = PlanFile.Check(
            baseline: baseline, baselineDigest: CheckCommand.digest(ofFile: baseline), rows: head.rows,
            injected: head.injected)
        return PlanFile(
            plan: head.plan, revision: PlanFile.currentRevision(projectRoot: catalog.projectRoot), limits: head.limits,
            reference: head.baseline.reference, ciWidth: nil, ciLevel: nil, costs: costs, check: check)
    }
}

/// What `run` executes, resolved from its options or from a plan file's shard.
struct ResolvedRun {
    var plan: RunPlan
    var entries: [ScenarioCatalog.Entry]
    var limits: ChildLimits
    var reference: RowID?
    /// Adaptive repeats' precision target, as fractions.
    var ciWidth: Double
    var ciLevel: Double
    /// Broken scenario folders (the others still run; the run's exit code says so at the end).
    var problems: [BenchError] = []
    /// With `--plan`: the plan file and the slice this machine runs.
    var shard: (file: PlanFile, spec: ShardSpec)?
}

extension RunCommand {
    /// The plan from the command line's options, as `run` always resolved it.
    ///
    /// - Parameter forPlanFile: `bpbench plan` (broken folders are its error; `--shards N` only
    ///   prints the cut).
    func resolvePlan(_ catalog: ScenarioCatalog, forPlanFile: Bool = false) throws(BenchError) -> ResolvedRun {
        let quietProblems = forPlanFile
        if sharding.shard != nil || (sharding.shards != nil && !forPlanFile) || sharding.shardFromEnvironment != nil {
            throw BenchError(
                .usage,
                "--shard, --shards and --shard-from-env cut a plan file: make one with bpbench plan … --out FILE, then run --plan FILE"
            )
        }
        guard let profile = Profile(rawValue: profile) else {
            throw BenchError(
                .usage,
                "unknown profile '\(self.profile)' (known: \(Profile.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        let limits = try makeLimits()
        let scales = try parseScales()
        let selection = try catalog.select(scenarios, includeFixtures: includeFixtures)
        let entries = selection.entries
        // A broken folder is one line now and the run's exit code at the end; the others run.
        if !quietProblems {
            for problem in selection.problems {
                FileHandle.standardError.write(
                    Data("bpbench: error: \(problem.message) (the other scenarios run)\n".utf8))
            }
        }
        guard !entries.isEmpty else {
            throw selection.problems.first
                ?? BenchError(.noInput, "no scenarios found under \(catalog.projectRoot)/Scenarios")
        }
        guard let allocators = Allocator.parse(allocator) else {
            throw BenchError(.usage, "--allocator takes jemalloc, system or both, got '\(allocator)'")
        }
        if allocators.contains(.system),
            !FileManager.default.fileExists(atPath: catalog.binDirectory + "/" + Allocator.systemLibraryName)
        {
            throw BenchError(
                .noInput,
                "--allocator \(allocator) needs \(catalog.binDirectory)/\(Allocator.systemLibraryName); build it first (make build)"
            )
        }
        let policy = try repeatPolicy(profile)
        var plan = try RunPlan(
            entries: entries, profile: profile, repeats: policy.minimum, maxRepeats: policy.maximum, warmups: warmup,
            scales: scales,
            overrides: parameters, allocators: allocators, rows: selection.rows)
        if interleave { plan.interleave() }
        if let reference, !plan.steps.contains(where: { $0.row == reference }) {
            var rows: [RowID] = []
            for step in plan.steps where !rows.contains(step.row) { rows.append(step.row) }
            throw BenchError(
                .usage,
                "--reference \(reference) is not in this run (rows: \(rows.map(\.description).joined(separator: ", ")))"
            )
        }
        return ResolvedRun(
            plan: plan, entries: entries, limits: limits, reference: reference, ciWidth: ciWidth / 100,
            ciLevel: ciLevel / 100,
            problems: selection.problems)
    }

    /// The first option given that shapes a plan (a shard of a plan file, or a check's plan, has
    /// its shape fixed), `allowing` aside.
    func planShapingOption(allowing allowed: Set<String> = []) -> String? {
        let shaping: [(option: String, given: Bool)] = [
            ("--scenario", !scenarios.isEmpty), ("--profile", profile != Profile.standard.rawValue),
            ("--repeat", repeats != nil),
            ("--min-repeats", minRepeats != nil), ("--max-repeats", maxRepeats != nil), ("--ci-width", ciWidth != 5),
            ("--ci-level", ciLevel != 90),
            ("--warmup", warmup != 1), ("--scale", scale != "1"), ("--param", !parameters.isEmpty),
            ("--sample-interval-ms", sampleIntervalMs != 1),
            ("--timeline-interval-ms", timelineIntervalMs != 10), ("--memory-cap", memoryCap != "2GiB"),
            ("--timeout", timeout != 300),
            ("--reference", reference != nil), ("--allocator", allocator != "jemalloc"), ("--interleave", interleave),
            ("--crash-test", crashTest != nil),
        ]
        return shaping.first { $0.given && !allowed.contains($0.option) }?.option
    }

    /// `--plan FILE` (with a shard): the file's settings, this machine's slice of its steps. The
    /// options that shape a plan are refused here — they were fixed when the plan was made.
    func resolveShard(
        _ catalog: ScenarioCatalog, path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(BenchError) -> ResolvedRun {
        if let given = planShapingOption() {
            throw BenchError(.usage, "--plan fixes what runs; \(given) belongs on bpbench plan when the plan is made")
        }
        let file = try PlanFile.load(path)
        if file.check != nil {
            throw BenchError(.usage, "\(path) is a check's plan: run its shards with bpbench check --plan")
        }
        try file.checkRevision(
            PlanFile.currentRevision(projectRoot: catalog.projectRoot, environment: environment), path: path)
        let spec = try sharding.spec(environment: environment)
        // Named scenarios include the hidden fixtures: the plan already chose them.
        let entries = try catalog.select(file.scenarioNames, includeFixtures: true).entries
        let plan = try file.runPlan(ShardSlicer.steps(of: file, shard: spec), entries: entries)
        var limits = file.limits.childLimits
        try pinning.apply(to: &limits)
        return ResolvedRun(
            plan: plan, entries: entries, limits: limits, reference: file.reference,
            ciWidth: file.ciWidth ?? ciWidth / 100, ciLevel: file.ciLevel ?? ciLevel / 100, shard: (file, spec))
    }
}
