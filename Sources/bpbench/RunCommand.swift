import ArgumentParser
import BenchCore
import BenchModel
import BenchProtocol
import BenchReport
import BenchSession
import BenchSystem
import Foundation

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
    var profile: String = Profile.standard.rawValue

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

    @Option(help: "Adaptive repeats: at most this many (default 10).")
    var maxRepeats: Int?

    @Option(
        help:
            "Adaptive repeats: stop a row once the confidence interval of each figure's median (peak allocated, throughput) is within ± this many percent of it."
    )
    var ciWidth: Double = 5

    @Option(
        help:
            "Adaptive repeats: the confidence level of that interval, in percent (distribution-free; 90 needs at least 5 repeats, 95 at least 6)."
    )
    var ciLevel: Double = 90

    @Option(
        help:
            "Unrecorded warm-up run before the repeats of each scenario row (at its first scale; later scales find the machine warm)."
    )
    var warmup: Int = 1

    @Option(
        help: "Input-size factors applied to each scenario's scale parameter, e.g. 1,4 (for the memory-growth verdict)."
    )
    var scale: String = "1"

    @Option(
        name: .customLong("param"),
        help: "NAME.key=value for one scenario, or key=value for every scenario that has key (repeatable).")
    var parameters: [String] = []

    @Option(help: "Sampling period of /proc and jemalloc, in ms (0 = jemalloc sampler off).")
    var sampleIntervalMs: Double = 1

    @Option(help: "Period of the recorded timeline, in ms (each point is the window's maximum).")
    var timelineIntervalMs: Double = 10

    @Option(help: "Kill a child whose RSS passes this size (status memory-cap), e.g. 2GiB.")
    var memoryCap: String = "2GiB"

    @Option(help: "Kill a child running longer than this many seconds (status timeout).")
    var timeout: Double = 300

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
    var allocator: String = "jemalloc"

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

    func run() throws {
        var crashFailure: String?
        var notOk: String?
        var brokenFolder: BenchError?
        let interrupted = try reportingErrors { () throws(BenchError) -> Bool in
            let catalog = try project.catalog()
            let formats = try ExportFormat.parse(exports)
            // The plan from the options, or (--plan) this machine's shard of a plan file.
            let resolved: ResolvedRun
            if let planFile = sharding.planFile {
                resolved = try resolveShard(catalog, path: planFile)
            } else {
                resolved = try resolvePlan(catalog)
            }
            let plan = resolved.plan
            let entries = resolved.entries
            let limits = resolved.limits
            let profile = plan.profile
            brokenFolder = resolved.problems.first

            let reports = RunFolder.Reports(projectRoot: catalog.projectRoot)
            let folder = try RunFolder.create(out: out, in: reports)
            let runDirectory = folder.path
            if let shard = resolved.shard {
                // Before any child: a shard whose harness dies is still identifiable to merge.
                try ShardStamp(plan: shard.file, shard: shard.spec, hostname: ProcessInfo.processInfo.hostName).write(
                    plan: shard.file, into: runDirectory)
                if !quiet {
                    print(
                        "shard \(shard.spec) of plan \(shard.file.planID): \(plan.steps.filter { !$0.isWarmup }.count) recorded repeats"
                    )
                }
            }
            let interruption = Interruption()
            interruption.install()
            var document = RunDocument(
                plan: plan, entries: entries, limits: limits, projectRoot: catalog.projectRoot,
                reference: resolved.reference)
            let rule =
                plan.repeatPolicy.isAdaptive
                ? PrecisionRule(
                    width: resolved.ciWidth, level: resolved.ciLevel,
                    growsWithTimeRows: Set(document.growsWithTimeRows ?? [])) : nil
            if rule != nil {
                document.ciWidth = resolved.ciWidth
                document.ciLevel = resolved.ciLevel
            }
            var runner = BenchRunner(
                catalog: catalog, limits: limits, cacheDirectory: reports.cache, interruption: interruption)
            if attribute {
                let profiles = runDirectory + "/profiles"
                do {
                    try FileManager.default.createDirectory(atPath: profiles, withIntermediateDirectories: true)
                } catch {
                    throw BenchError(.cannotCreate, "cannot create \(profiles): \(error.localizedDescription)")
                }
                runner.attributionDirectory = profiles
            }
            let progress = ProgressPrinter(quiet: quiet, plan: plan)
            if let crashTest {
                guard entries.count == 1, let step = plan.steps.last(where: { $0.variant == nil }),
                    step.entry.description.durableStateParameter != nil
                else {
                    let durable = try catalog.select([]).entries.filter { $0.description.durableStateParameter != nil }
                        .map(\.name)
                    throw BenchError(
                        .usage,
                        "--crash-test needs exactly one scenario that keeps durable state (here: \(durable.isEmpty ? "none" : durable.joined(separator: ", ")))"
                    )
                }
                let window = crashWindow.split(separator: "-").compactMap { Double($0) }
                guard window.count == 2, window[0] >= 0, window[0] < window[1] else {
                    throw BenchError(
                        .usage,
                        "--crash-window takes MIN-MAX seconds with MIN < MAX, e.g. 0.5-2.5; got '\(crashWindow)'")
                }
                let records = try CrashTest(kills: crashTest, window: window[0]...window[1]).execute(
                    step: step, profile: profile, executor: runner, directory: runDirectory,
                    interruption: interruption
                ) { line in
                    if !quiet { print(line) }
                }
                document.records = records
                if let final = records.last {
                    let figures = final.metrics.sorted { $0.key < $1.key }.map {
                        "\($0.key)=\($0.value == $0.value.rounded() ? String(Int64($0.value)) : String(format: "%.3f", $0.value))"
                    }.joined(separator: " ")
                    print("crash test: \(final.status.rawValue) \(figures)")
                }
                crashFailure = CrashTest.failure(records)
            } else {
                let journal = try folder.startJournal(document)
                runner.execute(
                    plan, rule: rule, logDirectory: folder.logsPath, journal: journal, into: &document,
                    progress: progress.handle)
            }
            document.finishedAt = RunDocument.timestamp()
            if attribute {
                if !quiet { print("attributing each row's peak (jeprof)…") }
                let (attributions, problems) = PeakAttribution.collect(
                    document, entries: entries, runDirectory: runDirectory)
                document.attributions = attributions
                document.attributionProblems = problems.isEmpty ? nil : problems
            }

            let analysis = RunAnalysis(document)
            try RunWriter.write(analysis, to: runDirectory, formats: formats)
            if !document.interrupted { try folder.pointLatest(reports) }
            if !quiet {
                print("")
                print(MarkdownExporter().summaryTable(analysis).dropFirst(2).joined(separator: "\n"))
                print(
                    "\nwrote \(runDirectory)/ (report.md, results.csv, timeline.csv, results.json, run.json, *.svg, logs/)"
                )
            }
            // A skipped row (a tool this machine lacks) is said in the report, not a failure.
            let failed = document.records.filter { !$0.status.isAcceptable }
            if crashTest == nil, !failed.isEmpty {
                notOk =
                    "\(failed.count) of \(document.records.count) rows did not end ok (\(Set(failed.map(\.status.rawValue)).sorted().joined(separator: ", ")))"
            }
            return document.interrupted
        }
        if interrupted {
            FileHandle.standardError.write(Data("bpbench: interrupted; the finished repeats were written\n".utf8))
            throw ExitCode(130)
        }
        if let crashFailure {
            FileHandle.standardError.write(Data("bpbench: crash test failed: \(crashFailure)\n".utf8))
            throw ExitCode(1)
        }
        if let notOk {
            FileHandle.standardError.write(
                Data("bpbench: \(notOk); every row was written (see status in report.md)\n".utf8))
            throw ExitCode(Self.rowsNotOkExitCode)
        }
        if let brokenFolder {
            FileHandle.standardError.write(
                Data("bpbench: the run is complete without a broken scenario folder: \(brokenFolder.message)\n".utf8))
            throw ExitCode(brokenFolder.exitCode)
        }
    }

    /// The smallest cap that lets a child run at all: an idle child (fixture-allocate with
    /// megabytes=0) peaked at 24.3–24.5 MiB of RSS here, a scenario's runtime floor is 25–30 MiB; a
    /// cap below 32 MiB can only produce memory-cap rows.
    static let smallestUsefulCap = 32 << 20

    /// `bpbench run` finished and wrote every row, but some rows ended other than ok.
    static let rowsNotOkExitCode: Int32 = 3

    /// `--repeat N` (fixed), else adaptive between `--min-repeats` and `--max-repeats`, as
    /// ``RepeatPolicy/run(profile:repeats:minimum:maximum:)`` decides; the CI flags checked first.
    func repeatPolicy(_ profile: Profile) throws(BenchError) -> RepeatPolicy {
        // The precision rule's settings matter only to an adaptive policy (`--repeat` fixes it).
        if repeats == nil {
            guard ciWidth > 0, ciWidth < 100 else {
                throw BenchError(.usage, "--ci-width takes a percentage between 0 and 100 (exclusive), got \(ciWidth)")
            }
            guard ciLevel >= 50, ciLevel < 100 else {
                throw BenchError(.usage, "--ci-level takes a percentage from 50 to below 100, got \(ciLevel)")
            }
        }
        return try RepeatPolicy.run(profile: profile, repeats: repeats, minimum: minRepeats, maximum: maxRepeats)
    }

    func makeLimits() throws(BenchError) -> ChildLimits {
        var limits = ChildLimits()
        // Below 0.1 ms the sampler's own tick (~25 µs for jemalloc's epoch, more for /proc) would
        // be most of what the child's cores do; above 1 s it would miss every peak that matters.
        guard sampleIntervalMs == 0 || (0.1...1000).contains(sampleIntervalMs) else {
            throw BenchError(
                .usage, "--sample-interval-ms takes 0 (in-child sampler off) or 0.1–1000 ms, got \(sampleIntervalMs)")
        }
        guard timelineIntervalMs >= 1, timelineIntervalMs.isFinite else {
            throw BenchError(.usage, "--timeline-interval-ms must be ≥ 1")
        }
        guard timeout > 0, timeout.isFinite else {
            throw BenchError(.usage, "--timeout must be a positive number of seconds")
        }
        limits.sampleIntervalMs = sampleIntervalMs
        limits.timelineIntervalMs = timelineIntervalMs
        limits.timeoutS = timeout
        do {
            limits.memoryCapBytes = try ValueParser.bytes(memoryCap, parameter: "--memory-cap")
        } catch {
            throw BenchError(.usage, "--memory-cap must be a size such as 2GiB, got '\(memoryCap)'")
        }
        guard limits.memoryCapBytes >= Self.smallestUsefulCap else {
            throw BenchError(
                .usage,
                "--memory-cap \(memoryCap) is below what an idle scenario child needs (\(Self.smallestUsefulCap >> 20) MiB: runtime, NIO threads, binary); every row would end memory-cap"
            )
        }
        try pinning.apply(to: &limits)
        return limits
    }

    func parseScales() throws(BenchError) -> [Double] {
        let parts = scale.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap(Double.init)
        guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw BenchError(.usage, "--scale takes positive factors separated by commas, e.g. 1,4; got '\(scale)'")
        }
        return values
    }
}
