import BenchModel
import BenchProtocol
import Foundation

/// Runs one step of a plan and returns its record: the seam between planning, statistics and
/// the gate on one side and real child processes on the other (tests script it).
public protocol StepExecutor: Sendable {
    func execute(_ step: RunPlan.Step, profile: Profile, logDirectory: String) -> RunRecord
}

/// Runs a plan's steps as child processes, one child at a time (children never compete for the
/// two cores): the harness's arguments, environment and allocator for each child. The order,
/// the records and the journal are the ``RunLoop``'s; warm-ups run and are reported to
/// `progress` but not recorded.
public struct BenchRunner: StepExecutor {
    /// What the terminal is told as the run goes.
    public enum Event: Sendable {
        case starting(RunPlan.Step, index: Int, total: Int)
        case finished(RunPlan.Step, RunRecord)
        /// A few times a second while the step's child runs.
        case running(RunPlan.Step, LiveStatus)
        /// Adaptive repeats added these steps to the plan (a row was not settled yet).
        case added([RunPlan.Step])
    }

    public let catalog: ScenarioCatalog
    public let limits: ChildLimits
    public let cacheDirectory: String
    public let interruption: Interruption?
    /// `--attribute`: where Swift children dump their peak heap profiles (profiling on); nil = off.
    public var attributionDirectory: String?
    /// With `attributionDirectory`: jemalloc's heap-profile sampling period, 2^n bytes.
    public var attributionSampleLg = PeakAttribution.lgSample

    public init(catalog: ScenarioCatalog, limits: ChildLimits, cacheDirectory: String, interruption: Interruption?) {
        self.catalog = catalog
        self.limits = limits
        self.cacheDirectory = cacheDirectory
        self.interruption = interruption
    }

    /// Runs every step of `plan` as children, one after another, through the ``RunLoop``:
    /// records go to `document` (written by the caller) and, when given, each to `journal` before
    /// the next child starts. With an adaptive plan and a `rule`, rows run on until settled.
    public func execute(
        _ plan: RunPlan, rule: (any RepeatRule)? = nil, logDirectory: String, journal: RunJournal? = nil,
        into document: inout RunDocument, progress: (Event) -> Void
    ) {
        let side = RunLoop.Side(name: "run", plan: plan, logDirectory: logDirectory, journal: journal)
        Self.execute(side, rule: rule, interruption: interruption, into: &document, progress: progress) { step, live in
            execute(step, profile: plan.profile, logDirectory: logDirectory, live: live)
        }
    }

    /// The same with how a step runs given (`run`: a script in tests).
    public static func execute(
        _ plan: RunPlan, rule: (any RepeatRule)?, interruption: Interruption?, into document: inout RunDocument,
        progress: (Event) -> Void, run: (RunPlan.Step) -> RunRecord
    ) {
        execute(
            RunLoop.Side(name: "run", plan: plan, logDirectory: ""), rule: rule, interruption: interruption,
            into: &document,
            progress: progress
        ) { step, _ in run(step) }
    }

    static func execute(
        _ side: RunLoop.Side, rule: (any RepeatRule)?, interruption: Interruption?, into document: inout RunDocument,
        progress: (Event) -> Void, run: (RunPlan.Step, (LiveStatus) -> Void) -> RunRecord
    ) {
        var documents = [document]
        RunLoop(.single(side), interruption: interruption).execute(
            into: &documents, rule: rule,
            progress: { event in
                switch event {
                case .starting(_, let step, let index, let total): progress(.starting(step, index: index, total: total))
                case .running(_, let step, let status): progress(.running(step, status))
                case .finished(_, let step, let record): progress(.finished(step, record))
                case .added(let steps): progress(.added(steps))
                }
            }, run: { _, step, live in withoutActuallyEscaping(live) { live in run(step, live) } })
        document = documents[0]
    }

    /// Runs one step as a child process.
    public func execute(_ step: RunPlan.Step, profile: Profile, logDirectory: String) -> RunRecord {
        execute(step, profile: profile, logDirectory: logDirectory) { _ in }
    }

