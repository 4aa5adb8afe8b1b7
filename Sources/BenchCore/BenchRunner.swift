import BenchProtocol
import Foundation

/// Runs one step of a plan and returns its record: the seam between planning, statistics and
/// the gate on one side and real child processes on the other (tests script it).
public protocol StepExecutor: Sendable {
    func execute(_ step: RunPlan.Step, profile: Profile, logDirectory: String) -> RunRecord
}

/// Executes a ``RunPlan`` one child at a time (children never compete for the two cores), and
/// collects the records. Warm-ups run and are reported to `progress` but not recorded.
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

    public init(catalog: ScenarioCatalog, limits: ChildLimits, cacheDirectory: String, interruption: Interruption?) {
        self.catalog = catalog
        self.limits = limits
        self.cacheDirectory = cacheDirectory
        self.interruption = interruption
    }

    /// Runs every step, appending records to `document` (written by the caller). Stops early,
    /// marking the document interrupted, when the interruption flag goes up.
    /// Each recorded row is appended to `journal` (when given) before the next child starts.
    ///
    /// With an adaptive plan and a `rule`, each row (scenario/variant) runs its planned steps,
    /// then one more repeat at each end scale the rule calls unsettled, round after round, until
    /// none is or the plan's maximum is reached; the next row starts after that.
    public func execute(_ plan: RunPlan, rule: (any RepeatRule)? = nil, logDirectory: String, journal: RunJournal? = nil,
                        into document: inout RunDocument, progress: (Event) -> Void) {
        Self.execute(plan, rule: rule, interruption: interruption, journal: journal, into: &document, progress: progress) { step in
            execute(step, profile: plan.profile, logDirectory: logDirectory) { progress(.running(step, $0)) }
        }
    }

    /// The plan's loop, apart from how a step runs (`run`: a child here, a script in tests).
    public static func execute(_ plan: RunPlan, rule: (any RepeatRule)?, interruption: Interruption?, journal: RunJournal? = nil,
                               into document: inout RunDocument, progress: (Event) -> Void, run: (RunPlan.Step) -> RunRecord) {
        var journalFailure: BenchError?
        var index = 0
        var total = plan.steps.count
        rows: for group in plan.rowGroups {
            var executed: [RunPlan.Step] = []
            var pending = group
            while !pending.isEmpty {
                for step in pending {
                    if interruption?.isInterrupted == true { break rows }
                    progress(.starting(step, index: index, total: total))
                    index += 1
                    let record = run(step)
                    progress(.finished(step, record))
                    executed.append(step)
                    if collect(record, of: step, into: &document), let journal, journalFailure == nil {
                        do {
                            try journal.append(record)
                        } catch {
                            // The run goes on (run.json is still written at the end); say it once.
                            journalFailure = error
                            FileHandle.standardError.write(Data("bpbench: \(error.message); the run continues without its journal\n".utf8))
                        }
                    }
                }
                guard let rule else { break }
                let records = document.records
                pending = plan.extensions(of: group, executed: executed, rule: rule, records: { row in records.filter { $0.scenario == row } })
                total += pending.count
                if !pending.isEmpty { progress(.added(pending)) }
            }
        }
        if interruption?.isInterrupted == true { document.interrupted = true }
    }

    /// Runs one step as a child process.
    public func execute(_ step: RunPlan.Step, profile: Profile, logDirectory: String) -> RunRecord {
        execute(step, profile: profile, logDirectory: logDirectory) { _ in }
    }

    /// Runs one step as a child process, reporting how it does while it runs.
    public func execute(_ step: RunPlan.Step, profile: Profile, logDirectory: String, live: (LiveStatus) -> Void) -> RunRecord {
        var limits = self.limits
        limits.killAfterS = step.killAfterS
        let runner = ChildRunner(launcherPath: catalog.launcherPath, limits: limits, interruption: interruption)
        let logFile = logDirectory + "/" + RunFolder.logFileName(for: step)
        var record = RunRecord(
            scenario: step.row, repeatIndex: step.repeatIndex, scale: step.scale,
            parameters: Dictionary(step.parameters, uniquingKeysWith: { $1 }), logFile: logFile)
        record.variant = step.variant
        run(step.entry, profile: profile, parameters: step.parameters, allocator: step.allocator, with: runner, into: &record, live: live)
        return record
    }

    /// Adds a finished step's record to `document`: warm-ups and interrupted repeats are not
    /// recorded. Returns whether it was.
    @discardableResult
    public static func collect(_ record: RunRecord, of step: RunPlan.Step, into document: inout RunDocument) -> Bool {
        if record.status == .interrupted { document.interrupted = true }
        guard !step.isWarmup, record.status != .interrupted else { return false }
        document.adopt(record)
        return true
    }

    /// Starts one child of `entry` with the harness's standard arguments and environment: the
    /// parameters go over resolved, as one JSON object (``ResultProtocol``).
    func run(_ entry: ScenarioCatalog.Entry, profile: Profile, parameters: [(String, String)], allocator: Allocator = .jemalloc, with runner: ChildRunner,
             into record: inout RunRecord, live: (LiveStatus) -> Void = { _ in }) {
        let resolved = (try? JSONLineCoding.line(Dictionary(parameters, uniquingKeysWith: { $1 }))) ?? "{}"
        let arguments = ["--profile", profile.rawValue, "--sample-interval-ms", String(runner.limits.sampleIntervalMs),
                         "--timeline-interval-ms", String(runner.limits.timelineIntervalMs), "--cache-dir", cacheDirectory,
                         ResultProtocol.parametersFlag, resolved]
        var environment = ProcessInfo.processInfo.environment
        environment["BPBENCH_CACHE_DIR"] = cacheDirectory
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
            environment["LD_PRELOAD"] = [library, environment["LD_PRELOAD"]].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ":")
            environment[ResultProtocol.allocatorVariable] = Allocator.system.rawValue
        }
        var profile: String?
        if let directory = attributionDirectory, allocator == .jemalloc, case .built = entry.launch {
            // jemalloc reads MALLOC_CONF after the compiled-in defaults: profiling on top of them.
            environment["MALLOC_CONF"] = [environment["MALLOC_CONF"], PeakAttribution.mallocConf].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ",")
            profile = directory + "/" + ((record.logFile as NSString).lastPathComponent as NSString).deletingPathExtension + ".heap"
            environment[ResultProtocol.peakProfileVariable] = profile
        }
        runner.run(program: command.argv[0], arguments: Array(command.argv.dropFirst()) + arguments, environment: environment,
                   workingDirectory: command.workingDirectory, speaksProtocol: entry.description.protocolVersion != nil, into: &record, live: live)
        if let profile, FileManager.default.fileExists(atPath: profile) { record.observed.heapProfile = profile }
    }
}
