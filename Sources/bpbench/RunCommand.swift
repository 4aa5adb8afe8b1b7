import ArgumentParser
import BenchModel
import BenchSession
import BenchSystem

/// `bpbench run`: plan, run every child, write the run folder, point `Reports/latest` at it.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract:
            "Run scenarios in child processes and write a run folder (results.csv, timeline.csv, report.md, run.json, charts).",
        discussion:
            "A child that crashes, hangs, or passes the memory cap is a result (its status), not an error: bpbench run writes every row, then exits 0 when all ended ok (or skipped: a required tool such as node is missing), 3 when some did not, 130 if interrupted; a broken scenario folder (bad scenario.json) is one line on stderr, the others still run, and the run exits with its code (65 bad manifest, 69 command not found)."
    )

    @OptionGroup var project: ProjectOptions

    @Option(
        name: .customLong("scenario"),
        help:
            "Rows to run (repeatable; default: all): NAME (its base row), NAME/VARIANT (one variant, whatever the profile) or NAME/* (every row the profile runs)."
    )
    var scenarios: [String] = []

    @Option(help: "Defaults to run with: quick (≤ 3 s per scenario, CI), standard, stress.")
    var profile: String = RunSettings.defaults.profile

    @Option(
        name: .customLong("repeat"),
        help:
            "A fixed count of recorded repeats per scenario and scale (default: adaptive, see --min-repeats; stress: 1); scales between the smallest and the largest run at most 2 (they only feed the growth fit)."
    )
    var repeats: Int?

    @Option(
        help:
            "Adaptive repeats: at least this many at the smallest and largest scale (default 5: the fewest with which the growth test and the gate can reach p < 0.01)."
    )
    var minRepeats: Int?

    @Option(
        help:
            "Adaptive repeats: at most this many (default 10). A scale stops earlier, reported unsettled (⚠), when no mix of further repeats like those so far could settle it by then (futility), or once its repeats have taken 25 s."
    )
    var maxRepeats: Int?

    @Option(
        help:
            "Adaptive repeats: stop a row once the confidence interval of each figure's median (peak allocated, throughput) is within ± this many percent of it."
    )
    var ciWidth: Double = RunSettings.defaults.ciWidth

    @Option(
        help:
            "Adaptive repeats: the confidence level of that interval, in percent (distribution-free; 90 needs at least 5 repeats, 95 at least 6)."
    )
    var ciLevel: Double = RunSettings.defaults.ciLevel

    @Option(
        help:
            "Unrecorded warm-up run before the repeats of each scenario row (at its first scale; later scales find the machine warm)."
    )
    var warmup: Int = RunSettings.defaults.warmup

    @Option(
        help: "Input-size factors applied to each scenario's scale parameter, e.g. 1,4 (for the memory-growth verdict)."
    )
    var scale: String = RunSettings.defaults.scale

    @Option(
        name: .customLong("param"),
        help: "NAME.key=value for one scenario, or key=value for every scenario that has key (repeatable).")
    var parameters: [String] = []

    @Option(help: "Sampling period of /proc and jemalloc, in ms (0 = jemalloc sampler off).")
    var sampleIntervalMs: Double = RunSettings.defaults.sampleIntervalMs

    @Option(help: "Period of the recorded timeline, in ms (each point is the window's maximum).")
    var timelineIntervalMs: Double = RunSettings.defaults.timelineIntervalMs

    @Option(help: "Kill a child whose RSS passes this size (status memory-cap), e.g. 2GiB.")
    var memoryCap: String = RunSettings.defaults.memoryCap

    @Option(help: "Kill a child running longer than this many seconds (status timeout).")
    var timeout: Double = RunSettings.defaults.timeout

    @Option(
        help:
            "The run folder to write (default: Reports/runs/<timestamp>). Must not exist yet. Reports/latest is pointed at it only when it lies inside Reports/."
    )
    var out: String?

    @Option(
        help:
            "Scenario (row) the report's ratios are computed against; must be in the run (default: the scenario that declares itself the reference, pipeline-copy, when it runs)."
    )
    var reference: RowID?

    @Option(
        name: .customLong("export"),
        help:
            "Also write a dashboard export: bencher (bencher.json, Bencher Metric Format), github-action-benchmark (customSmallerIsBetter / customBiggerIsBetter files). Repeatable."
    )
    var exports: [String] = []

    @Option(
        help:
            "Kill the (single, durable) scenario with SIGKILL N times at random moments, restarting it on the same queue file, then drain and verify."
    )
    var crashTest: Int?

    @Option(
        help:
            "With --crash-test: each kill lands uniformly in this many seconds after a start, MIN-MAX (a scenario that starts a server needs longer than the default)."
    )
    var crashWindow: String = "0.1-0.8"

    @Option(
        help:
            "The allocator Swift children allocate through: jemalloc (default; the in-child figures read it), system (glibc's malloc, preloaded; rows named NAME@system), or both (each repeat on each, interleaved, and the report compares them)."
    )
    var allocator: String = RunSettings.defaults.allocator

    @Flag(
        help:
            "Attribute each row's peak heap to allocation stacks: Swift children run with jemalloc's heap profiling (lg_prof_sample 19) and dump a profile at each new peak; the report gets the top stacks and a flame graph per row (jeprof). Costs throughput: not for comparing speed."
    )
    var attribute = false

    @Flag(
        help:
            "Alternate the rows' repeats (row A repeat 1, row B repeat 1, A 2, B 2, …) instead of running row after row, so a drift in the machine's load falls on every row alike: for ratios between rows."
    )
    var interleave = false

    @Flag(help: "Allow the harness's hidden test fixtures to be selected by name.")
    var includeFixtures = false

    @Flag(help: "No progress lines.")
    var quiet = false

    @OptionGroup var sharding: ShardOptions

    @OptionGroup var pinning: CPUOptions

    /// The plan-shaping options as values (``RunSettings``); `plan` reads them too.
    var settings: RunSettings {
        var settings = RunSettings()
        settings.scenarios = scenarios
        settings.profile = profile
        settings.repeats = repeats
        settings.minRepeats = minRepeats
        settings.maxRepeats = maxRepeats
        settings.ciWidth = ciWidth
        settings.ciLevel = ciLevel
        settings.warmup = warmup
        settings.scale = scale
        settings.parameters = parameters
        settings.sampleIntervalMs = sampleIntervalMs
        settings.timelineIntervalMs = timelineIntervalMs
        settings.memoryCap = memoryCap
        settings.timeout = timeout
        settings.reference = reference
        settings.allocator = allocator
        settings.interleave = interleave
        settings.includeFixtures = includeFixtures
        settings.crashTest = crashTest
        settings.cpus = pinning.cpus
        settings.sharding = sharding.request
        return settings
    }

    func run() throws {
        var benchmark = BenchmarkRun(settings: settings)
        benchmark.out = out
        benchmark.exports = exports
        benchmark.crashWindow = crashWindow
        benchmark.attribute = attribute
        benchmark.quiet = quiet
        let outcome = try reportingErrors { () throws(BenchError) -> BenchmarkRun.Outcome in
            try benchmark.execute(in: try project.catalog())
        }
        try end(outcome.ending)
    }
}