    /// Runs one step as a child process, reporting how it does while it runs.
    public func execute(
        _ step: RunPlan.Step, profile: Profile, logDirectory: String, live: (LiveStatus) -> Void
    ) -> RunRecord {
        var limits = self.limits
        limits.killAfterS = step.killAfterS
        let runner = ChildRunner(launcherPath: catalog.launcherPath, limits: limits, interruption: interruption)
        let logFile = logDirectory + "/" + RunFolder.logFileName(for: step)
        var record = RunRecord(
            scenario: step.row, repeatIndex: step.repeatIndex, scale: step.scale,
            parameters: Dictionary(step.parameters, uniquingKeysWith: { $1 }), logFile: logFile)
        run(
            step.entry, profile: profile, parameters: step.parameters, allocator: step.allocator, with: runner,
            into: &record, live: live)
        return record
    }

    /// Starts one child of `entry` with the harness's standard arguments and environment: the
    /// parameters go over resolved, as one JSON object (``ResultProtocol``).
    func run(
        _ entry: ScenarioCatalog.Entry, profile: Profile, parameters: [(String, String)],
        allocator: Allocator = .jemalloc, with runner: ChildRunner,
        into record: inout RunRecord, live: (LiveStatus) -> Void = { _ in }
    ) {
        let resolved = (try? JSONLineCoding.line(Dictionary(parameters, uniquingKeysWith: { $1 }))) ?? "{}"
        let arguments = [
            "--profile", profile.rawValue, "--sample-interval-ms", String(runner.limits.sampleIntervalMs),
            "--timeline-interval-ms", String(runner.limits.timelineIntervalMs), "--cache-dir", cacheDirectory,
            ResultProtocol.parametersFlag, resolved,
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["BPBENCH_CACHE_DIR"] = cacheDirectory
        environment.merge(catalog.childEnvironment) { $1 }
        // A crashing Swift child would start the runtime's backtracer, which suspends it while it
        // works — seen here frozen for 16 minutes, so a crash became a timeout and the backtracer,
        // re-parented to init, held the output pipe. A crash is a status row: the child dies at
        // once (its assertion message is still in the log). SWIFT_BACKTRACE set by the user wins.
        if environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = "enable=no" }
        if let reason = entry.launch.unavailableReason {
            record.status = .skipped
            record.statusDetail = reason
            return
        }
        guard let command = entry.launch.command else {
            record.status = .spawnFailed
            record.statusDetail = "no program to start"
            return
        }
        if allocator == .system {
            // glibc's malloc ahead of the jemalloc the binary links (``Allocator``).
            let library = catalog.binDirectory + "/" + Allocator.systemLibraryName
            environment["LD_PRELOAD"] = [library, environment["LD_PRELOAD"]].compactMap { $0 }.filter { !$0.isEmpty }
                .joined(separator: ":")
            environment[ResultProtocol.allocatorVariable] = Allocator.system.rawValue
        }
        var profile: String?
        if let directory = attributionDirectory, allocator == .jemalloc, case .built = entry.launch {
            // jemalloc reads MALLOC_CONF after the compiled-in defaults: profiling on top of them.
            environment["MALLOC_CONF"] = [
                environment["MALLOC_CONF"], PeakAttribution.mallocConf(lgSample: attributionSampleLg),
            ].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ",")
            profile =
                directory + "/" + ((record.logFile as NSString).lastPathComponent as NSString).deletingPathExtension
                + ".heap"
            environment[ResultProtocol.peakProfileVariable] = profile
        }
        runner.run(
            program: command.argv[0], arguments: Array(command.argv.dropFirst()) + arguments, environment: environment,
            workingDirectory: command.workingDirectory, speaksProtocol: entry.description.protocolVersion != nil,
            into: &record, live: live)
        if let profile, FileManager.default.fileExists(atPath: profile) { record.observed.heapProfile = profile }
    }
}
