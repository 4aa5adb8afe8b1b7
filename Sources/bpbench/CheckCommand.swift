import ArgumentParser
import BenchSession
import BenchSystem

/// `bpbench check`: the CI gate.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run the baseline's plan (or judge --run DIR) and exit 1 on a regression.",
        discussion: """
            With a base revision built and run in this job, interleaved (--against REV), every figure is \
            judged against it; the committed baseline judges status and growth verdict and reports drift. \
            When REV's scenario code is this tree's, no base side runs: status and growth verdict are judged \
            against the baseline and the figures not at all (identical binaries cannot regress; a note counts them). \
            Without one, machine-stable figures (peak allocated, gauge maxima) are judged against the \
            baseline and machine-bound ones (throughput, latency, CPU, peak RSS) are not judged. A regression \
            must be significant (one-sided Mann–Whitney U, p below the same-job or baseline alpha) and larger \
            than the metric's minEffect (or 3 × the cell's own noise).
            Writes check.md and check.json (the same judgements as data) into the run folder. A memory \
            finding of a Swift row is followed by one heap-profiled repeat per side, and check.md names \
            the allocation stacks that grew (--no-what-grew, --what-grew-rows). Sharded: \
            bpbench plan --check … --out P, then on each machine bpbench check --plan P --shard I/N (or --shards N \
            with the index from the environment), then bpbench merge SHARD… --out DIR for one verdict.
            Exit codes: 0 pass; 1 regression (one line each); 64 usage; 65 not comparable with the \
            baseline, no cell could be judged (check.md says why), a plan of another revision or baseline, or a \
            corrupt baseline or thresholds file; 66 missing baseline or run; 130 interrupted.
            """)

    @OptionGroup var project: ProjectOptions

    @Option(help: "The baseline file (default: Reports/baseline.json; with --plan, the one the plan was made from).")
    var baseline: String?

    @Option(
        name: .customLong("run"),
        help: "Judge this existing run folder instead of running the plan (no same-job A/B unless it holds base/).")
    var runFolder: String?

    @Option(
        help: "A revision (e.g. HEAD~1) to build and run interleaved with this tree, for the machine-bound metrics.")
    var against: String?

    @Option(
        help:
            "NAME.key=value: run this tree with a changed parameter, declared as standing for a code change (to test the gate; repeatable)."
    )
    var inject: [String] = []

    @Option(help: "A thresholds file (default: Reports/thresholds.json if present, else built-in defaults).")
    var thresholds: String?

    @Option(help: "The run folder to write (default: Reports/runs/<timestamp>).")
    var out: String?

    @Flag(
        help:
            "Run every row to the most the adaptive rule can reach (11 a side at the committed thresholds: the growth verdict's run-on; the cells alone stop at 7), so every claim is judged at one n fixed in advance, instead of stopping a row once the gate's answer for it cannot change."
    )
    var fixedRepeats = false

    @Option(
        name: .customLong("scenario"),
        help: "Judge only these rows of the baseline: NAME, NAME/VARIANT or NAME/* (repeatable; default: all).")
    var scenarios: [String] = []

    @OptionGroup var sharding: ShardOptions

    @OptionGroup var pinning: CPUOptions

    @Flag(help: "No heap-profiled repeats for memory findings (what grew; see --what-grew-rows).")
    var noWhatGrew = false

    @Option(
        help:
            "On a memory finding, profile at most this many regressed (row, scale) pairs: one heap-profiled repeat of head and base each, the stacks that grew in check.md."
    )
    var whatGrewRows = CheckSettings.defaults.whatGrewRows

    @Flag(help: "No progress lines.")
    var quiet = false

    /// The options as values (``CheckSettings``).
    var settings: CheckSettings {
        var settings = CheckSettings()
        settings.baseline = baseline
        settings.runFolder = runFolder
        settings.against = against
        settings.inject = inject
        settings.thresholds = thresholds
        settings.out = out
        settings.fixedRepeats = fixedRepeats
        settings.scenarios = scenarios
        settings.sharding = sharding.request
        settings.cpus = pinning.cpus
        settings.noWhatGrew = noWhatGrew
        settings.whatGrewRows = whatGrewRows
        settings.quiet = quiet
        return settings
    }

    func run() throws {
        let outcome = try reportingErrors { () throws(BenchError) -> GateCheck.Outcome in
            try GateCheck(settings: settings).execute(catalog: project.catalog)
        }
        try end(outcome.ending)
    }
}
