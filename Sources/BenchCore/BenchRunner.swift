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
    }

    public let catalog: ScenarioCatalog
    public let limits: ChildLimits
    public let cacheDirectory: String
    public let interruption: Interruption?

    public init(catalog: ScenarioCatalog, limits: ChildLimits, cacheDirectory: String, interruption: Interruption?) {
        self.catalog = catalog
        self.limits = limits
        self.cacheDirectory = cacheDirectory
        self.interruption = interruption
    }

    /// Runs every step, appending records to `document` (written by the caller). Stops early,
    /// marking the document interrupted, when the interruption flag goes up.
    public func execute(_ plan: RunPlan, logDirectory: String, into document: inout RunDocument, progress: (Event) -> Void) {
        for (index, step) in plan.steps.enumerated() {
            if interruption?.isInterrupted == true { break }
            progress(.starting(step, index: index, total: plan.steps.count))
            let record = execute(step, profile: plan.profile, logDirectory: logDirectory)
            progress(.finished(step, record))
            Self.collect(record, of: step, into: &document)
        }
        if interruption?.isInterrupted == true { document.interrupted = true }
    }

    /// Runs one step as a child process.
    public func execute(_ step: RunPlan.Step, profile: Profile, logDirectory: String) -> RunRecord {
        let runner = ChildRunner(launcherPath: catalog.launcherPath, limits: limits, interruption: interruption)
        let label = step.isWarmup ? "warmup" : "r\(step.repeatIndex)"
        let logFile = logDirectory + "/\(step.row.replacingOccurrences(of: "/", with: "+"))-x\(Self.scaleLabel(step.scale))-\(label).log"
        var record = RunRecord(
            scenario: step.row, repeatIndex: step.repeatIndex, scale: step.scale,
            parameters: Dictionary(step.parameters, uniquingKeysWith: { $1 }), logFile: logFile)
        record.variant = step.variant
        run(step.entry, profile: profile, parameters: step.parameters, with: runner, into: &record)
        return record
    }

    /// Adds a finished step's record to `document`: warm-ups and interrupted repeats are not
    /// recorded; the first child's jemalloc version and options become the run's.
    public static func collect(_ record: RunRecord, of step: RunPlan.Step, into document: inout RunDocument) {
        if record.status == .interrupted { document.interrupted = true }
        if !step.isWarmup, record.status != .interrupted { document.records.append(record) }
        if document.environment.jemallocVersion == "unknown", let version = record.jemallocVersion {
            document.environment.jemallocVersion = version
            document.environment.mallocConf = record.mallocConf ?? "unknown"
        }
    }

    /// Starts one child of `entry` with the harness's standard arguments and environment.
    func run(_ entry: ScenarioCatalog.Entry, profile: Profile, parameters: [(String, String)], with runner: ChildRunner, into record: inout RunRecord) {
        var arguments = ["--profile", profile.rawValue, "--sample-interval-ms", String(runner.limits.sampleIntervalMs),
                         "--timeline-interval-ms", String(runner.limits.timelineIntervalMs), "--cache-dir", cacheDirectory]
        for (key, value) in parameters { arguments += ["--param", "\(key)=\(value)"] }
        var environment = ProcessInfo.processInfo.environment
        environment["BPBENCH_CACHE_DIR"] = cacheDirectory
        runner.run(program: entry.executable, arguments: arguments, environment: environment, into: &record)
    }

    static func scaleLabel(_ scale: Double) -> String {
        scale == scale.rounded() ? String(Int(scale)) : String(scale)
    }
}
