import ArgumentParser
import BenchModel
import BenchSession

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
    var baseline: String = PlanWriter.defaultBaseline

    @Option(
        help:
            "With --check: NAME.key=value, a changed parameter declared as standing for a code change (to test the gate; repeatable)."
    )
    var inject: [String] = []

    @Flag(
        help:
            "With --check: every row to the most the adaptive rule can reach (11 a side: the growth verdict's run-on), fixed, not adaptive."
    )
    var fixedRepeats = false

    func run() throws {
        var writer = PlanWriter(settings: options.settings)
        writer.out = options.out
        writer.costFrom = costFrom
        writer.attribute = options.attribute
        writer.check = check
        writer.baseline = baseline
        writer.inject = inject
        writer.fixedRepeats = fixedRepeats
        try reportingErrors { () throws -> Void in
            try writer.write(catalog: options.project.catalog)
        }
    }
}
