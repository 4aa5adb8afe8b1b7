import BenchCore
import BenchModel
import BenchProtocol
import BenchSystem
import Foundation

/// What `run` executes, resolved from its options (``init(_:catalog:forPlanFile:)``) or from a
/// plan file's shard (``init(shardOf:settings:catalog:environment:)``).
package struct ResolvedRun {
    package var plan: RunPlan
    package var entries: [ScenarioCatalog.Entry]
    package var limits: ChildLimits
    package var reference: RowID?
    /// Adaptive repeats' precision target, as fractions.
    package var ciWidth: Double
    package var ciLevel: Double
    /// Broken scenario folders (the others still run; the run's exit code says so at the end).
    package var problems: [BenchError] = []
    /// With `--plan`: the plan file and the slice this machine runs.
    package var shard: (file: PlanFile, spec: ShardSpec)?

    /// The plan from the command line's options, as `run` always resolved it.
    ///
    /// - Parameter forPlanFile: `bpbench plan` (broken folders are its error, not lines on stderr;
    ///   `--shards N` only prints the cut).
    package init(_ settings: RunSettings, catalog: ScenarioCatalog, forPlanFile: Bool = false) throws(BenchError) {
        let sharding = settings.sharding
        if sharding.shard != nil || (sharding.shards != nil && !forPlanFile) || sharding.shardFromEnvironment != nil {
            throw BenchError(
                .usage,
                "--shard, --shards and --shard-from-env cut a plan file: make one with bpbench plan … --out FILE, then run --plan FILE"
            )
        }
        guard let profile = Profile(rawValue: settings.profile) else {
            throw BenchError(
                .usage,
                "unknown profile '\(settings.profile)' (known: \(Profile.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        let limits = try settings.limits()
        let scales = try settings.scales()
        let selection = try catalog.select(settings.scenarios, includeFixtures: settings.includeFixtures)
        let entries = selection.entries
        // A broken folder is one line now and the run's exit code at the end; the others run.
        if !forPlanFile {
            for problem in selection.problems {
                FileHandle.standardError.write(
                    Data("bpbench: error: \(problem.message) (the other scenarios run)\n".utf8))
            }
        }
        guard !entries.isEmpty else {
            throw selection.problems.first
                ?? BenchError(.noInput, "no scenarios found under \(catalog.projectRoot)/Scenarios")
        }
        guard let allocators = Allocator.parse(settings.allocator) else {
            throw BenchError(.usage, "--allocator takes jemalloc, system or both, got '\(settings.allocator)'")
        }
        if allocators.contains(.system),
            !FileManager.default.fileExists(atPath: catalog.binDirectory + "/" + Allocator.systemLibraryName)
        {
            throw BenchError(
                .noInput,
                "--allocator \(settings.allocator) needs \(catalog.binDirectory)/\(Allocator.systemLibraryName); build it first (make build)"
            )
        }
        let policy = try settings.repeatPolicy(profile)
        var plan = try RunPlan(
            entries: entries, profile: profile, repeats: policy.minimum, maxRepeats: policy.maximum,
            warmups: settings.warmup, scales: scales, overrides: settings.parameters, allocators: allocators,
            rows: selection.rows)
        if settings.interleave { plan.interleave() }
        if let reference = settings.reference, !plan.steps.contains(where: { $0.row == reference }) {
            var rows: [RowID] = []
            for step in plan.steps where !rows.contains(step.row) { rows.append(step.row) }
            throw BenchError(
                .usage,
                "--reference \(reference) is not in this run (rows: \(rows.map(\.description).joined(separator: ", ")))"
            )
        }
        self.plan = plan
        self.entries = entries
        self.limits = limits
        reference = settings.reference
        ciWidth = settings.ciWidth / 100
        ciLevel = settings.ciLevel / 100
        problems = selection.problems
    }

    /// `--plan FILE` (with a shard): the file's settings, this machine's slice of its steps. The
    /// options that shape a plan are refused here — they were fixed when the plan was made.
    package init(
        shardOf path: String, settings: RunSettings, catalog: ScenarioCatalog,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(BenchError) {
        if let given = settings.planShapingOption() {
            throw BenchError(.usage, "--plan fixes what runs; \(given) belongs on bpbench plan when the plan is made")
        }
        let file = try PlanFile.load(path)
        if file.check != nil {
            throw BenchError(.usage, "\(path) is a check's plan: run its shards with bpbench check --plan")
        }
        try file.checkRevision(
            PlanFile.currentRevision(projectRoot: catalog.projectRoot, environment: environment), path: path)
        let spec = try settings.sharding.spec(environment: environment)
        // Named scenarios include the hidden fixtures: the plan already chose them.
        entries = try catalog.select(file.scenarioNames, includeFixtures: true).entries
        plan = try file.runPlan(ShardSlicer.steps(of: file, shard: spec), entries: entries)
        limits = file.limits.childLimits
        try limits.pinChildren(to: settings.cpus)
        reference = file.reference
        ciWidth = file.ciWidth ?? settings.ciWidth / 100
        ciLevel = file.ciLevel ?? settings.ciLevel / 100
        shard = (file, spec)
    }
}
